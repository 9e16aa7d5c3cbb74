"""The only module that imports httpx: client construction, sending, and the two flow runners.

Each runner performs a flow's effects (send a request, sleep) with blocking I/O or with asyncio.
Everything that decides anything lives in the pure core; the runners only carry it out.
"""

from __future__ import annotations

import logging
import ssl
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from causdk._flow import Driver, Effect, Flow, Sleep
from causdk._redact import RedactingFilter
from causdk._version import __version__
from causdk._wire import WireRequest, WireResponse
from causdk.clock import Clock
from causdk.errors import ConfigurationError, TransportError
from causdk.settings import ClientSettings

T = TypeVar("T")

# httpx logs each request's full URL at INFO; a V1-signed URL carries Signature=...
_httpx_logger = logging.getLogger("httpx")
if not any(isinstance(f, RedactingFilter) for f in _httpx_logger.filters):
    _httpx_logger.addFilter(RedactingFilter())

# Connection never made: the request surely did not reach the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)


def user_agent(settings: ClientSettings) -> str:
    """``causdk/<version> (python <x>; httpx <y>)``, plus the caller's suffix."""
    python = ".".join(map(str, sys.version_info[:3]))
    agent = f"causdk/{__version__} (python {python}; httpx {httpx.__version__})"
    return f"{agent} {settings.user_agent_suffix}" if settings.user_agent_suffix else agent


def client_options(settings: ClientSettings) -> dict[str, Any]:
    """Keyword arguments for httpx.Client / AsyncClient from causdk's settings."""
    if settings.verify_tls and settings.ca_bundle is not None and not settings.ca_bundle.is_file():
        raise ConfigurationError(f"CA bundle {settings.ca_bundle} is not a file")
    return {
        "timeout": httpx.Timeout(
            settings.read_timeout, connect=settings.connect_timeout, pool=settings.connect_timeout
        ),
        "proxy": settings.proxy,
        "trust_env": settings.trust_env,
        "follow_redirects": False,
    }


# httpcore 1.0's pool rescans every connection on each request event, so its cost per request
# grows with the connections in it (encode/httpcore#1035, still open). Concurrent callers are
# therefore spread over several small pools; each thread or task sticks to one, so a sequential
# caller keeps reusing one connection. Measured: async bulk at concurrency 50, 140 -> 470/s.
_SHARDS = 8
_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=64)


def _caller_key() -> int:
    """The current asyncio task, else the current thread: who is asking for a connection."""
    loop_module = sys.modules.get("asyncio")
    if loop_module is not None:
        try:
            task = loop_module.current_task()
        except RuntimeError:  # no running loop: a thread
            task = None
        if task is not None:
            return id(task)
    return threading.get_ident()


class _PerScheme(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Connection pools per URL scheme, each made on first use, sharded by caller.

    Loading the trust store costs tens of milliseconds; plain-HTTP endpoints (the emulator) never
    need it, and HTTPS ones pay it once, at their first request rather than at start-up.
    """

    def __init__(self, settings: ClientSettings, *, asynchronous: bool) -> None:
        self._settings = settings
        self._asynchronous = asynchronous
        self._lock = threading.Lock()
        self._pools: dict[tuple[str, int], Any] = {}
        self._verify: bool | ssl.SSLContext | None = None

    def _pool(self, scheme: str) -> Any:
        key = (scheme, (_caller_key() * 2654435761 >> 16) % _SHARDS)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                kind = httpx.AsyncHTTPTransport if self._asynchronous else httpx.HTTPTransport
                pool = self._pools[key] = kind(
                    verify=self._verify_for(scheme),
                    trust_env=self._settings.trust_env,
                    limits=_LIMITS,
                )
            return pool

    def _verify_for(self, scheme: str) -> bool | ssl.SSLContext:
        if scheme != "https":
            return False  # no TLS happens on plain HTTP
        if self._verify is None:  # one trust store for every shard
            self._verify = _verify(self._settings)
        return self._verify

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response: httpx.Response = self._pool(request.url.scheme).handle_request(request)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        pool = self._pool(request.url.scheme)
        response: httpx.Response = await pool.handle_async_request(request)
        return response

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()


def _verify(settings: ClientSettings) -> bool | ssl.SSLContext:
    if settings.verify_tls and settings.ca_bundle is not None:
        return ssl.create_default_context(cafile=str(settings.ca_bundle))
    return settings.verify_tls


def _to_httpx(request: WireRequest) -> httpx.Request:
    return httpx.Request(request.method, request.url, headers=request.headers, content=request.body)


def _from_httpx(response: httpx.Response) -> WireResponse:
    headers = {k.lower(): v for k, v in response.headers.items()}
    return WireResponse(response.status_code, headers, response.content)


class _Captured:
    error: TransportError | None = None


@contextmanager
def _capture_transport_errors() -> Iterator[_Captured]:
    """Turn httpx's exceptions into causdk's TransportError (kept, not raised)."""
    captured = _Captured()
    try:
        yield captured
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise ConfigurationError(f"bad endpoint URL: {exc}") from exc
    except httpx.TransportError as exc:
        err = TransportError(
            str(exc) or type(exc).__name__,
            kind=type(exc).__name__,
            may_have_been_sent=not isinstance(exc, _NOT_SENT),
        )
        err.__cause__ = exc
        captured.error = err


class _Runner:
    """What both runners share: the clock, and an httpx client they made or were given."""

    _asynchronous: bool

    def __init__(
        self,
        settings: ClientSettings,
        clock: Clock,
        *,
        http_client: httpx.Client | httpx.AsyncClient | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._clock = clock
        self._owns_client = http_client is None
        if http_client is None:
            kind = httpx.AsyncClient if self._asynchronous else httpx.Client
            pools = transport or _PerScheme(settings, asynchronous=self._asynchronous)
            http_client = kind(transport=pools, **client_options(settings))  # type: ignore[arg-type]
        self._client: Any = http_client


class SyncRunner(_Runner):
    """Runs flows with blocking I/O on an httpx.Client."""

    _asynchronous = False

    def run(self, flow: Flow[T]) -> T:
        driver = Driver(flow)
        while driver.effect is not None:
            driver.resume(self._perform(driver.effect))
        return driver.result

    def _perform(self, effect: Effect) -> WireResponse | TransportError | None:
        if isinstance(effect, Sleep):
            self._clock.sleep(effect.seconds)
            return None
        with _capture_transport_errors() as captured:
            return _from_httpx(self._client.send(_to_httpx(effect.request)))
        return captured.error

    def close(self) -> None:
        if self._owns_client:
            self._client.close()


class AsyncRunner(_Runner):
    """Runs flows with asyncio on an httpx.AsyncClient."""

    _asynchronous = True

    async def run(self, flow: Flow[T]) -> T:
        driver = Driver(flow)
        while driver.effect is not None:
            driver.resume(await self._perform(driver.effect))
        return driver.result

    async def _perform(self, effect: Effect) -> WireResponse | TransportError | None:
        if isinstance(effect, Sleep):
            await self._clock.sleep_async(effect.seconds)
            return None
        with _capture_transport_errors() as captured:
            return _from_httpx(await self._client.send(_to_httpx(effect.request)))
        return captured.error

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()
