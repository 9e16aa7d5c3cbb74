"""Client-side rate limiting that holds a per-second server limit exactly.

GCRA, reserve-then-sleep, with no burst: each caller takes the next free slot under a lock held
only for arithmetic, then sleeps until that slot outside the lock (``time.sleep`` in a thread,
``await`` in a task). Slots are ``1/rate`` seconds apart, so any one-second window holds at most
``rate`` requests, and callers are served in arrival order without polling. A token bucket with a
burst of 10 at 10/s would let 20 into one second.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import threading
from typing import NamedTuple, Protocol, runtime_checkable

from causdk.clock import Clock, SystemClock

__all__ = ["GcraLimiter", "RateLimiter", "Reservation", "shared_limiter"]

DEFAULT_MARGIN = 0.02
"""Slots are spaced 2% wider than ``1/rate``: send time is not arrival time."""
LATE_TOLERANCE = 0.005
"""A request leaving up to this late is jitter that the margin absorbs; later, the schedule
moves (a new connection's TCP and TLS set-up can take a round trip or three)."""


class Reservation(NamedTuple):
    """A slot taken: send at ``at`` (on the limiter's clock), that is after ``wait`` seconds.
    ``seq`` is its place in the limiter's sequence of slots."""

    at: float
    wait: float
    seq: int = 0


@runtime_checkable
class RateLimiter(Protocol):
    """Anything that hands out send slots. Neither method may block."""

    def reserve(self, max_wait: float = math.inf) -> Reservation | None:
        """Take the next slot, or take nothing and return None when it is more than
        ``max_wait`` seconds away (a call that would miss its deadline must not hold a slot)."""

    async def reserve_async(self, max_wait: float = math.inf) -> Reservation | None:
        """``reserve`` for asyncio code: it must not block the event loop."""

    def release(self, reservation: Reservation) -> None:
        """Give back a slot that will not be used (its call was cancelled), so that it delays
        nobody."""

    def departed(self, reservation: Reservation, at: float) -> None:
        """The request of ``reservation`` left at ``at``, maybe later than its slot (a new
        connection's set-up): later slots must keep their distance from when it really left."""


class GcraLimiter:
    """A thread-safe GCRA limiter with no burst, shared by threads and asyncio tasks alike."""

    def __init__(self, rate: float, *, margin: float = DEFAULT_MARGIN, clock: Clock | None = None):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._tat = float("-inf")  # the theoretical arrival time of the next free slot
        self._freed: list[tuple[float, int]] = []  # future slots given back, sorted: taken first
        self._issued = 0  # slots handed out so far: the next one's index
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

    def reserve(self, max_wait: float = math.inf) -> Reservation | None:
        now = self._clock.monotonic()
        with self._lock:
            # A given-back slot that has passed cannot be used late: it would crowd the next.
            del self._freed[: bisect.bisect_left(self._freed, (now, -1))]
            if self._freed:
                start, index = self._freed[0]
                if start - now > max_wait:
                    return None
                del self._freed[0]
                return Reservation(start, start - now, index)
            start = max(self._tat, now)
            if start - now > max_wait:
                return None
            self._tat = start + self._interval
            index, self._issued = self._issued, self._issued + 1
        return Reservation(start, start - now, index)

    async def reserve_async(self, max_wait: float = math.inf) -> Reservation | None:
        return self.reserve(max_wait)  # arithmetic under a lock: never blocks the loop

    def release(self, reservation: Reservation) -> None:
        with self._lock:
            if math.isclose(reservation.at + self._interval, self._tat, abs_tol=1e-9):
                self._tat = reservation.at  # the last slot: the schedule shrinks back
                while self._freed and math.isclose(
                    self._freed[-1][0] + self._interval, self._tat, abs_tol=1e-9
                ):
                    self._tat = self._freed.pop()[0]
            else:  # a slot inside the schedule: the next caller takes it
                bisect.insort(self._freed, (reservation.at, reservation.seq))

    def departed(self, reservation: Reservation, at: float) -> None:
        if at - reservation.at <= LATE_TOLERANCE:
            return
        with self._lock:
            # The k-th slot handed out after this one must stand k intervals after ``at``.
            later = self._issued - reservation.seq
            self._tat = max(self._tat, at + later * self._interval)

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
