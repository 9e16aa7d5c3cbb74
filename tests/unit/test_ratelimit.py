from __future__ import annotations

import asyncio
import itertools
import threading

from causdk.ratelimit import GcraLimiter, shared_limiter
from tests.conftest import FakeClock

RATE = 10  # the configured rate: the tests check against it, never the limiter's own interval


def _wait(limiter: GcraLimiter) -> float:
    reservation = limiter.reserve()
    assert reservation is not None
    return reservation.wait


def _admit(limiter: GcraLimiter, clock: FakeClock, n: int) -> list[float]:
    """Reserve n slots back to back, each caller sleeping until its slot: send times."""
    sends = []
    for _ in range(n):
        wait = _wait(limiter)
        sends.append(clock.monotonic() + wait)
    return sends


def test_gcra_holds_every_one_second_window_to_the_rate(clock: FakeClock) -> None:
    limiter = GcraLimiter(RATE, clock=clock)
    sends = _admit(limiter, clock, 200)
    for i, start in enumerate(sends):
        in_window = [t for t in sends[i:] if t < start + 1.0]
        assert len(in_window) <= 10
    achieved = (len(sends) - 1) / (sends[-1] - sends[0])
    assert 9.7 <= achieved <= 10.0


def test_no_burst_after_idle(clock: FakeClock) -> None:
    limiter = GcraLimiter(RATE, clock=clock)
    clock.sleep(60)  # a long idle time earns no burst
    sends = _admit(limiter, clock, 11)
    assert sends[10] - sends[0] >= 1.0


def test_first_request_does_not_wait(clock: FakeClock) -> None:
    assert _wait(GcraLimiter(RATE, clock=clock)) == 0


def test_shared_limiter_is_one_object_per_account_and_takes_the_lowest_rate() -> None:
    a = shared_limiter("alibaba", "acct-shared-1", 10)
    b = shared_limiter("alibaba", "acct-shared-1", 5)
    c = shared_limiter("alibaba", "acct-shared-2", 10)
    assert a is b and a is not c
    assert a.rate == 5


def test_threads_share_one_budget_without_overlap(clock: FakeClock) -> None:
    limiter = GcraLimiter(RATE, clock=clock)
    slots: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(20):
            wait = _wait(limiter)
            with lock:
                slots.append(clock.monotonic() + wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slots.sort()
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert len(slots) == 160
    assert min(gaps) >= 1 / RATE - 1e-9


async def test_async_tasks_get_distinct_slots_in_arrival_order(clock: FakeClock) -> None:
    limiter = GcraLimiter(RATE, clock=clock)
    slots: dict[int, float] = {}

    async def task(i: int) -> None:
        wait = _wait(limiter)
        slots[i] = clock.monotonic() + wait
        await clock.sleep_async(wait)

    await asyncio.gather(*(task(i) for i in range(15)))
    ordered = [slots[i] for i in range(15)]
    assert ordered == sorted(ordered)
    gaps = [b - a for a, b in itertools.pairwise(ordered)]
    assert min(gaps) >= 1 / RATE - 1e-9


def test_a_slot_past_max_wait_is_not_taken(clock: FakeClock) -> None:
    limiter = GcraLimiter(RATE, clock=clock)
    for _ in range(10):
        limiter.reserve()
    assert limiter.reserve(max_wait=0.5) is None  # the next slot is ~1 s away
    assert _wait(limiter) < 1.1  # and refusing it took nothing from the schedule


def test_released_slots_delay_nobody(clock: FakeClock) -> None:
    limiter = GcraLimiter(RATE, clock=clock)
    taken = [limiter.reserve() for _ in range(50)]  # 5 s of schedule
    for reservation in taken[1:]:  # cancelled, in any order
        assert reservation is not None
        limiter.release(reservation)
    assert _wait(limiter) < 2 / RATE  # right after the one slot still in use, not 5 s away


def test_a_released_slot_inside_the_schedule_goes_to_the_next_caller(clock: FakeClock) -> None:
    limiter = GcraLimiter(RATE, clock=clock)
    taken = [limiter.reserve() for _ in range(5)]
    assert taken[2] is not None
    limiter.release(taken[2])
    again = limiter.reserve()
    assert again is not None and again.at == taken[2].at


def test_a_late_departure_moves_later_slots(clock: FakeClock) -> None:
    """Eight callers take slots at once; the first request leaves 80 ms late (a new connection).
    The eleventh slot must still be a second after that request really left."""
    limiter = GcraLimiter(RATE, clock=clock)
    first, *_rest = [limiter.reserve() for _ in range(8)]
    assert first is not None
    limiter.departed(first, first.at + 0.08)
    sends = [first.at + 0.08] + [r.at for r in _rest if r is not None]
    sends += [limiter.reserve().at for _ in range(3)]  # type: ignore[union-attr]
    assert sends[10] - sends[0] >= 1.0


def test_small_send_jitter_does_not_slow_the_pace(clock: FakeClock) -> None:
    limiter = GcraLimiter(RATE, clock=clock)
    sends = []
    for _ in range(100):
        reservation = limiter.reserve()
        assert reservation is not None
        limiter.departed(reservation, reservation.at + 0.002)  # 2 ms late: within the margin
        sends.append(reservation.at)
        clock.sleep(reservation.wait)
    assert (len(sends) - 1) / (sends[-1] - sends[0]) >= 9.7
