"""The retry policy as tenacity strategies: how long to wait, when to stop.

The flow in :mod:`causdk._flow` drives tenacity's decision engine (``Retrying.iter``) itself and
turns its sleeps into effects, so the same policy serves the sync and the async client. This
module (and tenacity) loads only once a call has failed in a way worth retrying.
"""

from __future__ import annotations

import random
from types import TracebackType

import tenacity
from tenacity import RetryCallState

from causdk._retry import is_retryable
from causdk.clock import Clock
from causdk.settings import RetrySettings

_jitter = random.Random()  # noqa: S311 - jitter, not crypto


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
        wait=_WaitJitterOrRetryAfter(settings, rng or _jitter),
        retry=tenacity.retry_if_exception(is_retryable),
        reraise=True,
        sleep=_never_sleep,
    )


def _never_sleep(seconds: float) -> None:  # pragma: no cover - the flow sleeps, not tenacity
    raise AssertionError("tenacity must not sleep in causdk; the flow yields Sleep effects")


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def resume_after_failure(
    settings: RetrySettings, *, clock: Clock, deadline_at: float, failure: ExcInfo
) -> tuple[tenacity.Retrying, RetryCallState]:
    """The engine and its state, with the first attempt's failure already recorded."""
    retrying = build_retrying(settings, clock=clock, deadline_at=deadline_at)
    retrying.begin()
    state = RetryCallState(retrying, fn=None, args=(), kwargs={})
    state.set_exception(failure)
    return retrying, state
