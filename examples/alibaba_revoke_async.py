"""Revoke several Alibaba Cloud private CAs concurrently, held to the account's 10 QPS.
Runs on its own: copy it anywhere.

    python alibaba_revoke_async.py CA_ID [CA_ID ...]   # a real account (see alibaba_revoke.py)
    python alibaba_revoke_async.py                     # no ids: against the local emulator
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from causdk import (
    AsyncAlibabaRevoker,
    AuthenticationError,
    ConfigurationError,
    RevocationOutcome,
)


async def revoke_all(ca_ids: list[str], options: dict[str, Any]) -> list[RevocationOutcome]:
    try:
        revoker = AsyncAlibabaRevoker(**options)
    except ConfigurationError as error:  # no credentials: one line, not a traceback
        raise SystemExit(f"alibaba_revoke_async: {error}") from None
    async with revoker:
        try:
            # Role credentials (STS, instance metadata) are fetched here: a source that is
            # missing or refuses fails once, not once per CA.
            await revoker.whoami()
        except (ConfigurationError, AuthenticationError) as error:
            raise SystemExit(f"alibaba_revoke_async: {error}") from None
        return await revoker.revoke_many(ca_ids, concurrency=10)


async def main() -> None:
    if len(sys.argv) > 1:
        outcomes = await revoke_all(sys.argv[1:], {})
    else:
        from causdk.testing import Emulator

        async with Emulator() as emulator:
            print(f"(no CA ids given: using a local emulator on {emulator.url})")
            ids = emulator.add_subordinates("alibaba", 12)
            outcomes = await revoke_all(ids, emulator.alibaba_options())
    for outcome in outcomes:
        if outcome.result is not None:
            print(f"{outcome.ca_id}  revoked  request {outcome.result.request_id}")
        else:
            print(f"{outcome.ca_id}  FAILED   {outcome.error}")
    raise SystemExit(1 if any(not o.ok for o in outcomes) else 0)


if __name__ == "__main__":
    asyncio.run(main())
