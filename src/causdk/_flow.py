"""The pure core's control flow: generators that *say* what I/O to do, never do it.

A flow yields effects, :class:`Send` (an HTTP request) and :class:`Sleep`, and is resumed with
the response (or has the transport error thrown into it). :mod:`causdk._transport` drives a flow
with blocking I/O or with asyncio; everything else (signing anew per attempt, the rate limit per
attempt, retries, reading a CA back) is written once, here and in the provider adapters.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Generator
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar

from causdk._log import logger
from causdk._retry import is_retryable
from causdk._wire import WireRequest, WireResponse
from causdk.clock import Clock
from causdk.errors import APIError, CausdkError, ServerError, TransportError
from causdk.ratelimit import RateLimiter
from causdk.settings import RetrySettings

T = TypeVar("T")


class Send:
    """Send this request; resume with the WireResponse."""

    __slots__ = ("request",)

    def __init__(self, request: WireRequest) -> None:
        self.request = request

    def __repr__(self) -> str:
        return f"Send({self.request!r})"


class Sleep:
    """Wait this many seconds (a backoff, or a rate-limit slot)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __repr__(self) -> str:
        return f"Sleep({self.seconds:.3f})"


Effect = Send | Sleep
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
        """An attempt failed in a way that may have let the change happen (a read timeout, a
        dropped connection, a 5xx), so a later "wrong state" answer may be this call's doing."""


class Runtime(NamedTuple):
    """The per-client context a flow runs in."""

    provider: str
    clock: Clock
    retry: RetrySettings
    deadline: float
    limiter: RateLimiter | None = None


def call(rt: Runtime, exchange: Exchange[T], trace: Trace | None = None) -> Flow[T]:
    """Run one API call with the rate limit and the retry policy; return what ``parse`` returns."""
    trace = trace if trace is not None else Trace()
    deadline_at = rt.clock.monotonic() + rt.deadline
    try:
        return (yield from _attempt(rt, exchange, trace))
    except CausdkError as first:
        if not is_retryable(first):
            raise
        failure = sys.exc_info()
    # Only a failure worth retrying loads the retry engine (and tenacity).
    from tenacity import DoAttempt, DoSleep

    from causdk._retry_engine import resume_after_failure

    retrying, state = resume_after_failure(
        rt.retry,
        clock=rt.clock,
        deadline_at=deadline_at,
        failure=failure,  # type: ignore[arg-type]
    )
    while True:
        decision = retrying.iter(state)  # raises the last error once retries are over
        if isinstance(decision, DoAttempt):
            try:
                result = yield from _attempt(rt, exchange, trace)
            except CausdkError:
                state.set_exception(sys.exc_info())  # type: ignore[arg-type]
            else:
                state.set_result(result)
        elif isinstance(decision, DoSleep):
            last = state.outcome.exception() if state.outcome else None
            logger.warning(
                "%s %s attempt %d failed (%s); retrying in %.2fs",
                rt.provider, exchange.action, state.attempt_number, _describe(last), decision,
            )  # fmt: skip
            state.prepare_for_next_attempt()
            yield Sleep(float(decision))
        else:
            return decision  # type: ignore[no-any-return]


def _attempt(rt: Runtime, exchange: Exchange[T], trace: Trace) -> Flow[T]:
    if rt.limiter is not None:
        wait = rt.limiter.reserve()
        if wait > 0:
            yield Sleep(wait)
    trace.attempts += 1
    request = exchange.build(Attempt(number=trace.attempts, now=rt.clock.now()))
    started = rt.clock.monotonic()
    try:
        response: WireResponse = yield Send(request)
    except TransportError as exc:
        trace.ambiguous = trace.ambiguous or exc.may_have_been_sent
        raise exc.in_context(rt.provider, exchange.action) from exc.__cause__
    if logger.isEnabledFor(logging.DEBUG):
        latency_ms = (rt.clock.monotonic() - started) * 1000
        logger.debug(
            "%s %s attempt=%d status=%d latency_ms=%.1f request_id=%s",
            rt.provider, exchange.action, trace.attempts, response.status_code, latency_ms,
            exchange.request_id(response),
        )  # fmt: skip
    try:
        return exchange.parse(response)
    except ServerError:
        trace.ambiguous = True
        raise


def _describe(error: BaseException | None) -> str:
    if isinstance(error, APIError):
        return f"HTTP {error.status_code} {error.code or ''}".strip()
    if isinstance(error, TransportError):
        return error.kind
    return type(error).__name__


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

    def resume(self, outcome: WireResponse | TransportError | None) -> None:
        """Resume the flow with an effect's outcome; an error is raised inside the flow."""
        try:
            if isinstance(outcome, TransportError):
                self.effect = self._flow.throw(outcome)
            else:
                self.effect = self._flow.send(outcome)
        except StopIteration as stop:
            self.effect = None
            self.result = stop.value
