"""Client-side rate limiting that holds a per-second server limit exactly.

GCRA, reserve-then-sleep, with no burst: each caller takes the next free slot under a lock held
only for arithmetic, then sleeps until that slot outside the lock (``time.sleep`` in a thread,
``await`` in a task). Slots are ``1/rate`` seconds apart, so any one-second window holds at most
``rate`` requests, and callers are served in arrival order without polling. A token bucket with a
burst of 10 at 10/s would let 20 into one second.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Protocol, runtime_checkable

from causdk.clock import Clock, SystemClock

__all__ = ["GcraLimiter", "RateLimiter", "shared_limiter"]

DEFAULT_MARGIN = 0.02
"""Slots are spaced 2% wider than ``1/rate``: send time is not arrival time."""


@runtime_checkable
class RateLimiter(Protocol):
    """Anything that hands out send slots. ``reserve`` must not block: it returns the wait."""

    def reserve(self) -> float:
        """Take the next slot; return how many seconds to wait before sending."""


class GcraLimiter:
    """A thread-safe GCRA limiter with no burst, shared by threads and asyncio tasks alike."""

    def __init__(self, rate: float, *, margin: float = DEFAULT_MARGIN, clock: Clock | None = None):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._tat = float("-inf")  # the theoretical arrival time of the next free slot
        self.rate = rate
        self.margin = margin
        self._interval = (1.0 / rate) * (1.0 + margin)

    @property
    def interval(self) -> float:
        """Seconds between two slots."""
        return self._interval

    def slow_down_to(self, rate: float) -> None:
        """Lower the rate (never raise it): the most careful client of an account wins."""
        with self._lock:
            if rate < self.rate:
                self.rate = rate
                self._interval = (1.0 / rate) * (1.0 + self.margin)

    def reserve(self) -> float:
        now = self._clock.monotonic()
        with self._lock:
            start = max(self._tat, now)
            self._tat = start + self._interval
        return start - now

    def __repr__(self) -> str:
        return f"GcraLimiter(rate={self.rate}, margin={self.margin})"


_registry: dict[tuple[str, str], GcraLimiter] = {}
_registry_lock = threading.Lock()


def shared_limiter(
    provider: str, account: str, rate: float, *, clock: Clock | None = None
) -> GcraLimiter:
    """The one limiter of (provider, account) in this process, made on first use.

    Every client of one account gets the same object, so they share one budget. The account
    key is hashed before it is stored, so that no key id lingers in the registry. ``clock`` is
    used by the limiter made on first use.
    """
    key = (provider, hashlib.sha256(account.encode()).hexdigest())
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = GcraLimiter(rate, clock=clock)
    limiter.slow_down_to(rate)
    return limiter
