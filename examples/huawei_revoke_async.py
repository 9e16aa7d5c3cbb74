"""Revoke several Huawei Cloud subordinate CAs concurrently, with an IAM-issued token.
Runs on its own: copy it anywhere.

    python huawei_revoke_async.py CA_ID [CA_ID ...]   # a real account (see huawei_revoke.py)
    python huawei_revoke_async.py                     # no ids: against the local emulator
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from causdk import (
    AsyncHuaweiRevoker,
    AuthenticationError,
    ConfigurationError,
    RevocationOutcome,
    RevocationReason,
)


async def revoke_all(ca_ids: list[str], options: dict[str, Any]) -> list[RevocationOutcome]:
    try:
        revoker = AsyncHuaweiRevoker(**options)
    except ConfigurationError as error:  # no credentials or region: one line, not a traceback
        raise SystemExit(f"huawei_revoke_async: {error}") from None
    async with revoker:
        try:
            # Credentials from a service (IAM, instance metadata) are fetched here: a source that
            # is missing or refuses fails once, not once per CA.
            await revoker.whoami()
        except (ConfigurationError, AuthenticationError) as error:
            raise SystemExit(f"huawei_revoke_async: {error}") from None
        return await revoker.revoke_many(
            ca_ids, reason=RevocationReason.CESSATION_OF_OPERATION, concurrency=20
        )


async def main() -> None:
    if len(sys.argv) > 1:
        outcomes = await revoke_all(sys.argv[1:], {})
    else:
        from causdk.testing import Emulator

        async with Emulator() as emulator:
            print(f"(no CA ids given: using a local emulator on {emulator.url})")
            ids = emulator.add_subordinates("huawei", 5)
            outcomes = await revoke_all(ids, emulator.huawei_options("iam"))
    for outcome in outcomes:
        detail = f"request {outcome.result.request_id}" if outcome.result else outcome.error
        print(f"{outcome.ca_id}  {outcome.status}  {detail}")
    raise SystemExit(0 if all(o.ok for o in outcomes) else 1)


if __name__ == "__main__":
    asyncio.run(main())
