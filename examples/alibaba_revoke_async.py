"""Revoke several Alibaba Cloud private CAs concurrently, held to the account's 10 QPS.

python examples/alibaba_revoke_async.py CA_ID [CA_ID ...]   # credentials from the environment
python examples/alibaba_revoke_async.py                     # against a local emulator
"""

from __future__ import annotations

import asyncio

from _emulator import target

from causdk import AsyncAlibabaRevoker


async def main() -> None:
    with target("alibaba", count=12) as (options, ca_ids):
        async with AsyncAlibabaRevoker(**options) as revoker:
            outcomes = await revoker.revoke_many(ca_ids, concurrency=10)
    for outcome in outcomes:
        if outcome.result is not None:
            print(f"{outcome.ca_id}  revoked  request {outcome.result.request_id}")
        else:
            print(f"{outcome.ca_id}  FAILED   {outcome.error}")
    failed = sum(not o.ok for o in outcomes)
    raise SystemExit(1 if failed else 0)


asyncio.run(main())
