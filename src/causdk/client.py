"""``CARevoker`` and ``AsyncCARevoker``: two thin shells around one core.

The core (:class:`_RevokerCore`) validates input and builds flows; the shells only hand those
flows to a runner (blocking or asyncio) and add what is truly different: threads versus tasks
in ``revoke_many``, and iterators versus async iterators in ``list``.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from typing_extensions import Unpack

from causdk._adapter import ProviderAdapter, RevokeRequest
from causdk._flow import Flow, Runtime, Trace
from causdk._log import logger
from causdk.clock import Clock, SystemClock
from causdk.errors import InvalidStateError, NotFoundError, ValidationError
from causdk.models import (
    Capabilities,
    CAStatus,
    CertificateAuthority,
    Page,
    Provider,
    RevocationOutcome,
    RevocationReason,
    RevocationResult,
)
from causdk.ratelimit import shared_limiter
from causdk.settings import ClientSettings

if TYPE_CHECKING:
    import httpx

    from causdk._transport import AsyncRunner, SyncRunner

__all__ = [
    "AsyncCARevoker",
    "CARevoker",
    "RevokeManyOptions",
    "RevokeOptions",
    "ShellOptions",
    "open_shell",
]

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 256


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


class ShellOptions(TypedDict, total=False):
    """Keyword options every revoker class takes, whatever the provider."""

    settings: ClientSettings
    clock: Clock
    http_client: httpx.Client | httpx.AsyncClient
    """Your own client (sync for CARevoker, async for AsyncCARevoker); causdk leaves it open."""
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport


class _RevokerCore:
    """Everything both shells share; no I/O."""

    def __init__(self, adapter: ProviderAdapter, settings: ClientSettings, clock: Clock) -> None:
        self.adapter = adapter
        rate = settings.rate_limit
        if rate is None:
            rate = adapter.capabilities.default_rate_limit
        limiter = None
        if rate:
            limiter = shared_limiter(adapter.provider.value, adapter.account_key, rate, clock=clock)
        self.runtime = Runtime(
            provider=adapter.provider.value,
            clock=clock,
            retry=settings.retry,
            deadline=settings.deadline,
            limiter=limiter,
        )

    def revoke_flow(self, ca_id: str, options: RevokeOptions) -> Flow[RevocationResult]:
        # Validate now, before the flow starts: bad input never sends anything.
        request = RevokeRequest(
            ca_id=self.adapter.validate_ca_id(ca_id),
            reason=_coerce_reason(options.get("reason")),
            client_token=self.adapter.prepare_client_token(options.get("client_token")),
        )
        return self._revoke(request, options.get("confirm", False))

    def _revoke(self, request: RevokeRequest, confirm: bool) -> Flow[RevocationResult]:
        rt, adapter, trace = self.runtime, self.adapter, Trace()
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
        except (InvalidStateError, NotFoundError) as refusal:
            if not trace.ambiguous:
                raise
            # An earlier attempt may have gone through; only a read can tell.
            logger.info("%s revoke %s: %s after an ambiguous attempt; reading the CA back",
                        rt.provider, ca_id, refusal.code)  # fmt: skip
            ca = yield from adapter.get(rt, ca_id)
            if not ca.is_revoked:
                raise
            return RevocationResult(
                **result,  # type: ignore[arg-type]
                request_id=refusal.request_id,
                attempts=trace.attempts,
                confirmed_by_read=True,
                already_revoked=True,
            )
        confirmed = False
        if confirm:
            ca = yield from adapter.get(rt, ca_id)
            confirmed = ca.is_revoked
            if not confirmed:
                logger.warning("%s revoke %s succeeded but a read shows %s",
                               rt.provider, ca_id, ca.raw_status)  # fmt: skip
        logger.info("%s revoked %s request_id=%s attempts=%d",
                    rt.provider, ca_id, request_id, trace.attempts)  # fmt: skip
        return RevocationResult(
            **result,  # type: ignore[arg-type]
            request_id=request_id,
            attempts=trace.attempts,
            confirmed_by_read=confirmed,
        )

    def get_flow(self, ca_id: str) -> Flow[CertificateAuthority]:
        return self.adapter.get(self.runtime, self.adapter.validate_ca_id(ca_id))

    def page_flow(self, cursor: int, status: CAStatus | None, page_size: int) -> Flow[Page]:
        return self.adapter.list_page(self.runtime, cursor, status, page_size)

    def check_list(self, status: CAStatus | str | None, page_size: int) -> CAStatus | None:
        if not 1 <= page_size <= 100:
            raise ValidationError(f"page_size must be between 1 and 100, not {page_size}")
        try:
            return None if status is None else CAStatus(status)
        except ValueError:
            choices = ", ".join(s.value for s in CAStatus)
            raise ValidationError(f"unknown status {status!r}; one of: {choices}") from None

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
            raise ValidationError(f"{len(bad)} malformed CA id(s), none revoked: {bad[:10]!r}")
        return ids, _coerce_reason(options.get("reason")), concurrency

    @staticmethod
    def settle(
        ca_id: str, result: RevocationResult | Exception, options: RevokeManyOptions
    ) -> RevocationOutcome:
        if isinstance(result, RevocationResult):
            outcome = RevocationOutcome(ca_id=ca_id, result=result)
        else:
            logger.warning("revoke %s failed: %s", ca_id, result)
            outcome = RevocationOutcome(ca_id=ca_id, error=result)
        callback = options.get("on_outcome")
        if callback is not None:
            callback(outcome)
        return outcome


def _coerce_reason(reason: RevocationReason | str | None) -> RevocationReason | None:
    if reason is None or isinstance(reason, RevocationReason):
        return reason
    try:
        return RevocationReason(str(reason).upper())
    except ValueError:
        choices = ", ".join(r.value for r in RevocationReason)
        raise ValidationError(f"unknown revocation reason {reason!r}; one of: {choices}") from None


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
    ) -> None:
        """``http_client`` and ``transport`` are sync for CARevoker, async for AsyncCARevoker."""
        from causdk._transport import AsyncRunner, SyncRunner  # httpx loads with the first client

        settings = settings or ClientSettings()
        clock = clock or SystemClock()
        self._core = _RevokerCore(adapter, settings, clock)
        runner = AsyncRunner if self._asynchronous else SyncRunner
        self._runner = runner(settings, clock, http_client=http_client, transport=transport)

    @property
    def provider(self) -> Provider:
        """The cloud this client talks to."""
        return self._core.adapter.provider

    @property
    def capabilities(self) -> Capabilities:
        """What the provider supports (reasons, idempotency, default rate limit)."""
        return self._core.adapter.capabilities

    def validate_ids(self, ca_ids: Iterable[str]) -> builtins.list[str]:
        """The distinct ids, in order, each checked as the provider requires; raises
        ValidationError naming the malformed ones. Sends nothing."""
        ids, _reason, _workers = self._core.plan_many(ca_ids, {})
        return ids

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider={self.provider.value})"


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

    def list(
        self, *, status: CAStatus | str | None = None, page_size: int = 50
    ) -> Iterator[CertificateAuthority]:
        """Every CA, optionally of one status, read a page at a time as you iterate."""
        wanted = self._core.check_list(status, page_size)
        cursor: int | None = self._core.adapter.first_cursor
        while cursor is not None:
            page = self._runner.run(self._core.page_flow(cursor, wanted, page_size))
            yield from page.items
            cursor = page.next_cursor

    def revoke_many(
        self, ca_ids: Iterable[str], **options: Unpack[RevokeManyOptions]
    ) -> builtins.list[RevocationOutcome]:
        """Revoke several CAs concurrently; one outcome per distinct id, in the order given.

        Every id is validated before any CA is revoked; a failure never stops the others.
        Options: ``reason``, ``concurrency`` (default 8), and ``on_outcome``, called with each
        outcome as it settles (from a worker thread here).
        """
        from concurrent.futures import ThreadPoolExecutor  # only bulk callers pay for it

        ids, why, workers = self._core.plan_many(ca_ids, options)

        def revoke_one(ca_id: str) -> RevocationOutcome:
            try:
                result: RevocationResult | Exception = self.revoke(ca_id, reason=why)
            except Exception as exc:
                result = exc
            return self._core.settle(ca_id, result, options)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="causdk") as pool:
            return list(pool.map(revoke_one, ids))

    def close(self) -> None:
        """Close the HTTP client (unless it was given to us)."""
        self._runner.close()

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

    _runner: AsyncRunner

    async def revoke(self, ca_id: str, **options: Unpack[RevokeOptions]) -> RevocationResult:
        """Revoke one CA; see :meth:`CARevoker.revoke`."""
        return await self._runner.run(self._core.revoke_flow(ca_id, options))

    async def get(self, ca_id: str) -> CertificateAuthority:
        """Read one CA."""
        return await self._runner.run(self._core.get_flow(ca_id))

    async def list(
        self, *, status: CAStatus | str | None = None, page_size: int = 50
    ) -> AsyncIterator[CertificateAuthority]:
        """Every CA, optionally of one status, read a page at a time as you iterate."""
        wanted = self._core.check_list(status, page_size)
        cursor: int | None = self._core.adapter.first_cursor
        while cursor is not None:
            page = await self._runner.run(self._core.page_flow(cursor, wanted, page_size))
            for item in page.items:
                yield item
            cursor = page.next_cursor

    async def revoke_many(
        self, ca_ids: Iterable[str], **options: Unpack[RevokeManyOptions]
    ) -> builtins.list[RevocationOutcome]:
        """Revoke several CAs concurrently; see :meth:`CARevoker.revoke_many`."""
        import asyncio  # async callers have it loaded already

        ids, why, workers = self._core.plan_many(ca_ids, options)
        gate = asyncio.Semaphore(workers)

        async def revoke_one(ca_id: str) -> RevocationOutcome:
            async with gate:
                try:
                    result: RevocationResult | Exception = await self.revoke(ca_id, reason=why)
                except Exception as exc:
                    result = exc
            return self._core.settle(ca_id, result, options)

        return list(await asyncio.gather(*(revoke_one(ca_id) for ca_id in ids)))

    async def aclose(self) -> None:
        """Close the HTTP client (unless it was given to us)."""
        await self._runner.aclose()

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
