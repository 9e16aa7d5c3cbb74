"""``python -m causdk.demo``: revoke CAs on both clouds against the built-in emulator.

No cloud account needed. It starts the local emulator, revokes CAs through the provider-agnostic
``CARevoker`` / ``AsyncCARevoker`` interface (sync and async), shows faults being retried
without a second state change, holds Alibaba's 10 requests per second, and prints what happened.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from causdk import (
    AsyncCARevoker,
    CARevoker,
    CausdkError,
    ClientSettings,
    RetrySettings,
    RevocationReason,
    RevocationResult,
    create_async_revoker,
    create_revoker,
)
from causdk._table import render_table
from causdk.testing import Emulator

# Short backoffs keep the demo quick; the defaults are longer.
SETTINGS = ClientSettings(retry=RetrySettings(initial_backoff=0.05, max_backoff=0.2))

Row = tuple[str, str, str, str, str, str]


def _row(step: str, result: RevocationResult) -> Row:
    if result.already_revoked:
        note = "already revoked after a lost answer; confirmed by a read"
    elif result.confirmed_by_read:
        note = "confirmed by a read"
    else:
        note = ""
    if result.client_token:
        note = f"{note}; " if note else ""
        note += f"ClientToken {result.client_token[:8]}… on every attempt"
    return (step, result.provider.value, result.ca_id, "revoked", str(result.attempts), note)


def _error_row(step: str, provider: str, ca_id: str, error: CausdkError) -> Row:
    code = getattr(error, "code", None) or type(error).__name__
    return (step, provider, ca_id, f"refused: {type(error).__name__}", "1", str(code))


def revoke_one(revoker: CARevoker, ca_id: str, reason: RevocationReason | None = None) -> str:
    """Provider-agnostic application code: it knows only the interface."""
    result = revoker.revoke(ca_id, reason=reason, confirm=True)
    return f"{result.provider.value}:{result.ca_id} revoked (request {result.request_id})"


async def revoke_several(revoker: AsyncCARevoker, ca_ids: Sequence[str]) -> list[RevocationResult]:
    outcomes = await revoker.revoke_many(ca_ids, reason=RevocationReason.KEY_COMPROMISE)
    return [o.result for o in outcomes if o.result is not None]


def _active(emu: Emulator, cloud: str) -> list[str]:
    word = "ISSUE" if cloud == "alibaba" else "ACTIVED"
    return [ca.id for ca in emu.cas(cloud) if ca.kind == "subordinate" and ca.status == word]  # type: ignore[arg-type]


async def _async_part(emu: Emulator, rows: list[Row]) -> None:
    targets = _active(emu, "huawei")[:2]
    async with create_async_revoker("huawei", settings=SETTINGS, **emu.huawei_options()) as hw:
        for result in await revoke_several(hw, targets):
            rows.append(_row("async bulk, KEY_COMPROMISE", result))


def main() -> None:
    rows: list[Row] = []
    with Emulator() as emu:
        print(f"Local emulator of Alibaba Cloud CAS and Huawei Cloud CCM on {emu.url}\n")
        ali_options = {"settings": SETTINGS, **emu.alibaba_options()}
        hw_options = {"settings": SETTINGS, **emu.huawei_options("aksk")}

        # 1. Sync, through the provider-agnostic interface.
        with create_revoker("alibaba", **ali_options) as ali:
            print(revoke_one(ali, _active(emu, "alibaba")[0]))
            rows.append(_row("sync revoke", ali.revoke(_active(emu, "alibaba")[0])))
        with create_revoker("huawei", **hw_options) as hw:
            print(revoke_one(hw, _active(emu, "huawei")[0], RevocationReason.SUPERSEDED))

        # 2. Async, several CAs at once.
        asyncio.run(_async_part(emu, rows))

        # 3. Faults: the answer is lost after the cloud applied the revoke.
        emu.drop_next(1, after=True, cloud="alibaba")
        with create_revoker("alibaba", **ali_options) as ali:
            rows.append(_row("connection dropped, retried", ali.revoke(_active(emu, "alibaba")[0])))
        emu.fail_next(1, status=503, after=True, cloud="huawei")
        emu.add_ca("huawei", common_name="demo subordinate")
        with create_revoker("huawei", **hw_options) as hw:
            result = hw.revoke(_active(emu, "huawei")[0], reason="KEY_COMPROMISE")
            rows.append(_row("503 after the change, retried", result))

            # 4. What the cloud refuses is a typed error, not a traceback.
            root = next(ca.id for ca in emu.cas("huawei") if ca.kind == "root")
            try:
                hw.revoke(root)
            except CausdkError as error:
                rows.append(_error_row("root CA (not revocable)", "huawei", root, error))
                print(f"\nRefused, as it should be: {error}\n")

        # 5. Alibaba's limit: 20 revocations from 10 threads, held at 10 per second.
        bulk = emu.add_subordinates("alibaba", 20)
        started = time.monotonic()
        with create_revoker("alibaba", **ali_options) as ali:
            outcomes = ali.revoke_many(bulk, concurrency=10)
        elapsed = time.monotonic() - started
        throttled = emu.throttled
        revoked = sum(o.ok for o in outcomes)
        print(
            f"Alibaba bulk: {revoked}/{len(bulk)} revoked in {elapsed:.1f}s "
            f"({(len(bulk) - 1) / elapsed:.1f} requests/s, limit 10/s), "
            f"{throttled} throttled answers"
        )
        changes = len(emu.changes)

    print()
    print(render_table(("step", "cloud", "CA", "outcome", "tries", "note"), rows))
    print(f"\n{changes} state changes in the emulator, one per CA revoked: nothing twice.")


if __name__ == "__main__":
    main()
