"""``python -m causdk.testing``: run the emulator in the foreground."""

from __future__ import annotations

import argparse
import contextlib

from causdk.testing import Emulator
from causdk.testing._state import Cloud


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m causdk.testing", description=__doc__)
    parser.add_argument("--port", type=int, default=8999)
    parser.add_argument("--no-rate-limit", action="store_true", help="lift the 10 QPS limit")
    parser.add_argument("--subordinates", type=int, default=0, help="extra CAs per cloud")
    args = parser.parse_args(argv)
    emulator = Emulator(port=args.port, rate_limit=None if args.no_rate_limit else 10)
    clouds: tuple[Cloud, ...] = ("alibaba", "huawei")
    for cloud in clouds:
        emulator.add_subordinates(cloud, args.subordinates)
    c = emulator.credentials
    print(f"causdk emulator on {emulator.url} (Ctrl-C stops it)")
    print(
        f"  alibaba: endpoint={emulator.url} access key {c.alibaba_access_key_id} / secret "
        f"{c.alibaba_access_key_secret}"
    )
    print(
        f"  huawei:  endpoint={emulator.url} token {c.huawei_token}, or AK {c.huawei_access_key}"
        f" / SK {c.huawei_secret_key} / domain {c.huawei_domain_id}"
    )
    for cloud in clouds:
        for ca in emulator.cas(cloud):
            print(f"  {cloud:8} {ca.id}  {ca.kind:11} {ca.status:8} {ca.common_name}")
    with contextlib.suppress(KeyboardInterrupt):
        emulator.serve_forever()


if __name__ == "__main__":
    main()
