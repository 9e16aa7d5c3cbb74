"""causdk against the official Alibaba and Huawei SDKs, side by side in one run, on the emulator.

    python3 run.py bench              # the whole benchmark (about a minute and a half)
    python3 run.py bench --quick      # a few calls each: a smoke run

The emulator runs in processes of its own, so that it never shares the client's interpreter.
Figures are ratios from one run on one machine; absolute times drift with the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sdks import FLOORS, SDKS, bare_bulk, causdk_bulk_on, cloud_of, make_revoke, official_bulk


@dataclass(frozen=True)
class Plan:
    calls: int = 1000
    startup_runs: int = 7
    bulk: int = 1000
    concurrency: int = 50
    limited: int = 200
    memory: int = 500
    latency: float = 0.02
    load_seconds: float = 3.0


QUICK = Plan(calls=20, startup_runs=1, bulk=40, limited=15, memory=20, load_seconds=0.5)


@contextmanager
def emulator(
    *, subordinates: int, rate_limited: bool = False, latency: float = 0.0
) -> Iterator[str]:
    args = [
        sys.executable,
        "-m",
        "causdk.testing",
        "--port",
        "0",
        "--quiet",
        "--subordinates",
        str(subordinates),
        "--latency",
        str(latency),
    ]
    if not rate_limited:
        args.append("--no-rate-limit")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        yield line.split(" on ", 1)[1].split()[0]
    finally:
        proc.terminate()
        proc.wait(10)


def stats(url: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{url}/_emulator/stats", timeout=5) as answer:  # noqa: S310 - loopback
        return json.load(answer)  # type: ignore[no-any-return]


class IdPool:
    """Active subordinate CA ids of one emulator, handed out once each."""

    def __init__(self, url: str) -> None:
        from sdks import ALI_AK, ALI_SK

        from causdk import AlibabaRevoker, ClientSettings, HuaweiRevoker

        self.ids: dict[str, list[str]] = {}
        settings = ClientSettings(rate_limit=0)
        with AlibabaRevoker(
            access_key_id=ALI_AK, access_key_secret=ALI_SK, endpoint=url, settings=settings
        ) as ali:
            self.ids["alibaba"] = [
                c.id
                for c in ali.list(status="active", page_size=100)
                if c.kind.value == "subordinate"
            ]
        with HuaweiRevoker(token="emulator-huawei-token", endpoint=url) as hw:
            self.ids["huawei"] = [
                c.id
                for c in hw.list(status="active", page_size=100)
                if c.kind.value == "subordinate"
            ]

    def take(self, cloud: str, count: int) -> list[str]:
        taken, self.ids[cloud] = self.ids[cloud][:count], self.ids[cloud][count:]
        if len(taken) < count:
            raise RuntimeError(f"the emulator ran out of {cloud} CAs")
        return taken


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def revoke_cost(url: str, pool: IdPool, plan: Plan) -> dict[str, dict[str, float]]:
    """Sync revokes on loopback, rate limit lifted: wall time per call and client CPU per call."""
    figures = {}
    for sdk in (*SDKS, *FLOORS):
        revoke, close = make_revoke(sdk, url)
        for ca_id in pool.take(cloud_of(sdk), 20):  # warm up connections and caches
            revoke(ca_id)
        ids = pool.take(cloud_of(sdk), plan.calls)
        walls = []
        cpu_before = time.process_time()
        for ca_id in ids:
            began = time.perf_counter()
            revoke(ca_id)
            walls.append((time.perf_counter() - began) * 1000)
        cpu = (time.process_time() - cpu_before) * 1000 / len(ids)
        close()
        figures[sdk] = {
            "median_ms": statistics.median(walls),
            "p99_ms": percentile(walls, 0.99),
            "cpu_ms": cpu,
        }
    return figures


def child(*args: str, stdin: str | None = None) -> tuple[dict[str, Any], float]:
    began = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(HERE / "child.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1]), (time.perf_counter() - began) * 1000


def startup(url: str, pool: IdPool, plan: Plan, cli: Path) -> dict[str, dict[str, float]]:
    """Fresh interpreters: the import alone, and start to first revoke done; the floor of the
    stack (pydantic and httpx, one model and one POST); the command line, process to done."""
    figures = {}
    for sdk in SDKS:
        imports = [child("import", sdk)[0]["import_ms"] for _ in range(plan.startup_runs)]
        firsts, processes = [], []
        for ca_id in pool.take(cloud_of(sdk), plan.startup_runs):
            result, wall = child("first-revoke", sdk, url, ca_id)
            firsts.append(result["first_revoke_ms"])
            processes.append(wall)
        figures[sdk] = {
            "import_ms": statistics.median(imports),
            "first_revoke_ms": statistics.median(firsts),
            "process_ms": statistics.median(processes),
        }
    floors = [
        child("floor-start", "-", url, ca_id)[0]["first_revoke_ms"]
        for ca_id in pool.take("huawei", plan.startup_runs)
    ]
    figures["floor"] = {"first_revoke_ms": statistics.median(floors)}
    env = {**os.environ, "CAUSDK_HUAWEI_ENDPOINT": url,
           "CAUSDK_HUAWEI_AUTH_TOKEN": "emulator-huawei-token"}  # fmt: skip
    walls = []
    for ca_id in pool.take("huawei", plan.startup_runs):
        began = time.perf_counter()
        subprocess.run(
            [str(cli), "-m", "causdk", "revoke", "huawei", ca_id, "--yes", "--json"],
            env=env, capture_output=True, check=True,
        )  # fmt: skip
        walls.append((time.perf_counter() - began) * 1000)
    figures["cli"] = {"process_ms": statistics.median(walls)}
    return figures


def bulk(url: str, pool: IdPool, plan: Plan) -> dict[str, float]:
    """Huawei revocations: causdk async on each runner at the given concurrency, the official
    async client, and bare clients of each library (the ceiling)."""
    figures: dict[str, float] = {}

    def rate(key: str, run: Any) -> None:
        ids = pool.take("huawei", plan.bulk)
        began = time.perf_counter()
        done = run(ids)
        figures[f"{key}_per_s"] = done / (time.perf_counter() - began)
        figures[f"{key}_done"] = done

    n = plan.concurrency
    for runner in ("aiohttp", "httpx"):
        rate(f"causdk_{runner}", lambda i, r=runner: asyncio.run(causdk_bulk_on(url, i, n, r)))
        rate(f"bare_{runner}", lambda i, r=runner: asyncio.run(bare_bulk(url, i, n, r)))
    rate("official", lambda ids: official_bulk(url, ids))
    figures["causdk_per_s"] = figures["causdk_aiohttp_per_s"]
    return figures


def alibaba_limit(plan: Plan) -> dict[str, float]:
    """N revocations from one process against the real limit (10 per second per AccessKey)."""
    from sdks import ALI_AK, ALI_SK

    from causdk import AlibabaRevoker

    figures: dict[str, float] = {}
    with emulator(subordinates=plan.limited + 10, rate_limited=True) as url:
        ids = IdPool(url).take("alibaba", plan.limited)
        time.sleep(1.1)  # let the listing's requests leave the one-second window
        before = stats(url)["throttled"]
        with AlibabaRevoker(access_key_id=ALI_AK, access_key_secret=ALI_SK, endpoint=url) as ali:
            began = time.perf_counter()
            outcomes = ali.revoke_many(ids, concurrency=10)
            elapsed = time.perf_counter() - began
        # n requests span n - 1 intervals: the rate between the first send and the last.
        figures.update(
            causdk_rate=(len(ids) - 1) / elapsed,
            causdk_ok=sum(o.ok for o in outcomes),
            causdk_throttled=stats(url)["throttled"] - before,
        )
    with emulator(subordinates=plan.limited + 10, rate_limited=True) as url:
        ids = IdPool(url).take("alibaba", plan.limited)
        time.sleep(1.1)
        revoke, _close = make_revoke("official-alibaba", url)
        ok, began = 0, time.perf_counter()
        for ca_id in ids:
            try:
                revoke(ca_id)
                ok += 1
            except Exception:  # noqa: S112 - throttled: the official SDK does not retry
                continue
        elapsed = time.perf_counter() - began
        figures.update(
            official_rate=ok / elapsed, official_ok=ok, official_throttled=stats(url)["throttled"]
        )
    return figures


def memory(url: str, pool: IdPool, plan: Plan) -> dict[str, float]:
    figures = {}
    for sdk in SDKS:
        ids = json.dumps(pool.take(cloud_of(sdk), plan.memory))
        figures[sdk] = child("memory", sdk, url, stdin=ids)[0]["peak_rss_mib"]
    return figures


def emulator_capacity(url: str, seconds: float) -> float:
    """Requests per second the emulator answers: a raw keep-alive client, 16 connections."""
    with HwShow(url) as probe:
        ca_id = probe.root
    target = f"/v1/private-certificate-authorities/{ca_id}"
    request = (
        f"GET {target} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: emulator-huawei-token\r\n\r\n"
    ).encode()
    host, port = url.split("://")[1].split(":")
    socks = [socket.create_connection((host, int(port))) for _ in range(16)]
    done, deadline = 0, time.perf_counter() + seconds
    began = time.perf_counter()
    while time.perf_counter() < deadline:
        for s in socks:
            s.sendall(request)
        for s in socks:
            _read_response(s)
            done += 1
    elapsed = time.perf_counter() - began
    for s in socks:
        s.close()
    return done / elapsed


class HwShow:
    def __init__(self, url: str) -> None:
        from causdk import HuaweiRevoker

        self._client = HuaweiRevoker(token="emulator-huawei-token", endpoint=url)
        self.root = next(c.id for c in self._client.list() if c.kind.value == "root")

    def __enter__(self) -> HwShow:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()


def _read_response(sock: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        body += sock.recv(65536)


def report(results: dict[str, Any]) -> str:
    cost, start, mem = results["revoke_cost"], results["startup"], results["peak_rss_mib"]
    rows: list[tuple[str, str, str, str, str]] = []

    def add(name: str, ours: float, theirs: float, target: str, fmt: str = "{:.2f}") -> None:
        rows.append((name, fmt.format(ours), fmt.format(theirs), f"{ours / theirs:.2f}", target))

    def alone(name: str, ours: float, target: str = "", fmt: str = "{:.2f}") -> None:
        rows.append((name, fmt.format(ours), "", "", target))

    for cloud in ("alibaba", "huawei"):
        c, o, f = cost[f"causdk-{cloud}"], cost[f"official-{cloud}"], cost[f"httpx-{cloud}"]
        add(f"{cloud}: revoke, median ms", c["median_ms"], o["median_ms"], "")
        add(f"{cloud}: revoke, p99 ms", c["p99_ms"], o["p99_ms"], "")
        add(f"{cloud}: revoke, client CPU ms", c["cpu_ms"], o["cpu_ms"], "<= 1.0")
        alone(f"{cloud}: floor, bare httpx, the same POST, CPU ms", f["cpu_ms"])
        alone(
            f"{cloud}: causdk's own CPU over that floor, ms", c["cpu_ms"] - f["cpu_ms"], "<= 0.10"
        )
    for cloud in ("alibaba", "huawei"):
        c, o = start[f"causdk-{cloud}"], start[f"official-{cloud}"]
        add(f"{cloud}: import, ms", c["import_ms"], o["import_ms"], "< 50 ms", "{:.1f}")
        add(f"{cloud}: start to first revoke, ms", c["first_revoke_ms"], o["first_revoke_ms"],
            "<= 1.0", "{:.1f}")  # fmt: skip
    alone("floor: pydantic + httpx, one model and one POST, ms",
          start["floor"]["first_revoke_ms"], "", "{:.1f}")  # fmt: skip
    add("`causdk revoke huawei ...`, fresh process to done, ms", start["cli"]["process_ms"],
        start["official-huawei"]["process_ms"], "", "{:.1f}")  # fmt: skip
    for label, b in (("loopback", results["bulk"]), ("+20 ms per answer", results["bulk_latency"])):
        target = ">= 5" if label != "loopback" else ""
        add(f"huawei bulk, {label}: causdk (aiohttp runner) per s", b["causdk_aiohttp_per_s"],
            b["official_per_s"], target, "{:.0f}")  # fmt: skip
        add(f"huawei bulk, {label}: causdk (httpx runner) per s", b["causdk_httpx_per_s"],
            b["official_per_s"], "", "{:.0f}")  # fmt: skip
        add(f"huawei bulk, {label}: causdk (aiohttp) / bare aiohttp", b["causdk_aiohttp_per_s"],
            b["bare_aiohttp_per_s"], ">= 0.5" if target else "", "{:.0f}")  # fmt: skip
        alone(f"huawei bulk, {label}: bare aiohttp per s", b["bare_aiohttp_per_s"], "", "{:.0f}")
        alone(f"huawei bulk, {label}: bare httpx per s", b["bare_httpx_per_s"], "", "{:.0f}")
    lim = results["alibaba_limit"]
    rows.append(("alibaba at 10 QPS: achieved/s", f"{lim['causdk_rate']:.2f}",
                 f"{lim['official_rate']:.2f}", "", "9.7 to 10.0"))  # fmt: skip
    rows.append(("alibaba at 10 QPS: throttled answers", str(lim["causdk_throttled"]),
                 str(lim["official_throttled"]), "", "0"))  # fmt: skip
    for cloud in ("alibaba", "huawei"):
        add(f"{cloud}: peak RSS, MiB", mem[f"causdk-{cloud}"], mem[f"official-{cloud}"], "",
            "{:.1f}")  # fmt: skip
    from causdk._table import render_table

    table = render_table(("measure", "causdk", "official", "causdk/official", "target"), rows)
    capacity = f"{results['emulator_rps']:.0f} requests/s (raw client, 16 connections)"
    return f"{table}\n\nemulator capacity: {capacity}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few calls each (smoke run)")
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    parser.add_argument(
        "--cli-python", type=Path, default=Path(sys.executable),
        help="the interpreter of a venv with causdk[cli], for the command line's row",
    )  # fmt: skip
    args = parser.parse_args()
    plan = QUICK if args.quick else Plan()
    per_cloud = 3 * (plan.calls + 20) + 4 * plan.startup_runs + 5 * plan.bulk + 2 * plan.memory
    results: dict[str, Any] = {
        "plan": plan.__dict__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "quick": args.quick,
    }
    with emulator(subordinates=per_cloud) as url:
        pool = IdPool(url)
        print("revoke cost ...", flush=True)
        results["revoke_cost"] = revoke_cost(url, pool, plan)
        print("start-up ...", flush=True)
        results["startup"] = startup(url, pool, plan, args.cli_python)
        print("bulk ...", flush=True)
        results["bulk"] = bulk(url, pool, plan)
        print("memory ...", flush=True)
        results["peak_rss_mib"] = memory(url, pool, plan)
        results["emulator_rps"] = emulator_capacity(url, plan.load_seconds)
    with emulator(subordinates=5 * plan.bulk + 10, latency=plan.latency) as url:
        print("bulk with latency ...", flush=True)
        results["bulk_latency"] = bulk(url, IdPool(url), plan)
    print("the Alibaba limit ...", flush=True)
    results["alibaba_limit"] = alibaba_limit(plan)
    print()
    print(report(results))
    args.output.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"\nfigures written to {args.output}")


if __name__ == "__main__":
    main()
