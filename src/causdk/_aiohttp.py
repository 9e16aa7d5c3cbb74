"""The asyncio runner over aiohttp (the ``aiohttp`` extra): the only module that imports it.

It keeps every promise of the httpx runner: each request ends by the deadline its Send
carries (one timer over connecting, sending and reading the body, so a trickling server is cut
off), bodies are read raw through the same capped :class:`~causdk._body.BodyReader`, proxies
and TLS follow the same settings (:mod:`causdk._proxy`, :mod:`causdk._tls`), cookies are never
kept, redirects never followed, and aiohttp's loggers are redacted.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from causdk._body import BodyReader
from causdk._flow import Send
from causdk._inflight import Departure, answer, transport_error
from causdk._proxy import ProxyChoice
from causdk._redact import RedactingFilter
from causdk._runners import AsyncEffects
from causdk._tls import check_ca_bundle, ssl_context
from causdk._wire import WireResponse
from causdk.clock import Clock
from causdk.errors import ConfigurationError, TransportError
from causdk.settings import ClientSettings

for _name in ("aiohttp.client", "aiohttp.internal"):
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, RedactingFilter) for f in _logger.filters):
        _logger.addFilter(RedactingFilter())

# No connection (or proxy tunnel) was made: the request surely never reached the server.
_NEVER_CONNECTED: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,  # refused, DNS, TLS handshake, the proxy unreachable
    aiohttp.ClientHttpProxyError,  # the proxy refused the tunnel
)
_CONNECT_TIMEOUT = getattr(aiohttp, "ConnectionTimeoutError", None)
if _CONNECT_TIMEOUT is not None:  # aiohttp 3.10+: a connect timeout has its own type
    _NEVER_CONNECTED += (_CONNECT_TIMEOUT,)
_LIMIT = 256  # MAX_CONCURRENCY of revoke_many: a bulk job never queues for a connection


async def _on_headers_sent(
    _session: aiohttp.ClientSession, context: Any, _params: aiohttp.TraceRequestHeadersSentParams
) -> None:
    departure = context.trace_request_ctx
    if isinstance(departure, Departure):
        departure.note()


class AiohttpRunner(AsyncEffects):
    """Runs flows with asyncio on one aiohttp session, made at the first request."""

    name = "aiohttp"

    def __init__(self, settings: ClientSettings, clock: Clock) -> None:
        check_ca_bundle(settings)
        self._settings = settings
        self._clock = clock
        self._proxies = ProxyChoice(settings)
        self._context: ssl.SSLContext | None = None
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def _is_closed(self) -> bool:
        return self._closed

    def _ssl(self) -> ssl.SSLContext:
        if self._context is None:  # one trust store for every request and the proxy
            self._context = ssl_context(self._settings)
        return self._context

    def _open(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            trace = aiohttp.TraceConfig()
            trace.on_request_headers_sent.append(_on_headers_sent)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=_LIMIT, limit_per_host=_LIMIT),
                auto_decompress=False,  # raw bytes: the BodyReader decodes, within its cap
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,  # ProxyChoice reads the environment, as for httpx
                trace_configs=[trace],
                skip_auto_headers=("Accept-Encoding",),  # no br: the BodyReader cannot read it
            )
            self._loop = loop
        return self._session

    async def _send(self, send: Send) -> WireResponse | TransportError:
        wire, settings = send.request, self._settings
        left = send.timeout
        parts = urlsplit(wire.url)
        host = parts.hostname or ""
        proxy = self._proxies.for_url(parts.scheme, host, parts.netloc)
        tls = proxy is not None and proxy.startswith("https:")
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=min(settings.connect_timeout, left),
            sock_read=min(settings.read_timeout, left),
        )
        departure = Departure()

        async def exchange() -> WireResponse:
            async with self._open().request(
                wire.method,
                wire.url,
                headers=dict(wire.headers),
                data=wire.body or None,
                proxy=proxy,
                ssl=self._ssl() if parts.scheme == "https" or tls else False,
                timeout=timeout,
                allow_redirects=False,
                trace_request_ctx=departure,
            ) as response:
                headers = {k.lower(): v for k, v in response.headers.items()}
                reader = BodyReader(headers, settings.max_response_bytes)
                async for chunk in response.content.iter_any():
                    if not reader.feed(chunk):
                        response.close()  # drop the connection: the rest is never read
                        break
                return answer(response.status, headers, reader, departure)

        try:
            # One timer over the whole exchange, the body included.
            return await asyncio.wait_for(exchange(), left)
        except aiohttp.InvalidURL as exc:
            raise ConfigurationError(f"bad endpoint or proxy URL: {exc}") from exc
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            unsent = isinstance(exc, _NEVER_CONNECTED) or (
                isinstance(exc, asyncio.TimeoutError) and departure.at is None
            )
            return transport_error(exc, never_connected=unsent)
        except ValueError as exc:  # after ClientError: a TLS failure is a ValueError too
            raise ConfigurationError(f"bad endpoint or proxy URL: {exc}") from exc

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None and not self._session.closed:
            await self._session.close()
