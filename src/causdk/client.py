"""``CARevoker`` and ``AsyncCARevoker``: two thin shells around one core.

The core (:class:`_RevokerCore`) validates input and builds flows; the shells only hand those
flows to a runner (blocking or asyncio) and add what is truly different: threads versus tasks
in ``revoke_many``, and iterators versus async iterators in ``list``.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from typing_extensions import Unpack

from causdk._adapter import ProviderAdapter, RevokeRequest
from causdk._flow import Flow, Record, Runtime, Stopped, Trace, with_budget
from causdk._log import logger
from causdk._redact import shown
from causdk.clock import Clock, SystemClock
from causdk.errors import (
    AuthenticationError,
    CausdkError,
    ConfigurationError,
    DeadlineExceededError,
    PermissionDeniedError,
    RateLimitedError,
    UnexpectedResponseError,
    ValidationError,
)
from causdk.models import (
    Capabilities,
    CAStatus,
    CAStatusName,
    CertificateAuthority,
    CredentialInfo,
    Page,
    Provider,
    RevocationOutcome,
    RevocationReason,
    RevocationResult,
)
from causdk.ratelimit import RateLimiter, shared_limiter
from causdk.settings import ClientSettings

if TYPE_CHECKING:
    import httpx

    from causdk._runners import AsyncEffects, RunnerName
    from causdk._transport import SyncRunner
    from causdk.journal import Journal

__all__ = [
    "AsyncCARevoker",
    "CARevoker",
    "RevokeManyInterrupted",
    "RevokeManyOptions",
    "RevokeOptions",
    "ShellOptions",
    "open_shell",
]

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 256
INTERRUPT_GRACE = 5.0
"""Seconds ``revoke_many`` lets calls already sent settle after Ctrl-C."""

# After an ambiguous attempt, every other refusal is checked against a read of the CA: the
# providers publish no code for "already revoked", and their wording may change. These are not:
# a read would be refused the same way, or there is no time left for one.
_NO_READ_BACK = (
    AuthenticationError,
    PermissionDeniedError,
    RateLimitedError,
    DeadlineExceededError,
    ConfigurationError,
    ValidationError,
)


class RevokeOptions(TypedDict, total=False):
    """Keyword options of ``revoke``."""

    reason: RevocationReason | str | None
    client_token: str | None
    confirm: bool


class RevokeManyOptions(TypedDict, total=False):
    """Keyword options of ``revoke_many``."""

    reason: RevocationReason | str | None
    concurrency: int
    on_outcome: Callable[[RevocationOutcome], None]
    journal: str | os.PathLike[str]
    """A journal file: the job is recorded there, and a re-run with it resumes the job."""


class ShellOptions(TypedDict, total=False):
    """Keyword options every revoker class takes, whatever the provider."""

    settings: ClientSettings
    clock: Clock
    limiter: RateLimiter
    """A rate limiter of your own for this client (instead of the account's shared one)."""
    http_client: httpx.Client | httpx.AsyncClient
    """Your own client (sync for CARevoker, async for AsyncCARevoker); causdk leaves it open."""
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport
    runner: RunnerName
    """What async clients send with: ``aiohttp`` (the ``aiohttp`` extra), ``httpx``, or
    ``auto`` (the default, also ``CAUSDK_RUNNER``): aiohttp when installed. Sync: httpx."""


class _RevokerCore:
    """Everything both shells share; no I/O."""

    def __init__(
        self,
        adapter: ProviderAdapter,
        settings: ClientSettings,
        clock: Clock,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.adapter = adapter
        # A limiter made here for Redis is this client's to close; a shared or given one is not.
        self.own_limiter: Any = None
        if limiter is None:
            limiter = _limiter_for(adapter, settings, clock)
            self.own_limiter = limiter if hasattr(limiter, "aclose") else None
        self.runtime = Runtime(
            provider=adapter.provider.value,
            clock=clock,
            retry=settings.retry,
            deadline=settings.deadline,
            limiter=limiter,
        )
        self.max_pages = settings.max_pages

    def revoke_flow(self, ca_id: str, options: RevokeOptions) -> Flow[RevocationResult]:
        # Validate now, before the flow starts: bad input never sends anything.
        request = RevokeRequest(
            ca_id=self.adapter.validate_ca_id(ca_id),
            reason=_coerce_reason(options.get("reason")),
            client_token=self.adapter.prepare_client_token(options.get("client_token")),
        )
        return self._revoke(request, options.get("confirm", False))

    def _revoke(self, request: RevokeRequest, confirm: bool) -> Flow[RevocationResult]:
        # One deadline for the whole operation: the revoke, its retries and any read.
        rt, adapter, trace = with_budget(self.runtime), self.adapter, Trace()
        ca_id, reason, token = request.ca_id, request.reason, request.client_token
        logger.info(
            "%s revoke %s reason=%s client_token=%s", rt.provider, ca_id, reason, token or "-"
        )
        result = dict(
            provider=adapter.provider,
            ca_id=ca_id,
            reason=reason,
            reason_sent=reason is not None and adapter.capabilities.supports_reason,
            client_token=token,
        )
        try:
            request_id = yield from adapter.revoke(rt, request, trace)
        except CausdkError as failure:
            if not trace.ambiguous or isinstance(failure, _NO_READ_BACK):
                raise
            # An earlier attempt may have gone through, whatever this refusal says: only a read
            # can tell. Success only if it shows the CA revoked; otherwise the failure stands.
            logger.info("%s revoke %s: %s after an ambiguous attempt; reading the CA back",
                        rt.provider, ca_id, type(failure).__name__)  # fmt: skip
            try:
                revoked = yield from self._reads_revoked(rt, ca_id, quiet=False)
            except DeadlineExceededError as late:
                raise DeadlineExceededError(
                    f"{rt.provider} revoke {ca_id}: no time left to read the CA back",
                    deadline=rt.deadline,
                    attempts=trace.attempts,
                    may_have_been_sent=True,
                    last_error=failure,
                ) from late
            if not revoked:
                raise
            return RevocationResult(
                **result,  # type: ignore[arg-type]
                request_id=getattr(failure, "request_id", None),
                attempts=trace.attempts,
                confirmed_by_read=True,
                already_revoked=True,
            )
        confirmed = False
        if confirm:
            confirmed = yield from self._reads_revoked(rt, ca_id)
        logger.info("%s revoked %s request_id=%s attempts=%d",
                    rt.provider, ca_id, request_id, trace.attempts)  # fmt: skip
        return RevocationResult(
            **result,  # type: ignore[arg-type]
            request_id=request_id,
            attempts=trace.attempts,
            confirmed_by_read=confirmed,
        )

    def bulk_flow(
        self, ca_id: str, reason: RevocationReason | None, journal: Journal | None
    ) -> Flow[RevocationResult]:
        """One CA of ``revoke_many``; with a journal, recorded and resumed from it."""
        if journal is None:
            return self.revoke_flow(ca_id, {"reason": reason})
        return self._journaled(ca_id, reason, journal)

    def _journaled(
        self, ca_id: str, reason: RevocationReason | None, journal: Journal
    ) -> Flow[RevocationResult]:
        adapter, prior = self.adapter, journal.state(ca_id) or {}
        sent = reason is not None and adapter.capabilities.supports_reason
        common = dict(provider=adapter.provider, ca_id=ca_id, reason=reason, reason_sent=sent)
        if prior.get("event") == "revoked":  # an earlier run did it: send nothing
            return RevocationResult(
                **common,  # type: ignore[arg-type]
                request_id=prior.get("request_id"), client_token=prior.get("client_token"),
                attempts=max(1, int(prior.get("attempts") or 1)), from_journal=True,
            )  # fmt: skip
        token = prior.get("client_token") if prior.get("event") == "pending" else None
        if prior.get("event") in ("pending", "failed") and token is None:
            # Sent by an earlier run, and no token to repeat it safely (Huawei has none; a failed
            # Alibaba attempt gets a fresh one): the earlier attempt may have acted. Read first.
            rt = with_budget(self.runtime)
            if (yield from self._reads_revoked(rt, ca_id)):
                yield Record(journal, {"event": "revoked", "ca_id": ca_id, "read_back": True})
                return RevocationResult(
                    **common,  # type: ignore[arg-type]
                    request_id=None, attempts=1, confirmed_by_read=True, already_revoked=True,
                )  # fmt: skip
        # The same ClientToken as the earlier run: Alibaba answers a repeat without acting twice.
        request = RevokeRequest(ca_id, reason, adapter.prepare_client_token(token))
        entry = {"ca_id": ca_id, "provider": adapter.provider.value}
        yield Record(journal, {**entry, "event": "pending", "client_token": request.client_token})
        try:
            result = yield from self._revoke(request, confirm=False)
        except CausdkError as error:
            failed = {"type": type(error).__name__, "code": getattr(error, "code", None),
                      "request_id": getattr(error, "request_id", None)}  # fmt: skip
            yield Record(journal, {**entry, "event": "failed", "error": failed})
            raise
        yield Record(journal, {**entry, "event": "revoked", "request_id": result.request_id,
                               "client_token": result.client_token,
                               "attempts": result.attempts})  # fmt: skip
        return result

    def _reads_revoked(self, rt: Runtime, ca_id: str, *, quiet: bool = True) -> Flow[bool]:
        """True only when a read of the CA succeeds and shows it revoked. A read that runs out
        of time raises unless ``quiet``; any other failed read is False."""
        try:
            ca = yield from self.adapter.get(rt, ca_id)
        except CausdkError as error:
            logger.warning("%s read of %s failed: %s", rt.provider, ca_id, error)
            if isinstance(error, DeadlineExceededError) and not quiet:
                raise
            return False
        if not ca.is_revoked:
            logger.warning("%s read of %s shows %s, not revoked", rt.provider, ca_id, ca.raw_status)
        return ca.is_revoked

    def whoami_flow(self) -> Flow[CredentialInfo]:
        """Fetch the credentials if they are fetched (proving the source works), and describe
        them."""
        adapter = self.adapter
        yield from adapter.auth.signer(with_budget(self.runtime))
        return CredentialInfo(
            provider=adapter.provider,
            region=adapter.region,
            endpoint=adapter.endpoint,
            credential_source=adapter.auth.source,
            expires_at=adapter.auth.expires_at,
            account=adapter.account_key,
        )

    def get_flow(self, ca_id: str) -> Flow[CertificateAuthority]:
        return self.adapter.get(with_budget(self.runtime), self.adapter.validate_ca_id(ca_id))

    def pager(self, status: CAStatus | str | None, page_size: int) -> Pager:
        """The pages of one listing, checked for progress; validated before anything is sent."""
        return Pager(self, self.check_list(status, page_size), page_size)

    def check_list(self, status: CAStatus | str | None, page_size: int) -> CAStatus | None:
        if not 1 <= page_size <= 100:
            raise ValidationError(f"page_size must be between 1 and 100, not {shown(page_size)}")
        try:
            return None if status is None else CAStatus(status)
        except ValueError:
            choices = ", ".join(s.value for s in CAStatus)
            raise ValidationError(f"unknown status {shown(status)}; one of: {choices}") from None

    def plan_many(
        self, ca_ids: Iterable[str], options: RevokeManyOptions
    ) -> tuple[list[str], RevocationReason | None, int]:
        """(distinct ids, reason, concurrency), every id validated before any is revoked."""
        concurrency = options.get("concurrency", DEFAULT_CONCURRENCY)
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise ValidationError(f"concurrency must be between 1 and {MAX_CONCURRENCY}")
        ids = list(dict.fromkeys(ca_ids))
        bad = []
        for ca_id in ids:
            try:
                self.adapter.validate_ca_id(ca_id)
            except ValidationError:
                bad.append(ca_id)
        if bad:
            listed = ", ".join(shown(b, 50) for b in bad[:10])
            more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
            raise ValidationError(f"{len(bad)} malformed CA id(s), none revoked: {listed}{more}")
        return ids, _coerce_reason(options.get("reason")), concurrency

    @staticmethod
    def open_journal(options: RevokeManyOptions) -> Journal | None:
        """The job's journal, open and locked, when ``journal=`` is given."""
        path = options.get("journal")
        if path is None:
            return None
        from causdk.journal import Journal

        return Journal(path)

    @staticmethod
    def settle(
        ca_id: str, result: RevocationResult | Exception, options: RevokeManyOptions
    ) -> RevocationOutcome:
        if isinstance(result, RevocationResult):
            outcome = RevocationOutcome(ca_id=ca_id, result=result)
        else:
            logger.warning("revoke %s failed: %s", ca_id, result)
            outcome = RevocationOutcome(ca_id=ca_id, error=_as_causdk_error(result))
        callback = options.get("on_outcome")
        if callback is not None:
            callback(outcome)
        return outcome


def _limiter_for(
    adapter: ProviderAdapter, settings: ClientSettings, clock: Clock
) -> RateLimiter | None:
    """The account's limiter: in Redis when a URL is set, else the process-wide one."""
    import os

    rate = settings.rate_limit
    if rate is None:
        rate = adapter.capabilities.default_rate_limit
    if not rate:
        return None
    provider, account = adapter.provider.value, adapter.account_key
    url = settings.rate_limit_redis_url or os.environ.get(REDIS_URL_ENV, "").strip()
    if url:
        from causdk.redis_limiter import RedisLimiter

        failure = settings.rate_limit_redis_failure
        return RedisLimiter(url, provider=provider, account=account, rate=rate, on_failure=failure,
                            clock=clock)  # fmt: skip
    return shared_limiter(provider, account, rate, clock=clock)


REDIS_URL_ENV = "CAUSDK_RATE_LIMIT_REDIS_URL"


def _coerce_reason(reason: RevocationReason | str | None) -> RevocationReason | None:
    if reason is None or isinstance(reason, RevocationReason):
        return reason
    try:
        return RevocationReason(str(reason).upper())
    except ValueError:
        choices = ", ".join(r.value for r in RevocationReason)
        raise ValidationError(
            f"unknown revocation reason {shown(reason)}; one of: {choices}"
        ) from None


def _as_causdk_error(error: Exception) -> CausdkError:
    """Outcomes carry CausdkErrors only: anything else (a bug) is wrapped, its cause kept."""
    if isinstance(error, CausdkError):
        return error
    wrapped = CausdkError(f"unexpected {type(error).__name__} while revoking: {error}")
    wrapped.__cause__ = error
    return wrapped


class RevokeManyInterrupted(KeyboardInterrupt):
    """``revoke_many`` was interrupted (Ctrl-C). Nothing more was sent after it.

    ``outcomes``: the CAs that settled (revoked or failed); ``not_attempted``: ids for which
    nothing was sent; ``unsettled``: ids whose revoke was sent but had no answer within the
    grace period, so they may or may not be revoked: read their status.
    """

    def __init__(self, ids: builtins.list[str], states: builtins.list[Any]) -> None:
        self.outcomes: builtins.list[RevocationOutcome] = []
        self.not_attempted: builtins.list[str] = []
        self.unsettled: builtins.list[str] = []
        for ca_id, state in zip(ids, states, strict=True):
            if isinstance(state, RevocationOutcome):
                self.outcomes.append(state)
            elif isinstance(state, Stopped) and not state.sent:
                self.not_attempted.append(ca_id)
            else:
                self.unsettled.append(ca_id)
        revoked = sum(o.ok for o in self.outcomes)
        super().__init__(
            f"interrupted: {revoked} revoked, {len(self.outcomes) - revoked} failed, "
            f"{len(self.unsettled)} unsettled, {len(self.not_attempted)} not attempted"
        )


class Pager:
    """Walks a listing a page at a time, never forever: it stops with an
    UnexpectedResponseError on a page that brings nothing new, or after ``max_pages`` pages.
    Both shells drive it the same way: ``while (flow := pager.next_flow()): pager.accept(...)``.
    """

    def __init__(self, core: _RevokerCore, status: CAStatus | None, page_size: int) -> None:
        self._core = core
        self._status = status
        self._page_size = page_size
        self._cursor: int | None = core.adapter.first_cursor
        self._pages = 0
        self._seen: set[str] = set()

    def next_flow(self) -> Flow[Page] | None:
        """The flow reading the next page, or None when the listing is done."""
        if self._cursor is None:
            return None
        if self._pages >= self._core.max_pages:
            raise self._stop(f"still more after {self._pages} pages (max_pages)")
        self._pages += 1
        rt = with_budget(self._core.runtime)
        return self._core.adapter.list_page(rt, self._cursor, self._status, self._page_size)

    def accept(self, page: Page) -> tuple[CertificateAuthority, ...]:
        """The page's CAs not seen before; moves to the next page."""
        fresh = tuple(ca for ca in page.items if ca.id not in self._seen)
        self._seen.update(ca.id for ca in fresh)
        moved = page.next_cursor is None or (
            self._cursor is not None and page.next_cursor > self._cursor
        )
        if page.next_cursor is not None and (not moved or (page.items and not fresh)):
            raise self._stop(f"page {self._pages} brought nothing new but says there is more")
        self._cursor = page.next_cursor
        return fresh

    def _stop(self, why: str) -> UnexpectedResponseError:
        return UnexpectedResponseError(
            provider=self._core.adapter.provider.value,
            action="list",
            status_code=200,
            code=None,
            message=f"stopped listing: {why}",
            request_id=None,
        )


class _Shell:
    """What both shells share: construction and the properties they expose."""

    _asynchronous: bool

    def __init__(
        self,
        adapter: ProviderAdapter,
        *,
        settings: ClientSettings | None = None,
        clock: Clock | None = None,
        http_client: httpx.Client | httpx.AsyncClient | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        limiter: RateLimiter | None = None,
        runner: RunnerName | None = None,
    ) -> None:
        """``http_client`` and ``transport`` are sync for CARevoker, async for AsyncCARevoker."""
        from causdk._runners import make_runner  # the HTTP library loads with the first client

        settings = settings or ClientSettings()
        clock = clock or SystemClock()
        self._core = _RevokerCore(adapter, settings, clock, limiter)
        self._runner = make_runner(
            settings, clock, asynchronous=self._asynchronous, runner=runner,
            http_client=http_client, transport=transport,
        )  # fmt: skip

    @property
    def provider(self) -> Provider:
        """The cloud this client talks to."""
        return self._core.adapter.provider

    @property
    def capabilities(self) -> Capabilities:
        """What the provider supports (reasons, idempotency, default rate limit)."""
        return self._core.adapter.capabilities

    @property
    def runner(self) -> str:
        """What this client sends with: ``httpx`` or ``aiohttp``."""
        return str(self._runner.name)

    @property
    def endpoint(self) -> str:
        """The API endpoint calls go to."""
        return self._core.adapter.endpoint

    @property
    def region(self) -> str | None:
        """The region, when one was given or found (None with only an endpoint)."""
        return self._core.adapter.region

    @property
    def credential_source(self) -> str:
        """Where the credentials come from, e.g. ``env`` or ``ecs_ram_role``; never a secret."""
        return self._core.adapter.auth.source

    def validate_ids(self, ca_ids: Iterable[str]) -> builtins.list[str]:
        """The distinct ids, in order, each checked as the provider requires; raises
        ValidationError naming the malformed ones. Sends nothing."""
        ids, _reason, _workers = self._core.plan_many(ca_ids, {})
        return ids

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(provider={self.provider.value}, endpoint={self.endpoint!r}, "
            f"credential_source={self.credential_source!r})"
        )


class CARevoker(_Shell):
    """Revoke and read private CAs on one provider, with blocking calls.

    Build one with a provider's class (``AlibabaRevoker``, ``HuaweiRevoker``) or with
    :func:`causdk.create_revoker`. Use it as a context manager, or call :meth:`close`.
    """

    _asynchronous = False

    _runner: SyncRunner

    def revoke(self, ca_id: str, **options: Unpack[RevokeOptions]) -> RevocationResult:
        """Revoke one CA. Irreversible: the CA issues nothing more and what it issued is invalid.

        Options: ``reason`` is sent where the provider takes one (see ``capabilities``) and kept
        in the result either way. ``client_token`` makes a repeat of this call have no further
        effect on providers with client tokens; one is made when not given. ``confirm=True``
        reads the CA back after success. Raises a :class:`causdk.CausdkError` on failure.
        """
        return self._runner.run(self._core.revoke_flow(ca_id, options))

    def get(self, ca_id: str) -> CertificateAuthority:
        """Read one CA."""
        return self._runner.run(self._core.get_flow(ca_id))

    def whoami(self) -> CredentialInfo:
        """The region, endpoint, credential source and expiry, fetching the credentials first
        when they come from a service (STS, instance metadata). Shows no secret."""
        return self._runner.run(self._core.whoami_flow())

    def list(
        self, *, status: CAStatus | CAStatusName | None = None, page_size: int = 50
    ) -> Iterator[CertificateAuthority]:
        """Every CA, optionally of one status, read a page at a time as you iterate.

        Each page is one operation within ``deadline``; a listing that makes no progress or runs
        past ``max_pages`` stops with an UnexpectedResponseError.
        """
        pager = self._core.pager(status, page_size)
        while (flow := pager.next_flow()) is not None:
            yield from pager.accept(self._runner.run(flow))

    def revoke_many(
        self, ca_ids: Iterable[str], **options: Unpack[RevokeManyOptions]
    ) -> builtins.list[RevocationOutcome]:
        """Revoke several CAs concurrently; one outcome per distinct id, in the order given.

        Every id is validated before any CA is revoked; a failure never stops the others.
        Options: ``reason``, ``concurrency`` (default 8), and ``on_outcome``, called with each
        outcome as it settles (from a worker thread here).

        On Ctrl-C (KeyboardInterrupt) nothing more is sent: calls already sent get a few
        seconds to settle, then :class:`causdk.RevokeManyInterrupted` (a KeyboardInterrupt)
        says what was revoked, what failed, what was never attempted and what is unsettled.
        """
        import threading
        from concurrent.futures import ThreadPoolExecutor, wait

        ids, why, workers = self._core.plan_many(ca_ids, options)
        stop = threading.Event()
        journal = self._core.open_journal(options)

        def revoke_one(ca_id: str) -> RevocationOutcome | Stopped:
            if stop.is_set():
                return Stopped(sent=False)
            flow = self._core.bulk_flow(ca_id, why, journal)
            try:
                result: RevocationResult | Exception = self._runner.run(flow, stop=stop)
            except Stopped as stopped:
                return stopped
            except Exception as exc:
                result = exc
            return self._core.settle(ca_id, result, options)

        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="causdk")
        futures = [pool.submit(revoke_one, ca_id) for ca_id in ids]
        try:
            settled = [future.result() for future in futures]
        except KeyboardInterrupt:
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            wait(futures, timeout=INTERRUPT_GRACE)
            states = [
                Stopped(sent=False) if f.cancelled() else f.result() if f.done() else Stopped()
                for f in futures
            ]
            raise RevokeManyInterrupted(ids, states) from None
        finally:
            # Closed even under calls still unsettled: a record they then miss leaves the CA
            # pending, and a re-run repeats it safely (the same ClientToken, or a read first).
            if journal is not None:
                journal.close()
        pool.shutdown()
        return [outcome for outcome in settled if isinstance(outcome, RevocationOutcome)]

    def close(self) -> None:
        """Close the HTTP client (unless it was given to us)."""
        self._runner.close()
        if self._core.own_limiter is not None:
            self._core.own_limiter.close()

    def __enter__(self) -> CARevoker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncCARevoker(_Shell):
    """Revoke and read private CAs on one provider, with asyncio.

    The same API as :class:`CARevoker`, awaited. Use it as an async context manager, or await
    :meth:`aclose`.
    """

    _asynchronous = True

    _runner: AsyncEffects

    async def revoke(self, ca_id: str, **options: Unpack[RevokeOptions]) -> RevocationResult:
        """Revoke one CA; see :meth:`CARevoker.revoke`."""
        return await self._runner.run(self._core.revoke_flow(ca_id, options))

    async def get(self, ca_id: str) -> CertificateAuthority:
        """Read one CA."""
        return await self._runner.run(self._core.get_flow(ca_id))

    async def whoami(self) -> CredentialInfo:
        """The region, endpoint, credential source and expiry; see :meth:`CARevoker.whoami`."""
        return await self._runner.run(self._core.whoami_flow())

    async def list(
        self, *, status: CAStatus | CAStatusName | None = None, page_size: int = 50
    ) -> AsyncIterator[CertificateAuthority]:
        """Every CA, optionally of one status, read a page at a time; see :meth:`CARevoker.list`."""
        pager = self._core.pager(status, page_size)
        while (flow := pager.next_flow()) is not None:
            for item in pager.accept(await self._runner.run(flow)):
                yield item

    async def revoke_many(
        self, ca_ids: Iterable[str], **options: Unpack[RevokeManyOptions]
    ) -> builtins.list[RevocationOutcome]:
        """Revoke several CAs concurrently; see :meth:`CARevoker.revoke_many`.

        Cancelled (the task, or Ctrl-C under ``asyncio.run``), it sends nothing more and raises
        ``CancelledError`` as asyncio code expects: a call waiting for its rate-limit slot gives
        the slot back, and each outcome that settled before was passed to ``on_outcome``.
        """
        import asyncio  # async callers have it loaded already

        ids, why, workers = self._core.plan_many(ca_ids, options)
        gate = asyncio.Semaphore(workers)
        journal = await asyncio.to_thread(self._core.open_journal, options)

        async def revoke_one(ca_id: str) -> RevocationOutcome:
            async with gate:
                try:
                    flow = self._core.bulk_flow(ca_id, why, journal)
                    result: RevocationResult | Exception = await self._runner.run(flow)
                except Exception as exc:
                    result = exc
            return self._core.settle(ca_id, result, options)

        try:
            return list(await asyncio.gather(*(revoke_one(ca_id) for ca_id in ids)))
        finally:
            if journal is not None:
                journal.close()

    async def aclose(self) -> None:
        """Close the HTTP client (unless it was given to us)."""
        await self._runner.aclose()
        if self._core.own_limiter is not None:
            await self._core.own_limiter.aclose()

    async def __aenter__(self) -> AsyncCARevoker:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


_SHELL_KEYS = frozenset(ShellOptions.__annotations__)


def open_shell(
    shell: CARevoker | AsyncCARevoker,
    build_adapter: Callable[..., ProviderAdapter],
    options: Mapping[str, Any],
) -> None:
    """Initialise a provider's revoker: its options build the adapter, the rest the shell."""
    shell_options = {k: v for k, v in options.items() if k in _SHELL_KEYS}
    adapter = build_adapter(
        settings=shell_options.get("settings"),
        **{k: v for k, v in options.items() if k not in _SHELL_KEYS},
    )
    base: Any = CARevoker if isinstance(shell, CARevoker) else AsyncCARevoker
    base.__init__(shell, adapter, **shell_options)
