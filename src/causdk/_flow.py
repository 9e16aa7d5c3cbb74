"""The pure core's control flow: generators that *say* what I/O to do, never do it.

A flow yields effects, :class:`Send` (an HTTP request), :class:`Sleep` and :class:`Reserve` (a
rate-limit slot, which may live in Redis), and is resumed with the outcome (or has the transport
error thrown into it). :mod:`causdk._transport` drives a flow
with blocking I/O or with asyncio; everything else (signing anew per attempt, the rate limit per
attempt, retries, the deadline, reading a CA back) is written once, here and in the adapters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from causdk._log import logger
from causdk._parse import unexpected
from causdk._retry import is_retryable
from causdk._wire import WireRequest, WireResponse
from causdk.clock import Clock
from causdk.errors import (
    APIError,
    CausdkError,
    DeadlineExceededError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from causdk.ratelimit import RateLimiter, Reservation
from causdk.settings import RetrySettings

if TYPE_CHECKING:
    from causdk.journal import Journal

T = TypeVar("T")


class Send:
    """Send this request, giving up after ``timeout`` seconds; resume with the WireResponse."""

    __slots__ = ("request", "timeout")

    def __init__(self, request: WireRequest, timeout: float = float("inf")) -> None:
        self.request = request
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"Send({self.request!r}, timeout={self.timeout:.3f})"


class Sleep:
    """Wait this many seconds (a backoff, or a rate-limit slot)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __repr__(self) -> str:
        return f"Sleep({self.seconds:.3f})"


class Reserve:
    """Take a rate-limit slot no more than ``max_wait`` seconds away; resume with the
    Reservation, or None when there is none that soon."""

    __slots__ = ("limiter", "max_wait")

    def __init__(self, limiter: RateLimiter, max_wait: float) -> None:
        self.limiter = limiter
        self.max_wait = max_wait

    def __repr__(self) -> str:
        return f"Reserve({self.limiter!r}, max_wait={self.max_wait:.3f})"


class Record:
    """Write ``entry`` to a bulk job's journal, durably, before going on."""

    __slots__ = ("entry", "journal")

    def __init__(self, journal: Journal, entry: dict[str, Any]) -> None:
        self.journal = journal
        self.entry = entry

    def __repr__(self) -> str:
        return f"Record({self.entry.get('event')} {self.entry.get('ca_id')})"


Effect = Send | Sleep | Reserve | Record
Flow = Generator[Effect, Any, T]


class Attempt(NamedTuple):
    """What a request builder needs to know about the attempt it signs."""

    number: int
    now: datetime


class Exchange(Generic[T]):
    """One API call: how to build (and sign) each attempt, and how to read the answer."""

    __slots__ = ("action", "build", "parse", "request_id")

    def __init__(
        self,
        action: str,
        build: Callable[[Attempt], WireRequest],
        parse: Callable[[WireResponse], T],
        request_id: Callable[[WireResponse], str | None],
    ) -> None:
        self.action = action
        self.build = build
        self.parse = parse
        self.request_id = request_id


class Trace:
    """What happened across the attempts of one call."""

    __slots__ = ("ambiguous", "attempts")

    def __init__(self) -> None:
        self.attempts = 0
        self.ambiguous = False
        """Some attempt failed in a way that may have let the change happen (a read timeout, a
        dropped connection, a 5xx, an answer that is not the documented one). Once set, it
        stays set: a later attempt's clear refusal does not undo an earlier attempt's effect."""


class Runtime(NamedTuple):
    """The per-client context a flow runs in, and the deadline of the operation under way."""

    provider: str
    clock: Clock
    retry: RetrySettings
    deadline: float
    limiter: RateLimiter | None = None
    deadline_at: float | None = None
    """When the logical operation must end (on ``clock``); set once, when it starts, and carried
    into every call it makes: retries, reads back, token fetches."""


def with_budget(rt: Runtime) -> Runtime:
    """``rt`` with the operation's deadline fixed from now, unless an outer operation set it."""
    if rt.deadline_at is not None:
        return rt
    return rt._replace(deadline_at=rt.clock.monotonic() + rt.deadline)


def remaining(rt: Runtime) -> float:
    """Seconds left before the operation's deadline."""
    assert rt.deadline_at is not None, "with_budget() starts every operation"
    return rt.deadline_at - rt.clock.monotonic()


def deadline_error(
    rt: Runtime, action: str, trace: Trace, what: str, last: CausdkError | None = None
) -> DeadlineExceededError:
    """The operation ran out of time; says whether any request may have taken effect."""
    return DeadlineExceededError(
        f"{rt.provider} {action}: {what}",
        deadline=rt.deadline,
        attempts=trace.attempts,
        may_have_been_sent=trace.ambiguous,
        last_error=last,
    )


def call(rt: Runtime, exchange: Exchange[T], trace: Trace | None = None) -> Flow[T]:
    """Run one API call within the rate limit, the retry policy and the operation's deadline;
    return what ``parse`` returns."""
    trace = trace if trace is not None else Trace()
    rt = with_budget(rt)
    try:
        return (yield from _attempt(rt, exchange, trace))
    except CausdkError as exc:
        if not is_retryable(exc):
            raise
        first: CausdkError | None = exc
    # Only a failure worth retrying loads the retry engine (and tenacity).
    from causdk._retry_engine import RetryPolicy

    assert rt.deadline_at is not None
    policy = RetryPolicy(rt.retry, rt.clock, rt.deadline_at, f"{rt.provider} {exchange.action}")
    try:
        for attempt in policy.attempts():
            with attempt:
                if first is not None:  # tenacity judges the failure already seen
                    failure, first = first, None
                    raise failure
                yield Sleep(policy.take_wait())
                result = yield from _attempt(rt, exchange, trace)
    except CausdkError as last:
        if policy.out_of_time or remaining(rt) <= 0:
            raise deadline_error(rt, exchange.action, trace, "retries stopped", last) from last
        raise
    return result


def _attempt(rt: Runtime, exchange: Exchange[T], trace: Trace) -> Flow[T]:
    slot: Reservation | None = None
    if rt.limiter is not None:
        slot = yield Reserve(rt.limiter, remaining(rt))
        if slot is None:
            raise deadline_error(rt, exchange.action, trace, "the rate limit's next slot is later")
        if slot.wait > 0:
            try:
                yield Sleep(slot.wait)
            except BaseException:  # cancelled while waiting: the slot must delay nobody
                rt.limiter.release(slot)
                raise
    time_left = remaining(rt)
    if time_left <= 0:
        raise deadline_error(rt, exchange.action, trace, "no time left for another attempt")
    trace.attempts += 1
    request = exchange.build(Attempt(number=trace.attempts, now=rt.clock.now()))
    started = rt.clock.monotonic()
    try:
        response: WireResponse = yield Send(request, timeout=time_left)
    except TransportError as exc:
        trace.ambiguous = trace.ambiguous or exc.may_have_been_sent
        raise exc.in_context(rt.provider, exchange.action) from exc.__cause__
    if slot is not None and response.departed_after is not None:
        rt.limiter.departed(slot, started + response.departed_after)  # type: ignore[union-attr]
    if logger.isEnabledFor(logging.DEBUG):
        latency_ms = (rt.clock.monotonic() - started) * 1000
        logger.debug(
            "%s %s attempt=%d status=%d latency_ms=%.1f request_id=%s",
            rt.provider, exchange.action, trace.attempts, response.status_code, latency_ms,
            exchange.request_id(response),
        )  # fmt: skip
    try:
        if response.problem is not None:  # the transport could not read the answer whole
            rid = exchange.request_id(response)
            raise unexpected(rt.provider, exchange.action, response, rid, response.problem)
        return exchange.parse(response)
    except (ServerError, UnexpectedResponseError):
        trace.ambiguous = True  # the provider may have acted before answering this
        raise


def describe(error: BaseException | None) -> str:
    """A short name for a failure, for the retry log."""
    if isinstance(error, APIError):
        return f"HTTP {error.status_code} {error.code or ''}".strip()
    if isinstance(error, TransportError):
        return error.kind
    return type(error).__name__


class Stopped(Exception):
    """A runner was told to stop (a bulk job interrupted) before the flow's next request.
    ``sent`` says whether an earlier request of the flow was already sent."""

    def __init__(self, *, sent: bool = True) -> None:
        self.sent = sent
        super().__init__("stopped before sending" if not sent else "stopped after sending")


class Driver(Generic[T]):
    """Steps a flow: ``effect`` is what it asks for next, None once ``result`` is ready.

    Both runners feed it the same way, ``driver.resume(outcome_of(driver.effect))``, so the
    stepping logic (send a value, throw an error in, catch the return) exists once.
    """

    __slots__ = ("_flow", "effect", "result")

    def __init__(self, flow: Flow[T]) -> None:
        self._flow = flow
        self.effect: Effect | None = None
        self.result: T
        self.resume(None)

    def resume(self, outcome: WireResponse | Reservation | TransportError | None) -> None:
        """Resume the flow with an effect's outcome; an error is raised inside the flow."""
        try:
            if isinstance(outcome, TransportError):
                self.effect = self._flow.throw(outcome)
            else:
                self.effect = self._flow.send(outcome)
        except StopIteration as stop:
            self.effect = None
            self.result = stop.value

    def abandon(self) -> None:
        """The runner was interrupted (cancelled, Ctrl-C): let the flow clean up (give back a
        rate-limit slot) where it stands."""
        self._flow.close()
