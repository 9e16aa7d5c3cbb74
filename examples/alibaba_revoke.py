"""Revoke one Alibaba Cloud private CA, with blocking calls. Runs on its own: copy it anywhere.

    python alibaba_revoke.py CA_IDENTIFIER   # a real account: credentials from the environment
    python alibaba_revoke.py                 # no id: against causdk's local emulator

Credentials for a real account come from ALIBABA_CLOUD_ACCESS_KEY_ID and
ALIBABA_CLOUD_ACCESS_KEY_SECRET (or the credentials file, or the aliyun CLI's config); the region
from ALIBABA_CLOUD_REGION_ID (default cn-hangzhou).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from causdk import AlibabaRevoker, CausdkError, ConfigurationError, RevocationReason


def revoke(ca_id: str, options: dict[str, Any]) -> None:
    try:
        revoker = AlibabaRevoker(**options)
    except ConfigurationError as error:  # no credentials: one line, not a traceback
        raise SystemExit(f"alibaba_revoke: {error}") from None
    with revoker:
        try:
            ca = revoker.get(ca_id)
            print(f"{ca.id}: {ca.common_name} is {ca.status} ({ca.raw_status})")
            # Alibaba's API takes no reason: it is kept in the result and the log only.
            result = revoker.revoke(ca.id, reason=RevocationReason.KEY_COMPROMISE, confirm=True)
        except CausdkError as error:
            raise SystemExit(f"not revoked: {error}") from None
    print(f"revoked; request id {result.request_id}, ClientToken {result.client_token}")
    print("repeat with the same client_token to retry safely; confirmed:", result.confirmed_by_read)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if len(sys.argv) > 1:
        revoke(sys.argv[1], {})
        return
    from causdk.testing import Emulator

    with Emulator() as emulator:
        print(f"(no CA id given: using a local emulator on {emulator.url})")
        revoke(emulator.add_subordinates("alibaba", 1)[0], emulator.alibaba_options())


if __name__ == "__main__":
    main()
