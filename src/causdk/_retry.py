"""What is worth retrying, and what a provider said about when: no tenacity here, so that a call
that succeeds first time never loads the retry engine (:mod:`causdk._retry_engine`)."""

from __future__ import annotations

from causdk.errors import APIError, TransportError


def is_retryable(exc: BaseException) -> bool:
    """Transport errors and provider errors marked retryable (5xx, throttling...)."""
    if isinstance(exc, TransportError):
        return True
    return isinstance(exc, APIError) and exc.retryable


def parse_retry_after(value: str | None, *, now_epoch: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            from email.utils import parsedate_to_datetime  # rare: loaded when needed

            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if now_epoch is None:
            return None
        seconds = when.timestamp() - now_epoch
    return max(seconds, 0.0)
