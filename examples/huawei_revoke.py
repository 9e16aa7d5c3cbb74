"""Revoke one Huawei Cloud subordinate CA, with a reason.

python examples/huawei_revoke.py CA_ID   # credentials and region from the environment
python examples/huawei_revoke.py         # against a local emulator (AK/SK signing)
"""

from __future__ import annotations

from _emulator import target

from causdk import CausdkError, HuaweiRevoker, RevocationReason

with target("huawei", auth="aksk") as (options, ca_ids), HuaweiRevoker(**options) as revoker:
    try:
        result = revoker.revoke(ca_ids[0], reason=RevocationReason.KEY_COMPROMISE, confirm=True)
    except CausdkError as error:
        raise SystemExit(f"not revoked: {error}") from None
    print(f"revoked {result.ca_id}: reason {result.reason}, request id {result.request_id}")
    print(f"confirmed by a read: {result.confirmed_by_read}")
