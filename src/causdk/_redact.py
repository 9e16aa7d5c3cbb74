"""The one place that knows what a secret looks like.

Secrets are kept out of output two ways: by name (headers and query parameters that carry
credentials or signatures) and by value (every secret a credential object holds is registered
here, and :func:`scrub` replaces it wherever it would be printed, e.g. when a provider echoes a
string-to-sign with a security token in an error message).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping

REDACTED = "[redacted]"

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-auth-token",
        "x-subject-token",
        "x-security-token",
        "x-acs-security-token",
        "x-acs-bearer-token",
        "cookie",
        "set-cookie",
    }
)
SECRET_QUERY = frozenset(
    {"signature", "securitytoken", "accesskeysecret", "bearertoken", "oidctoken"}
)

_HEADER_NAMES = "|".join(re.escape(name) for name in sorted(SECRET_HEADERS))
# A secret header as HTTP libraries log it: httpcore's ``(b'x-subject-token', b'MII...')``, a
# dict's ``'Authorization': '...'``, or a raw ``X-Auth-Token: ...`` line.
_SECRET_HEADER = re.compile(
    rf"(?im)(b?['\"](?:{_HEADER_NAMES})['\"]\s*[,:]\s*b?['\"])([^'\"]*)"
    rf"|(^\s*(?:{_HEADER_NAMES}):[ \t]*)(\S.*)$"
)
_SECRET_PAIR = re.compile(r"(?i)\b(" + "|".join(sorted(SECRET_QUERY)) + r")=([^&\s\"',]+)")
# Shorter secrets are replaced only where they stand alone (not inside a longer word), so that
# a 3-character password does not blank every word that contains those letters.
_SHORT = 8
_lock = threading.Lock()
_secrets: set[str] = set()
# Credentials that rotate register new secrets for as long as a process runs: the newest
# MAX_TEMPORARY are kept (oldest first), the older ones long expired and out of any message.
MAX_TEMPORARY = 256
_temporary: dict[str, None] = {}
# Longest first, so that a secret containing another is replaced whole.
_ordered: tuple[str, ...] = ()
_short_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None, *, temporary: bool = False) -> None:
    """Remember a secret value so that :func:`scrub` removes it from any text; a ``temporary``
    one (a rotating credential's) is forgotten once MAX_TEMPORARY newer ones came."""
    global _ordered, _short_pattern
    if not value:
        return
    with _lock:
        if value in _secrets or value in _temporary:
            return
        if temporary:
            _temporary[value] = None
            while len(_temporary) > MAX_TEMPORARY:
                del _temporary[next(iter(_temporary))]
        else:
            _secrets.add(value)
        known = _secrets.union(_temporary)
        _ordered = tuple(sorted((s for s in known if len(s) >= _SHORT), key=len, reverse=True))
        short = sorted((s for s in known if len(s) < _SHORT), key=len, reverse=True)
        _short_pattern = None
        if short:
            alternatives = "|".join(re.escape(s) for s in short)
            _short_pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")


def scrub(text: str) -> str:
    """Return *text* with every registered secret value, and the value of every secret query
    parameter (``Signature=...``, ``SecurityToken=...``), replaced."""
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if _short_pattern is not None:
        text = _short_pattern.sub(REDACTED, text)
    if "=" in text:
        text = _SECRET_PAIR.sub(rf"\1={REDACTED}", text)
    if "oken" in text or "uthorization" in text or "ookie" in text:
        text = _SECRET_HEADER.sub(_keep_name, text)
    return text


def _keep_name(match: re.Match[str]) -> str:
    return f"{match.group(1) or match.group(3)}{REDACTED}"


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)`` fit for an error message: cut to ``limit`` characters and scrubbed, so
    that a 10 MB bad argument is not echoed whole."""
    text = repr(value)
    if len(text) > limit:
        text = f"{text[: limit - 20]}...[{len(text)} characters]"
    return scrub(text)


def redact_headers(headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> dict[str, str]:
    """A copy of *headers* fit to print."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {k: (REDACTED if k.lower() in SECRET_HEADERS else scrub(v)) for k, v in items}


def redact_url(url: str) -> str:
    """*url* with secret query parameters' values hidden."""
    base, sep, query = url.partition("?")
    if not sep:
        return scrub(url)
    parts = []
    for pair in query.split("&"):
        name, eq, _value = pair.partition("=")
        parts.append(f"{name}={REDACTED}" if eq and name.lower() in SECRET_QUERY else pair)
    return scrub(f"{base}?{'&'.join(parts)}")


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs registered secrets from every record it sees.

    causdk attaches it to its own logger and to httpx's (which logs full URLs at INFO); attach
    it to a handler to cover other loggers too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
