"""Revoke one Huawei Cloud subordinate CA, with a reason. Runs on its own: copy it anywhere.

    python huawei_revoke.py CA_ID   # a real account: credentials and region from the environment
    python huawei_revoke.py         # no id: against causdk's local emulator (AK/SK signing)

Credentials for a real account: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and
HUAWEICLOUD_SDK_DOMAIN_ID (or CAUSDK_HUAWEI_AUTH_TOKEN); the region from HUAWEICLOUD_SDK_REGION.
"""

from __future__ import annotations

import sys
from typing import Any

from causdk import CausdkError, ConfigurationError, HuaweiRevoker, RevocationReason


def revoke(ca_id: str, options: dict[str, Any]) -> None:
    try:
        revoker = HuaweiRevoker(**options)
    except ConfigurationError as error:  # no credentials or region: one line, not a traceback
        raise SystemExit(f"huawei_revoke: {error}") from None
    with revoker:
        try:
            result = revoker.revoke(ca_id, reason=RevocationReason.KEY_COMPROMISE, confirm=True)
        except CausdkError as error:
            raise SystemExit(f"not revoked: {error}") from None
    print(f"revoked {result.ca_id}: reason {result.reason}, request id {result.request_id}")
    print(f"confirmed by a read: {result.confirmed_by_read}")


def main() -> None:
    if len(sys.argv) > 1:
        revoke(sys.argv[1], {})
        return
    from causdk.testing import Emulator

    with Emulator() as emulator:
        print(f"(no CA id given: using a local emulator on {emulator.url})")
        revoke(emulator.add_subordinates("huawei", 1)[0], emulator.huawei_options("aksk"))


if __name__ == "__main__":
    main()
