"""Provider-neutral helpers for reading answers: JSON bodies, epoch times, auth headers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TypeVar

from causdk._wire import WireResponse
from causdk.errors import UnexpectedResponseError

T = TypeVar("T")


def epoch_ms(value: Any) -> datetime | None:
    """A UTC datetime from milliseconds since the epoch; None for anything else."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    return None


def unexpected(
    provider: str, action: str, response: WireResponse, request_id: str | None, message: str
) -> UnexpectedResponseError:
    return UnexpectedResponseError(
        provider=provider,
        action=action,
        status_code=response.status_code,
        code=None,
        message=message,
        request_id=request_id,
    )


def read_json(
    provider: str,
    action: str,
    response: WireResponse,
    request_id: str | None,
    read: Callable[[dict[str, Any]], T],
) -> T:
    """``read`` applied to the JSON object body; anything missing or malformed becomes an
    UnexpectedResponseError carrying the request id, never a KeyError or a JSON error."""
    body = response.json_object()
    try:
        if body is None:
            raise ValueError("the body is not a JSON object")
        return read(body)
    except (KeyError, TypeError, ValueError) as exc:
        message = f"unexpected answer ({type(exc).__name__}: {exc})"
        raise unexpected(provider, action, response, request_id, message) from None


def parse_auth_header(
    value: str, algorithm: str, keys: tuple[str, str, str]
) -> tuple[str, list[str], str] | None:
    """(key id, signed header names, signature) from ``ALGORITHM k=v, k=v, k=v``.

    ``keys`` names the three fields, e.g. ``("Credential", "SignedHeaders", "Signature")``.
    """
    prefix = f"{algorithm} "
    if not value.startswith(prefix):
        return None
    fields = dict(
        part.strip().split("=", 1) for part in value[len(prefix) :].split(",") if "=" in part
    )
    try:
        return fields[keys[0]], fields[keys[1]].split(";"), fields[keys[2]]
    except KeyError:
        return None


def parse_expiry(value: Any) -> datetime:
    """A credential's expiry, ``2026-01-02T03:04:05Z`` (fractions of a second allowed), as UTC.

    A time without a zone is read as UTC (both clouds publish UTC), never as local time.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("no expiry time")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)
