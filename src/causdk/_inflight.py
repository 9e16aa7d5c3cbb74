"""What every runner knows about the request under way, whatever its HTTP library: when it
must end, when its first byte really left (for the rate limiter), and how a failure is told to
the core (:func:`transport_error`).

The runner sets both around each request (per thread and per asyncio task, as context
variables); the network layer notes the departure at its first write.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from causdk._body import BodyReader
from causdk._flow import Send
from causdk._wire import WireResponse
from causdk.errors import TransportError

DEADLINE: ContextVar[float] = ContextVar("causdk_deadline", default=math.inf)
"""When the request under way must be done, on ``time.monotonic()``."""


class Departure:
    """When the request under way wrote its first byte, on ``time.monotonic()``."""

    __slots__ = ("at", "started")

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.at: float | None = None

    def note(self) -> None:
        if self.at is None:
            self.at = time.monotonic()


DEPARTURE: ContextVar[Departure | None] = ContextVar("causdk_departure", default=None)


def note_departure() -> None:
    """Called by the network layer before each write."""
    departure = DEPARTURE.get()
    if departure is not None:
        departure.note()


@contextmanager
def in_flight(send: Send) -> Iterator[Departure]:
    """The request's deadline and departure note, for the network layer."""
    departure = Departure()
    deadline = DEADLINE.set(departure.started + send.timeout)
    noted = DEPARTURE.set(departure)
    try:
        yield departure
    finally:
        DEPARTURE.reset(noted)
        DEADLINE.reset(deadline)


def answer(
    status: int, headers: Mapping[str, str], reader: BodyReader, departure: Departure
) -> WireResponse:
    """The WireResponse of a request whose body ``reader`` read (or gave up on)."""
    body = reader.finish()
    return WireResponse(
        status,
        dict(headers),
        body,
        problem=reader.problem,
        departed_after=None if departure.at is None else departure.at - departure.started,
    )


def transport_error(exc: BaseException, *, never_connected: bool) -> TransportError:
    """causdk's TransportError for any HTTP library's failure. It may have been sent unless the
    library says no connection (or proxy tunnel) was ever made: a runner knows its library's
    exceptions, the core knows only this verdict. (Whether a byte left is no proof either way
    under a mocked or caller-given transport, so it is not asked.)"""
    error = TransportError(
        str(exc) or type(exc).__name__,
        kind=type(exc).__name__,
        may_have_been_sent=not never_connected,
    )
    error.__cause__ = exc
    return error
