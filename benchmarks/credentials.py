"""Credentials that expire: what rotation costs while a bulk revoke runs, and what the shared
credential layer costs per call when nothing needs fetching.

    .venv/bin/python benchmarks/credentials.py

Against the emulator, which issues credentials lasting ``TTL`` seconds: 300 Alibaba revokes
(OIDC / RRSA) at the account's 10 per second, and 250 Huawei async revokes (ECS instance
metadata keys) at 10 per second. Prints figures; no asserts (the tests check behaviour).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from causdk import AlibabaRevoker, AsyncHuaweiRevoker, ClientSettings
from causdk.testing import Emulator

TTL = 10.0
ALIBABA_CAS, HUAWEI_CAS = 300, 250


def _cpu_per_call(revoker: AlibabaRevoker, ids: list[str]) -> float:
    started = time.process_time()
    for ca_id in ids:
        revoker.get(ca_id)
    return (time.process_time() - started) / len(ids) * 1e6


def alibaba_rotation(home: Path) -> None:
    with Emulator(credential_ttl=TTL, seed=False) as emu:
        token = home / "oidc-token"
        token.write_text(emu.credentials.alibaba_oidc_token)
        os.environ.update(emu.alibaba_env("oidc", token_file=str(token)))
        ids = emu.add_subordinates("alibaba", ALIBABA_CAS)
        started = time.monotonic()
        with AlibabaRevoker() as revoker:
            outcomes = revoker.revoke_many(ids, concurrency=8)
        spent = time.monotonic() - started
        expired = sum(1 for r in emu.requests if r.code == "InvalidSecurityToken.Expired")
        print(f"alibaba  OIDC, credentials of {TTL:g} s: {sum(o.ok for o in outcomes)}/{len(ids)} "
              f"revoked in {spent:.1f} s ({len(ids) / spent:.2f}/s), "
              f"{emu.platform.rotations('AssumeRoleWithOIDC')} credentials issued, "
              f"{expired} calls refused as expired")  # fmt: skip
        for name in emu.alibaba_env("oidc", token_file=str(token)):
            del os.environ[name]


async def huawei_rotation() -> None:
    async with Emulator(credential_ttl=TTL, seed=False) as emu:
        os.environ.update(emu.huawei_env("ecs_metadata"))
        ids = emu.add_subordinates("huawei", HUAWEI_CAS)
        started = time.monotonic()
        async with AsyncHuaweiRevoker(settings=ClientSettings(rate_limit=10)) as revoker:
            outcomes = await revoker.revoke_many(ids, concurrency=16)
        spent = time.monotonic() - started
        refused = sum(1 for r in emu.requests if r.status == 401)
        print(f"huawei   ECS metadata, keys of {TTL:g} s: {sum(o.ok for o in outcomes)}/{len(ids)} "
              f"revoked in {spent:.1f} s, {emu.platform.rotations('huawei-ecs')} keys issued, "
              f"{refused} calls refused")  # fmt: skip
        for name in emu.huawei_env("ecs_metadata"):
            del os.environ[name]


def layer_cost(home: Path) -> None:
    """CPU per read: fixed keys against role credentials held in the cache (no fetch)."""
    with Emulator(rate_limit=None, credential_ttl=3600) as emu:
        ids = [ca.id for ca in emu.cas("alibaba")] * 200
        settings = ClientSettings(rate_limit=0)
        with AlibabaRevoker(**emu.alibaba_options(), settings=settings) as fixed:
            _cpu_per_call(fixed, ids[:50])
            static = _cpu_per_call(fixed, ids)
        with AlibabaRevoker(**emu.alibaba_role_options(), settings=settings) as role:
            _cpu_per_call(role, ids[:50])
            cached = _cpu_per_call(role, ids)
        print(
            f"per call CPU, {len(ids)} reads: fixed keys {static:.0f} µs, "
            f"role credentials from the cache {cached:.0f} µs"
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        layer_cost(Path(home))
        alibaba_rotation(Path(home))
    asyncio.run(huawei_rotation())


if __name__ == "__main__":
    main()
