"""What the pure core builds and reads: plain HTTP requests and responses, no httpx in sight.

Only :mod:`causdk._transport` turns these into httpx objects, so that the HTTP library can change
in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import quote

from causdk._redact import redact_headers, redact_url


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as both providers sign it: only ``A-Za-z0-9-_.~`` stay as they are."""
    return quote(value, safe="~")


def canonical_query(params: Mapping[str, str]) -> str:
    """``k=v`` pairs sorted by name, both sides percent-encoded, joined by ``&``."""
    return "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))


class WireRequest(NamedTuple):
    """An HTTP request ready to send, signed where the provider wants it signed."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def __repr__(self) -> str:
        return (
            f"WireRequest({self.method} {redact_url(self.url)}, "
            f"headers={redact_headers(self.headers)}, body={len(self.body)} bytes)"
        )


class WireResponse:
    """An HTTP response as received; header names are lower case."""

    __slots__ = ("_json", "body", "departed_after", "headers", "problem", "status_code")

    def __init__(
        self,
        status_code: int,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        *,
        problem: str | None = None,
        departed_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.body = body
        self.problem = problem
        """Why the body could not be read whole (over the size cap, corrupt), if it could not."""
        self.departed_after = departed_after
        """Seconds from the send until the request's first byte left (None: not measured)."""
        self._json: Any = _UNPARSED

    def json_object(self) -> dict[str, Any] | None:
        """The body as a JSON object (parsed once), or None when it is empty, not JSON, or not
        an object."""
        if self._json is _UNPARSED:
            try:
                data = json.loads(self.body) if self.body else None
            except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested 100k deep
                data = None
            self._json = data if isinstance(data, dict) else None
        return self._json  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"WireResponse({self.status_code}, body={len(self.body)} bytes)"


_UNPARSED = object()


def join_url(endpoint: str, path: str, query: str = "") -> str:
    """``endpoint`` (scheme and host, maybe a base path) + ``path`` + ``?query``."""
    url = endpoint.rstrip("/") + path
    return f"{url}?{query}" if query else url
