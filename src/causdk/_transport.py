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
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from causdk._body import BodyReader
from causdk._deadline import bound_backend
from causdk._flow import Driver, Effect, Flow, Record, Reserve, Send, Sleep, Stopped
from causdk._inflight import answer, in_flight, transport_error
from causdk._proxy import ProxyChoice
from causdk._redact import RedactingFilter, redact_url
from causdk._runners import AsyncEffects
from causdk._tls import check_ca_bundle, ssl_context
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


def client_options(settings: ClientSettings) -> dict[str, Any]:
    """Keyword arguments for httpx.Client / AsyncClient from causdk's settings.

    No proxy here: httpx would give a proxy its own transport, verified with certifi whatever
    ``ca_bundle`` says. :class:`_PerScheme` picks the proxy per request instead.
    """
    check_ca_bundle(settings)
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
        self._proxies = ProxyChoice(settings)

    def _pool(self, url: httpx.URL) -> Any:
        proxy = self._proxies.for_url(url.scheme, url.host, url.netloc.decode("ascii"))
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
            self._context = ssl_context(self._settings)
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
        captured.error = transport_error(exc, never_connected=isinstance(exc, _NOT_SENT))


class _Runner:
    """What both runners share: the clock, the body cap, and an httpx client they made or
    were given."""

    _asynchronous: bool
    name = "httpx"

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
        # With no client of the caller's, requests go straight to the transport: httpx.Client's
        # send adds cookies, auth and redirect handling causdk never uses, and 60 to 100 µs of
        # CPU a call (a quarter of a revoke's). The client is kept for closing.
        self._direct: Any = None
        if http_client is None:
            kind = httpx.AsyncClient if self._asynchronous else httpx.Client
            pools = transport or _PerScheme(settings, asynchronous=self._asynchronous)
            http_client = kind(transport=pools, **client_options(settings))  # type: ignore[arg-type]
            self._direct = pools
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
        with in_flight(effect) as departure, _capture_transport_errors() as captured:
            request = self._request(effect)
            if self._direct is not None:
                response = self._direct.handle_request(request)
            else:
                response = self._client.send(request, stream=True)
            try:
                reader = self._reader(response)
                for chunk in response.iter_raw():
                    if not reader.feed(chunk):
                        break  # closing unread closes the connection too
            finally:
                response.close()
            return answer(response.status_code, _lower(response.headers), reader, departure)
        return captured.error

    def close(self) -> None:
        self._closed = True
        if self._owns_client:
            self._client.close()


class AsyncRunner(_Runner, AsyncEffects):
    """Runs flows with asyncio on httpx (its transport, or the caller's httpx.AsyncClient)."""

    _asynchronous = True

    def _is_closed(self) -> bool:
        return self._closed or bool(self._client.is_closed)

    async def _send(self, send: Send) -> WireResponse | TransportError:
        with in_flight(send) as departure, _capture_transport_errors() as captured:
            request = self._request(send)
            if self._direct is not None:
                response = await self._direct.handle_async_request(request)
            else:
                response = await self._client.send(request, stream=True)
            try:
                reader = self._reader(response)
                async for chunk in response.aiter_raw():
                    if not reader.feed(chunk):
                        break
            finally:
                await response.aclose()
            return answer(response.status_code, _lower(response.headers), reader, departure)
        assert captured.error is not None
        return captured.error

    async def aclose(self) -> None:
        self._closed = True
        if self._owns_client:
            await self._client.aclose()


__all__ = ["AsyncRunner", "SyncRunner", "WireRequest", "client_options"]
