"""Revoke several Huawei Cloud subordinate CAs concurrently, with an IAM-issued token.

python examples/huawei_revoke_async.py CA_ID [CA_ID ...]   # credentials from the environment
python examples/huawei_revoke_async.py                     # against a local emulator
"""

from __future__ import annotations

import asyncio

from _emulator import target

from causdk import AsyncHuaweiRevoker, RevocationReason


async def main() -> None:
    with target("huawei", auth="iam", count=5) as (options, ca_ids):
        async with AsyncHuaweiRevoker(**options) as revoker:
            outcomes = await revoker.revoke_many(
                ca_ids, reason=RevocationReason.CESSATION_OF_OPERATION, concurrency=20
            )
    for outcome in outcomes:
        detail = f"request {outcome.result.request_id}" if outcome.result else outcome.error
        print(f"{outcome.ca_id}  {outcome.status}  {detail}")
    raise SystemExit(0 if all(o.ok for o in outcomes) else 1)


asyncio.run(main())
