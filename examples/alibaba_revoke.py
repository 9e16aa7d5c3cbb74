"""Revoke one Alibaba Cloud private CA, with blocking calls.

python examples/alibaba_revoke.py CA_IDENTIFIER   # credentials from the environment
python examples/alibaba_revoke.py                 # against a local emulator
"""

from __future__ import annotations

import logging

from _emulator import target

from causdk import AlibabaRevoker, CausdkError, RevocationReason

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

with target("alibaba") as (options, ca_ids), AlibabaRevoker(**options) as revoker:
    ca = revoker.get(ca_ids[0])
    print(f"{ca.id}: {ca.common_name} is {ca.status} ({ca.raw_status})")
    try:
        # Alibaba's API takes no reason: it is kept in the result and the log only.
        result = revoker.revoke(ca.id, reason=RevocationReason.KEY_COMPROMISE, confirm=True)
    except CausdkError as error:
        raise SystemExit(f"not revoked: {error}") from None
    print(f"revoked; request id {result.request_id}, ClientToken {result.client_token}")
    print("repeat with the same client_token to retry safely; confirmed:", result.confirmed_by_read)
