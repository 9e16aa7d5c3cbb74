"""Credentials for any provider: where they come from, when they expire, how calls get them.

One mechanism serves every source and both clouds:

- an :class:`Authorizer` hands a flow the credentials (or signer) for its next call;
- a :class:`CredentialSource` fetches credentials that expire (an STS call, instance metadata,
  an IAM token), as a flow, so the same code runs under threads and under asyncio without
  blocking the event loop;
- :class:`RefreshingAuth` caches what a source fetched, refreshes it ahead of expiry, lets one
  caller fetch while the others wait (or keep using credentials still valid), and drops it when
  a provider says it was refused;
- :func:`authorized` runs one API call with them, and after an authentication refusal fetches
  afresh and calls once more.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from causdk._flow import (
    Exchange,
    Flow,
    Runtime,
    Sleep,
    Trace,
    call,
    deadline_error,
    remaining,
    with_budget,
)
from causdk._log import logger
from causdk.errors import AuthenticationError, CausdkError, ConfigurationError

C = TypeVar("C")
T = TypeVar("T")

__all__ = [
    "Authorizer",
    "CredentialSource",
    "Issued",
    "RefreshingAuth",
    "StaticAuth",
    "authorized",
    "fetch_runtime",
    "now_value",
]


def now_value(value: T) -> Flow[T]:
    """A flow that needs no I/O and returns ``value``."""
    return value
    yield  # pragma: no cover - makes this a generator


class Authorizer(ABC, Generic[C]):
    """Gives each call the credentials (or signer) ``C`` to sign it with."""

    source: str = "custom"
    """Where the credentials come from, e.g. ``env`` or ``ecs_ram_role``; never a secret."""

    @abstractmethod
    def signer(self, rt: Runtime) -> Flow[C]:
        """The credentials for the next call, fetching (through the flow) when needed."""

    def invalidate(self, value: C) -> bool:
        """The provider refused ``value``: drop it; True if fetching anew may help."""
        return False

    @property
    def account_key(self) -> str:
        """What a rate limit is counted by: an account, a role; never a temporary key id."""
        return self.source

    @property
    def expires_at(self) -> datetime | None:
        """When the credentials in use expire; None for ones that do not (or none yet)."""
        return None


class StaticAuth(Authorizer[C]):
    """Credentials that never change (given, or read from the environment or a file)."""

    def __init__(self, value: C, *, source: str, account_key: str) -> None:
        self.value = value
        self.source = source
        self._account_key = account_key

    def signer(self, rt: Runtime) -> Flow[C]:
        return now_value(self.value)

    @property
    def account_key(self) -> str:
        return self._account_key

    def __repr__(self) -> str:
        return f"StaticAuth(source={self.source!r})"


class Issued(Generic[C]):
    """What a source fetched, and when it expires (None: never)."""

    __slots__ = ("expires_at", "value")

    def __init__(self, value: C, expires_at: datetime | None) -> None:
        self.value = value
        self.expires_at = expires_at

    def __repr__(self) -> str:  # the value may hold secrets: never shown
        return f"Issued(expires_at={self.expires_at})"


class CredentialSource(ABC, Generic[C]):
    """Fetches credentials that expire. Pure: the fetch is a flow."""

    name: str = "custom"
    """Shown as the credential source, e.g. ``ecs_ram_role``."""

    @property
    def account_key(self) -> str:
        """Stable across rotations: the role or account the credentials act for."""
        return self.name

    @abstractmethod
    def fetch(self, rt: Runtime) -> Flow[Issued[C]]:
        """Fetch credentials; raise a CausdkError (never holding a secret) on failure."""


def fetch_runtime(rt: Runtime, budget: float | None = None) -> Runtime:
    """The runtime a credential fetch runs in: the caller's deadline (or less, ``budget``
    seconds), and no rate limit, which counts the provider's API calls, not STS or metadata."""
    rt = with_budget(rt)._replace(limiter=None)
    if budget is not None:
        assert rt.deadline_at is not None
        rt = rt._replace(deadline_at=min(rt.deadline_at, rt.clock.monotonic() + budget))
    return rt


class RefreshingAuth(Authorizer[C]):
    """Credentials from a :class:`CredentialSource`, cached until shortly before they expire.

    Refreshed ``refresh_margin`` ahead of expiry (at most a quarter of their lifetime ahead, so
    that credentials lasting seconds are still used). One caller fetches; the others keep using
    the current credentials while those are valid, or wait for the fetch. A refresh that fails
    while the current ones are valid is logged and tried again a moment later; once they expire,
    the failure is the caller's, as an AuthenticationError naming the source.
    """

    _WAIT_STEP = 0.02
    _STALE_FETCH = 30.0
    _RETRY_AFTER_FAILURE = 1.0

    def __init__(
        self,
        source: CredentialSource[C],
        *,
        refresh_margin: timedelta = timedelta(minutes=15),
        failure_error: Callable[[CausdkError], CausdkError] | None = None,
    ) -> None:
        self._source = source
        self.source = source.name
        self.refresh_margin = refresh_margin
        self._failure_error = failure_error
        self._lock = threading.Lock()
        self._issued: Issued[C] | None = None
        self._refresh_at: datetime | None = None
        self._fetch_started: float | None = None
        self._next_try = 0.0
        self.fetches = 0
        """How many fetches succeeded (a rotation count, for tests and ``whoami``)."""

    @property
    def account_key(self) -> str:
        return self._source.account_key

    @property
    def expires_at(self) -> datetime | None:
        issued = self._issued
        return issued.expires_at if issued is not None else None

    def _usable(self, now: datetime) -> Issued[C] | None:
        issued = self._issued
        if issued is None:
            return None
        if issued.expires_at is not None and now >= issued.expires_at:
            return None
        return issued

    def signer(self, rt: Runtime) -> Flow[C]:
        rt = with_budget(rt)
        while True:
            with self._lock:
                now, tick = rt.clock.now(), rt.clock.monotonic()
                current = self._usable(now)
                fresh = current is not None and (self._refresh_at is None or now < self._refresh_at)
                if fresh:
                    return current.value  # type: ignore[union-attr]
                started = self._fetch_started
                fetching = started is not None and tick - started <= self._STALE_FETCH
                if current is not None and (fetching or tick < self._next_try):
                    return current.value  # someone refreshes, or just failed to: use these
                if not fetching:
                    self._fetch_started = tick
                    break
            if remaining(rt) <= self._WAIT_STEP:
                raise deadline_error(
                    rt, "credentials", Trace(), f"waited for another call's {self.source} fetch"
                )
            yield Sleep(self._WAIT_STEP)  # another call is fetching: wait for its result
        try:
            issued: Issued[C] = yield from self._source.fetch(fetch_runtime(rt))
        except CausdkError as failure:
            with self._lock:
                self._fetch_started = None
                self._next_try = rt.clock.monotonic() + self._RETRY_AFTER_FAILURE
                current = self._usable(rt.clock.now())
            if current is not None:
                logger.warning(
                    "%s credentials (%s): refresh failed, still using the current ones: %s",
                    rt.provider, self.source, failure,
                )  # fmt: skip
                return current.value
            convert = self._failure_error or source_failure(rt.provider, self.source, "credentials")
            raise convert(failure) from failure
        except BaseException:
            with self._lock:
                self._fetch_started = None
            raise
        now = rt.clock.now()
        with self._lock:
            self._issued = issued
            self._refresh_at = self._refresh_time(issued, now)
            self._fetch_started = None
            self.fetches += 1
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s credentials (%s) fetched, expire at %s",
                         rt.provider, self.source, issued.expires_at)  # fmt: skip
        return issued.value

    def _refresh_time(self, issued: Issued[C], now: datetime) -> datetime | None:
        if issued.expires_at is None:
            return None
        lifetime = issued.expires_at - now
        return issued.expires_at - min(self.refresh_margin, max(lifetime, timedelta(0)) / 4)

    def invalidate(self, value: C) -> bool:
        with self._lock:
            if self._issued is not None and self._issued.value is value:
                self._issued = None
                self._next_try = 0.0
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}(source={self.source!r}, expires_at={self.expires_at})"


def authorized(
    rt: Runtime,
    auth: Authorizer[C],
    make: Callable[[C], Exchange[T]],
    trace: Trace | None = None,
) -> Flow[T]:
    """One call with ``auth``'s credentials; refused as unauthenticated (expired, rotated), it
    drops them, fetches anew and calls once more, if the authorizer says that may help."""
    value = yield from auth.signer(rt)
    try:
        return (yield from call(rt, make(value), trace))
    except AuthenticationError:
        if not auth.invalidate(value):
            raise
        logger.info("%s: credentials refused; fetching them anew (%s)", rt.provider, auth.source)
    value = yield from auth.signer(rt)
    return (yield from call(rt, make(value), trace))


def source_failure(provider: str, source: str, action: str) -> Callable[[CausdkError], CausdkError]:
    """Turns a failed fetch into an AuthenticationError naming the source (or keeps a
    deadline or configuration error, which already say what to do)."""
    from causdk.errors import DeadlineExceededError

    def convert(failure: CausdkError) -> CausdkError:
        if isinstance(failure, DeadlineExceededError | ConfigurationError | AuthenticationError):
            return failure
        return AuthenticationError(
            provider=provider,
            action=action,
            status_code=getattr(failure, "status_code", 0),
            code=getattr(failure, "code", None),
            message=f"could not get credentials from {source}: {failure}",
            request_id=getattr(failure, "request_id", None),
        )

    return convert


def bounded(
    rt: Runtime,
    seconds: float,
    flow: Callable[[Runtime], Flow[T]],
    what: str,
    *,
    attempts: int = 2,
) -> Flow[T]:
    """``flow`` within ``seconds`` of the caller's time and ``attempts`` tries per call (a local
    service that answers at once or is not there, such as instance metadata); running out of
    time is a TransportError (unreachable), not the operation's deadline, unless the operation's
    own time ran out too."""
    from causdk.errors import DeadlineExceededError, TransportError

    inner = fetch_runtime(rt, seconds)
    tries = min(attempts, inner.retry.max_attempts)
    inner = inner._replace(retry=inner.retry.model_copy(update={"max_attempts": tries}))
    try:
        return (yield from flow(inner))
    except DeadlineExceededError as late:
        if remaining(rt) <= 0:
            raise
        raise TransportError(
            f"{what} did not answer within {seconds:g} s", kind="timeout", may_have_been_sent=False
        ) from late


class FirstWorking(CredentialSource[C]):
    """The first of several sources whose fetch succeeds; then that one only (as the official
    default chains do with the sources they cannot test without a call)."""

    def __init__(self, sources: list[CredentialSource[C]]) -> None:
        self._sources = sources
        self._chosen: CredentialSource[C] | None = None

    @property
    def name(self) -> str:  # type: ignore[override]
        if self._chosen is not None:
            return self._chosen.name
        return " or ".join(s.name for s in self._sources)

    @property
    def account_key(self) -> str:
        return (self._chosen or self._sources[0]).account_key

    def fetch(self, rt: Runtime) -> Flow[Issued[C]]:
        if self._chosen is not None:
            return (yield from self._chosen.fetch(rt))
        failures = []
        for source in self._sources:
            try:
                issued = yield from source.fetch(rt)
            except CausdkError as failure:
                failures.append(f"{source.name}: {failure.message}")
                continue
            self._chosen = source
            return issued
        raise ConfigurationError("no source gave credentials: " + "; ".join(failures))
