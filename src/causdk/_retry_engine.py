"""The retry policy, on tenacity's public API: its ``Retrying`` iterator with stop, wait and
retry strategies.

tenacity decides; it never sleeps. Its ``sleep`` hook only notes the wait, and the flow in
:mod:`causdk._flow` yields that wait as a :class:`Sleep` effect at the top of the next attempt,
so one policy serves the sync and the async client. This module (and tenacity) loads only once
a call has failed in a way worth retrying.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import tenacity
from tenacity import RetryCallState

from causdk._log import logger
from causdk._retry import is_retryable
from causdk.clock import Clock
from causdk.settings import RetrySettings

_jitter = random.Random()  # noqa: S311 - jitter, not crypto


class _JitterOrRetryAfter:
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


class _PastDeadline(tenacity.stop.stop_base):
    """tenacity's stop strategy for the operation's deadline (on the injected clock)."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self._policy.past_deadline(retry_state)


class RetryPolicy:
    """The retry decisions of one logical call, on the operation's deadline."""

    def __init__(
        self,
        settings: RetrySettings,
        clock: Clock,
        deadline_at: float,
        what: str,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self._clock = clock
        self._deadline_at = deadline_at
        self._what = what
        self._wait = 0.0
        self.out_of_time = False
        """True once a retry was stopped because its wait would end past the deadline."""
        self.retrying = tenacity.Retrying(
            stop=tenacity.stop_any(
                tenacity.stop_after_attempt(settings.max_attempts), _PastDeadline(self)
            ),
            wait=_JitterOrRetryAfter(settings, rng or _jitter),
            retry=tenacity.retry_if_exception(is_retryable),
            before_sleep=self._log,
            sleep=self._note_wait,
            reraise=True,
        )

    def attempts(self) -> Iterator[tenacity.AttemptManager]:
        """tenacity's attempt iterator: ``for attempt in ...: with attempt: ...``."""
        return iter(self.retrying)

    def take_wait(self) -> float:
        """The wait tenacity chose before this attempt (0 before the first)."""
        wait, self._wait = self._wait, 0.0
        return wait

    def _note_wait(self, seconds: float) -> None:
        self._wait = seconds

    def past_deadline(self, retry_state: RetryCallState) -> bool:
        """True (and ``out_of_time`` set) when the next wait would end past the deadline."""
        late = self._clock.monotonic() + retry_state.upcoming_sleep >= self._deadline_at
        self.out_of_time = self.out_of_time or late
        return late

    def _log(self, retry_state: RetryCallState) -> None:
        from causdk._flow import describe

        failure = retry_state.outcome.exception() if retry_state.outcome else None
        logger.warning(
            "%s attempt %d failed (%s); retrying in %.2fs",
            self._what, retry_state.attempt_number, describe(failure), retry_state.upcoming_sleep,
        )  # fmt: skip
