"""Measurements that need a fresh interpreter. Prints one JSON object.

python benchmarks/child.py import SDK
python benchmarks/child.py first-revoke SDK URL CA_ID
python benchmarks/child.py memory SDK URL < ids.json
python benchmarks/child.py floor-start - URL CA_ID    # the stack's floor: pydantic and httpx
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before any other import

import json
import resource
import sys


def main() -> None:
    mode, sdk = sys.argv[1], sys.argv[2]
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    if mode == "import":
        from sdks import IMPORTS

        code = IMPORTS[sdk]
        begin = time.perf_counter()
        exec(code)  # noqa: S102 - one of four fixed import lines
        print(json.dumps({"import_ms": (time.perf_counter() - begin) * 1000}))
        return
    from sdks import make_revoke

    url = sys.argv[3]
    if mode == "floor-start":  # what any client on pydantic and httpx pays before its first call
        import httpx
        import pydantic

        class Result(pydantic.BaseModel):
            ca_id: str
            status: int

        target = f"{url}/v1/private-certificate-authorities/{sys.argv[4]}/revoke"
        token = {"X-Auth-Token": "emulator-huawei-token"}
        # No trust store (the target is plain HTTP): the least any httpx caller can load.
        client = httpx.Client(verify=False, trust_env=False)  # noqa: S501 - plain HTTP, loopback
        answer = client.post(target, headers=token, content=b"{}")
        Result(ca_id=sys.argv[4], status=answer.status_code)
        print(json.dumps({"first_revoke_ms": (time.perf_counter() - STARTED) * 1000}))
        return
    if mode == "first-revoke":
        revoke, close = make_revoke(sdk, url)
        revoke(sys.argv[4])
        close()
        print(json.dumps({"first_revoke_ms": (time.perf_counter() - STARTED) * 1000}))
        return
    ids = json.load(sys.stdin)
    revoke, close = make_revoke(sdk, url)
    for ca_id in ids:
        revoke(ca_id)
    close()
    print(json.dumps({"peak_rss_mib": peak_rss_kib() / 1024, "revocations": len(ids)}))


def peak_rss_kib() -> int:
    """This process image's peak resident memory. (ru_maxrss survives exec on Linux, so a child
    would report its parent's peak; VmHWM starts afresh with the new image.)"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    main()
