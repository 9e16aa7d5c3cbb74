"""More than one process on one account: the limit shared through Redis, against each process
limiting itself, and what a reservation in Redis costs.

    .venv/bin/python benchmarks/redis_limit.py          # needs redis-server on PATH (Debian)

4 processes x 100 Alibaba revokes on one account against the emulator, which throttles above
10 requests in any sliding second; figures to benchmarks/redis_results.json.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from causdk.redis_limiter import RedisLimiter
from causdk.testing import Emulator

HERE = Path(__file__).resolve().parent
PROCESSES, EACH, RATE = 4, 100, 10

WORKER = textwrap.dedent(
    """
    import sys
    from causdk import AlibabaRevoker, ClientSettings
    url, redis_url, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
    settings = ClientSettings(rate_limit_redis_url=redis_url or None)
    with AlibabaRevoker(access_key_id="emulator-ak", access_key_secret="emulator-secret",
                        endpoint=url, settings=settings) as revoker:
        outcomes = revoker.revoke_many(ids, concurrency=4)
    print(sum(o.ok for o in outcomes))
    """
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_redis() -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    for _ in range(200):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return server, url


def _max_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t - first < 1.0) for i, first in enumerate(times))


def processes(redis_url: str) -> dict[str, Any]:
    """PROCESSES workers, each revoking EACH CAs of one account."""
    with Emulator(rate_limit=RATE) as emu:
        ids = emu.add_subordinates("alibaba", PROCESSES * EACH)
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, emu.url, redis_url, *ids[i * EACH : (i + 1) * EACH]],
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(PROCESSES)
        ]
        done = sum(int(w.communicate(timeout=600)[0] or 0) for w in workers)
        revokes = [r for r in emu.requests if r.action == "UpdateCACertificateStatus"]
        arrivals = sorted(r.at for r in revokes)
        throttled = sum(1 for r in revokes if r.code == "Throttling.User")
    span = arrivals[-1] - arrivals[0]
    return {
        "revoked": done,
        "requests": len(arrivals),
        "throttled answers": throttled,
        "achieved per s (successful)": round(done / span, 2),
        "most in one second": _max_in_one_second(arrivals),
    }


def overhead(redis_url: str, calls: int = 2000) -> dict[str, float]:
    """Microseconds per reservation (no waiting: a rate far above what is asked)."""
    limiter = RedisLimiter(redis_url, provider="bench", account="overhead", rate=1e9)
    sync = []
    for _ in range(calls):
        started = time.perf_counter()
        limiter.reserve()
        sync.append((time.perf_counter() - started) * 1e6)

    async def measure() -> list[float]:
        spent = []
        for _ in range(calls):
            started = time.perf_counter()
            await limiter.reserve_async()
            spent.append((time.perf_counter() - started) * 1e6)
        await limiter.aclose()
        return spent

    asynchronous = asyncio.run(measure())

    def p99(values: list[float]) -> float:
        return round(statistics.quantiles(values, n=100)[98], 1)

    return {
        "sync median us": round(statistics.median(sync), 1),
        "sync p99 us": p99(sync),
        "async median us": round(statistics.median(asynchronous), 1),
        "async p99 us": p99(asynchronous),
    }


def main() -> None:
    server, url = _start_redis()
    try:
        figures = {
            "with Redis": processes(url),
            "each process on its own": processes(""),
            "Redis reservation cost": overhead(url),
        }
    finally:
        server.terminate()
        server.wait(10)
    for name, values in figures.items():
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in values.items()))
    (HERE / "redis_results.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
