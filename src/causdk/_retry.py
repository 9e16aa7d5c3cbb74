"""The retry policy, as pure tenacity strategies: what to retry, how long to wait, when to stop.

The flow in :mod:`causdk._flow` drives tenacity's decision engine (``Retrying.iter``) itself and
turns its sleeps into effects, so the same policy serves the sync and the async client.
"""

from __future__ import annotations

import random
from email.utils import parsedate_to_datetime

import tenacity
from tenacity import RetryCallState

from causdk.clock import Clock
from causdk.errors import APIError, TransportError
from causdk.settings import RetrySettings


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
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if now_epoch is None:
            return None
        seconds = when.timestamp() - now_epoch
    return max(seconds, 0.0)


class _WaitJitterOrRetryAfter(tenacity.wait.wait_base):
    """Full jitter (AWS style), unless the provider said how long to wait."""

    def __init__(self, settings: RetrySettings, rng: random.Random) -> None:
        self._settings = settings
        self._rng = rng

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, (int, float)) and retry_after > 0:
            return float(min(retry_after, self._settings.max_retry_after))
        ceiling = self._settings.initial_backoff * 2 ** (retry_state.attempt_number - 1)
        return self._rng.uniform(0, min(ceiling, self._settings.max_backoff))


class _StopAtDeadline(tenacity.stop.stop_base):
    """Stop when the next wait would end past the call's deadline (on the injected clock)."""

    def __init__(self, clock: Clock, deadline_at: float) -> None:
        self._clock = clock
        self._deadline_at = deadline_at

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self._clock.monotonic() + retry_state.upcoming_sleep >= self._deadline_at


def build_retrying(
    settings: RetrySettings,
    *,
    clock: Clock,
    deadline_at: float,
    rng: random.Random | None = None,
) -> tenacity.Retrying:
    """A tenacity decision engine for one logical call. It never sleeps itself."""
    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(settings.max_attempts)
        | _StopAtDeadline(clock, deadline_at),
        wait=_WaitJitterOrRetryAfter(settings, rng or random.Random()),  # noqa: S311 - jitter, not crypto
        retry=tenacity.retry_if_exception(is_retryable),
        reraise=True,
        sleep=_never_sleep,
    )


def _never_sleep(seconds: float) -> None:  # pragma: no cover - the flow sleeps, not tenacity
    raise AssertionError("tenacity must not sleep in causdk; the flow yields Sleep effects")
