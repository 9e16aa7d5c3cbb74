"""Time, injectable: the limiter, the retry loop and request signing all read it from here,
so that tests can run a second of traffic in no time at all."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """The four ways causdk uses time."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""

    def now(self) -> datetime:
        """The wall-clock time, UTC, for signatures and token expiry."""

    def sleep(self, seconds: float) -> None:
        """Block the calling thread."""

    async def sleep_async(self, seconds: float) -> None:
        """Suspend the calling task without blocking the event loop."""


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    async def sleep_async(self, seconds: float) -> None:
        import asyncio  # loaded by async callers only

        await asyncio.sleep(max(seconds, 0.0))
