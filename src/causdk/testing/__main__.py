"""``python -m causdk.testing`` (or ``causdk emulator``): run the emulator in the foreground."""

from __future__ import annotations

import argparse
import contextlib
import sys

from causdk.testing import Emulator
from causdk.testing._state import Cloud


def serve(
    *,
    port: int,
    rate_limit: float | None,
    subordinates: int = 0,
    latency: float = 0.0,
    quiet: bool = False,
) -> None:
    """Start the emulator, print how to point causdk at it, serve until interrupted."""
    emulator = Emulator(port=port, rate_limit=rate_limit)
    emulator.set_latency(latency)
    clouds: tuple[Cloud, ...] = ("alibaba", "huawei")
    for cloud in clouds:
        emulator.add_subordinates(cloud, subordinates)
    c, url = emulator.credentials, emulator.url
    print(f"causdk emulator of Alibaba Cloud CAS and Huawei Cloud CCM on {url} (Ctrl-C stops it)")
    if not quiet:
        print("\nPoint the SDK and the causdk command at it with:\n")
        print(f"  export ALIBABA_CLOUD_CAS_ENDPOINT={url}")
        print(f"  export ALIBABA_CLOUD_ACCESS_KEY_ID={c.alibaba_access_key_id}")
        print(f"  export ALIBABA_CLOUD_ACCESS_KEY_SECRET={c.alibaba_access_key_secret}")
        print(f"  export CAUSDK_HUAWEI_ENDPOINT={url}")
        print(f"  export CAUSDK_HUAWEI_AUTH_TOKEN={c.huawei_token}")
        print("\n(fixture credentials of the emulator, valid nowhere else)\n")
        for cloud in clouds:
            for ca in emulator.cas(cloud):
                print(f"  {cloud:8} {ca.id}  {ca.kind:11} {ca.status:8} {ca.common_name}")
    sys.stdout.flush()  # whoever reads a pipe sees the endpoint before the first request
    with contextlib.suppress(KeyboardInterrupt):
        emulator.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m causdk.testing", description=__doc__)
    parser.add_argument("--port", type=int, default=8999)
    parser.add_argument("--no-rate-limit", action="store_true", help="lift the 10 QPS limit")
    parser.add_argument("--subordinates", type=int, default=0, help="extra CAs per cloud")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each answer")
    parser.add_argument("--quiet", action="store_true", help="print only the line with the URL")
    args = parser.parse_args(argv)
    serve(
        port=args.port,
        rate_limit=None if args.no_rate_limit else 10,
        subordinates=args.subordinates,
        latency=args.latency,
        quiet=args.quiet,
    )


if __name__ == "__main__":
    main()
