"""The only module that imports httpx: client construction, sending, and the two flow runners.

Each runner performs a flow's effects (send a request, sleep) with blocking I/O or with asyncio.
Everything that decides anything lives in the pure core; the runners only carry it out, within
the deadline each :class:`~causdk._flow.Send` carries and the body cap of the settings.
"""

from __future__ import annotations

import logging
import ssl
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from causdk._body import BodyReader
from causdk._deadline import DEADLINE, DEPARTURE, Departure, bound_backend
from causdk._flow import Driver, Effect, Flow, Record, Reserve, Send, Sleep, Stopped
from causdk._redact import RedactingFilter, redact_url
from causdk._version import __version__
from causdk._wire import WireRequest, WireResponse
from causdk.clock import Clock
from causdk.errors import ClientClosedError, ConfigurationError, TransportError
from causdk.ratelimit import Reservation
from causdk.settings import ClientSettings

T = TypeVar("T")

# httpx logs each request's full URL at INFO (a V1-signed URL carries Signature=...), and
# httpcore logs response headers at DEBUG (IAM's X-Subject-Token). A filter on a logger does not
# see its children's records, so each logger that writes gets one.
_HTTP_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11",
                 "httpcore.http2", "httpcore.proxy", "httpcore.socks")  # fmt: skip
for _name in _HTTP_LOGGERS:
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, RedactingFilter) for f in _logger.filters):
        _logger.addFilter(RedactingFilter())

# Connection never made: the request surely did not reach the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)


def user_agent(settings: ClientSettings) -> str:
    """``causdk/<version> (python <x>; httpx <y>)``, plus the caller's suffix."""
    python = ".".join(map(str, sys.version_info[:3]))
    agent = f"causdk/{__version__} (python {python}; httpx {httpx.__version__})"
    return f"{agent} {settings.user_agent_suffix}" if settings.user_agent_suffix else agent


def client_options(settings: ClientSettings) -> dict[str, Any]:
    """Keyword arguments for httpx.Client / AsyncClient from causdk's settings.

    No proxy here: httpx would give a proxy its own transport, verified with certifi whatever
    ``ca_bundle`` says. :class:`_PerScheme` picks the proxy per request instead.
    """
    if settings.verify_tls and settings.ca_bundle is not None and not settings.ca_bundle.is_file():
        raise ConfigurationError(f"CA bundle {settings.ca_bundle} is not a file")
    return {
        "timeout": httpx.Timeout(
            settings.read_timeout, connect=settings.connect_timeout, pool=settings.connect_timeout
        ),
        "trust_env": False,
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


_proxy_bypass: Callable[[str, dict[str, str]], bool] = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]  # public, not in stubs


_INSTANCE_METADATA = frozenset({"100.100.100.200", "169.254.169.254"})


class _ProxyChoice:
    """Which proxy a URL goes through: ``settings.proxy``, else (with ``trust_env``) the
    ``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY`` environment, read once."""

    def __init__(self, settings: ClientSettings) -> None:
        self._explicit = settings.proxy
        self._env = urllib.request.getproxies_environment() if settings.trust_env else {}
        self._cache: dict[tuple[str, str], str | None] = {}

    def for_url(self, url: httpx.URL) -> str | None:
        if url.host in _INSTANCE_METADATA or url.host.startswith("169.254."):
            return None  # the instance's own metadata: through a proxy it would be another's
        if self._explicit:
            return self._explicit
        if not self._env:
            return None
        key = (url.scheme, url.netloc.decode("ascii"))
        if key not in self._cache:
            bypass = _proxy_bypass(key[1], self._env)
            found = None if bypass else (self._env.get(url.scheme) or self._env.get("all"))
            self._cache[key] = found
        return self._cache[key]


class _PerScheme(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Connection pools per URL scheme and proxy, each made on first use, sharded by caller.

    Every pool reads and writes within the deadline of the call it serves (:mod:`_deadline`).
    Loading the trust store costs tens of milliseconds; plain-HTTP endpoints (the emulator)
    never need it, and HTTPS ones pay it once, at their first request rather than at start-up.
    The trust store serves the proxy connection too, so a TLS-inspecting corporate proxy works
    with ``ca_bundle``.
    """

    def __init__(self, settings: ClientSettings, *, asynchronous: bool) -> None:
        self._settings = settings
        self._asynchronous = asynchronous
        self._lock = threading.Lock()
        self._pools: dict[tuple[str, str | None, int], Any] = {}
        self._context: ssl.SSLContext | None = None
        self._proxies = _ProxyChoice(settings)

    def _pool(self, url: httpx.URL) -> Any:
        proxy = self._proxies.for_url(url)
        key = (url.scheme, proxy, (_caller_key() * 2654435761 >> 16) % _SHARDS)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = self._pools[key] = self._make_pool(url.scheme, proxy)
            return pool

    def _make_pool(self, scheme: str, proxy: str | None) -> Any:
        tls_proxy = (proxy or "").startswith("https:")
        context = self._ssl_context() if scheme == "https" or tls_proxy else None
        kind = httpx.AsyncHTTPTransport if self._asynchronous else httpx.HTTPTransport
        try:
            pool = kind(
                verify=context if context is not None else False,
                trust_env=False,
                limits=_LIMITS,
                proxy=httpx.Proxy(proxy, ssl_context=context if tls_proxy else None)
                if proxy
                else None,
            )
        except (ImportError, ValueError, httpx.InvalidURL) as exc:
            raise ConfigurationError(f"cannot use proxy {redact_url(proxy or '')}: {exc}") from None
        return bound_backend(pool)

    def _ssl_context(self) -> ssl.SSLContext:
        if self._context is None:  # one trust store for every shard and the proxy
            settings = self._settings
            if settings.verify_tls and settings.ca_bundle is not None:
                self._context = ssl.create_default_context(cafile=str(settings.ca_bundle))
            else:
                self._context = httpx.create_ssl_context(
                    verify=settings.verify_tls, trust_env=settings.trust_env
                )
        return self._context

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response: httpx.Response = self._pool(request.url).handle_request(request)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        pool = self._pool(request.url)
        response: httpx.Response = await pool.handle_async_request(request)
        return response

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()


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
    """What both runners share: the clock, the body cap, and an httpx client they made or
    were given."""

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
        self._settings = settings
        self._owns_client = http_client is None
        self._closed = False
        if http_client is None:
            kind = httpx.AsyncClient if self._asynchronous else httpx.Client
            pools = transport or _PerScheme(settings, asynchronous=self._asynchronous)
            http_client = kind(transport=pools, **client_options(settings))  # type: ignore[arg-type]
        self._client: Any = http_client

    def _start(self, flow: Flow[T]) -> Driver[T]:
        if self._closed or self._client.is_closed:
            flow.close()
            raise ClientClosedError("this causdk client is closed; make a new one")
        return Driver(flow)

    def _request(self, send: Send) -> httpx.Request:
        """The httpx request, its every timeout cut to what is left of the deadline."""
        left, s = send.timeout, self._settings
        timeouts = {
            "connect": min(s.connect_timeout, left),
            "read": min(s.read_timeout, left),
            "write": min(s.read_timeout, left),
            "pool": min(s.connect_timeout, left),
        }
        wire = send.request
        return httpx.Request(
            wire.method,
            wire.url,
            headers=wire.headers,
            content=wire.body,
            extensions={"timeout": timeouts},
        )

    def _reader(self, response: httpx.Response) -> BodyReader:
        return BodyReader(_lower(response.headers), self._settings.max_response_bytes)


def _lower(headers: httpx.Headers) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


@contextmanager
def _in_flight(send: Send) -> Iterator[_Sending]:
    """The request's deadline and departure note, for the network backend (:mod:`_deadline`)."""
    sending = _Sending()
    deadline = DEADLINE.set(sending.started + send.timeout)
    departure = DEPARTURE.set(sending)
    try:
        yield sending
    finally:
        DEPARTURE.reset(departure)
        DEADLINE.reset(deadline)


class _Sending(Departure):
    __slots__ = ("started",)

    def __init__(self) -> None:
        super().__init__()
        self.started = time.monotonic()


def _answer(response: httpx.Response, reader: BodyReader, sending: _Sending) -> WireResponse:
    body = reader.finish()
    return WireResponse(
        response.status_code,
        _lower(response.headers),
        body,
        problem=reader.problem,
        departed_after=None if sending.at is None else sending.at - sending.started,
    )


class SyncRunner(_Runner):
    """Runs flows with blocking I/O on an httpx.Client."""

    _asynchronous = False

    def run(self, flow: Flow[T], *, stop: threading.Event | None = None) -> T:
        """Run ``flow`` to its end; once ``stop`` is set, send nothing more (raise Stopped)."""
        driver, sent = self._start(flow), False
        try:
            while driver.effect is not None:
                if stop is not None and stop.is_set() and isinstance(driver.effect, Send):
                    raise Stopped(sent=sent)
                sent = sent or isinstance(driver.effect, Send)
                driver.resume(self._perform(driver.effect))
        except BaseException:
            driver.abandon()
            raise
        return driver.result

    def _perform(self, effect: Effect) -> WireResponse | Reservation | TransportError | None:
        if isinstance(effect, Sleep):
            self._clock.sleep(effect.seconds)
            return None
        if isinstance(effect, Reserve):
            return effect.limiter.reserve(effect.max_wait)
        if isinstance(effect, Record):
            effect.journal.append(effect.entry)
            return None
        with _in_flight(effect) as departure, _capture_transport_errors() as captured:
            response = self._client.send(self._request(effect), stream=True)
            try:
                reader = self._reader(response)
                for chunk in response.iter_raw():
                    if not reader.feed(chunk):
                        break  # closing unread closes the connection too
            finally:
                response.close()
            return _answer(response, reader, departure)
        return captured.error

    def close(self) -> None:
        self._closed = True
        if self._owns_client:
            self._client.close()


class AsyncRunner(_Runner):
    """Runs flows with asyncio on an httpx.AsyncClient."""

    _asynchronous = True

    async def run(self, flow: Flow[T]) -> T:
        driver = self._start(flow)
        try:
            while driver.effect is not None:
                driver.resume(await self._perform(driver.effect))
        except BaseException:
            driver.abandon()
            raise
        return driver.result

    async def _perform(self, effect: Effect) -> WireResponse | Reservation | TransportError | None:
        if isinstance(effect, Sleep):
            await self._clock.sleep_async(effect.seconds)
            return None
        if isinstance(effect, Reserve):
            return await effect.limiter.reserve_async(effect.max_wait)
        if isinstance(effect, Record):  # an fsync: off the event loop
            import asyncio  # here, not at the top: sync callers never load asyncio

            await asyncio.to_thread(effect.journal.append, effect.entry)
            return None
        with _in_flight(effect) as departure, _capture_transport_errors() as captured:
            response = await self._client.send(self._request(effect), stream=True)
            try:
                reader = self._reader(response)
                async for chunk in response.aiter_raw():
                    if not reader.feed(chunk):
                        break
            finally:
                await response.aclose()
            return _answer(response, reader, departure)
        return captured.error

    async def aclose(self) -> None:
        self._closed = True
        if self._owns_client:
            await self._client.aclose()


__all__ = ["AsyncRunner", "SyncRunner", "WireRequest", "client_options", "user_agent"]
