"""An account's rate limit shared by every process on every host, through Redis.

One Lua script does GCRA with no burst on the Redis server's clock (``TIME``): the key holds the
next free slot in server microseconds; a caller takes it, moves it one interval on, and gets back
how long to wait. Each caller owns a distinct slot, so there is no retry storm and no caller is
passed over; only the relative wait reaches the client, which sleeps on its own clock, so clocks
that differ between hosts do not matter. Needs the ``redis`` extra (redis-py).

When Redis is unreachable or slow, the default policy falls back to a limiter in this process at
a quarter of the rate (one WARNING, then Redis is tried again every few seconds); with
``on_failure="fail"`` a call fails with :class:`RateLimiterUnavailableError` instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import threading
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from causdk._log import logger
from causdk.clock import Clock, SystemClock
from causdk.errors import CausdkError
from causdk.ratelimit import GcraLimiter, Reservation
from causdk.secret import Secret

__all__ = ["RateLimiterUnavailableError", "RedisLimiter"]

REDIS_MARGIN = 0.04
"""Slots 4% wider than ``1/rate`` across processes: send jitter between hosts and processes
(tens of milliseconds, measured in tests/e2e/test_redis_limiter.py) must not put 11 requests
into one second. 10/s becomes 9.6/s."""
FALLBACK_SHARE = 0.25
"""The share of the rate one process keeps while Redis is away: it cannot know how many others
there are, so it assumes a few."""
RETRY_REDIS_AFTER = 5.0
"""Seconds on the fallback before Redis is tried again."""

# KEYS[1]: the next free slot, server microseconds. ARGV: interval µs, max wait µs.
# Returns {granted (0/1), wait µs}. A refusal writes nothing. Integers written with %.0f:
# tostring() would print 14 significant digits, and epoch microseconds have 16.
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
if slot - now > tonumber(ARGV[2]) then return {0, string.format('%.0f', slot - now)} end
local nxt = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.ceil((nxt - now) / 1000) + 1000)
return {1, string.format('%.0f', slot - now)}
"""


class RateLimiterUnavailableError(CausdkError):
    """The shared rate limiter (Redis) could not be reached, and the policy is to fail closed:
    nothing was sent."""

    hint = "Check the Redis server, or let causdk fall back to a local limit."


def redacted_url(url: str) -> str:
    """The Redis URL with its password (and user) hidden, fit to print."""
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    netloc = f"[redacted]@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class RedisLimiter:
    """GCRA over Redis for one (provider, account): every client of the account, in any process
    on any host, shares one budget. Sync calls use redis-py, async calls ``redis.asyncio``."""

    def __init__(
        self,
        url: str,
        *,
        provider: str,
        account: str,
        rate: float,
        margin: float = REDIS_MARGIN,
        on_failure: Literal["fallback", "fail"] = "fallback",
        timeout: float = 0.5,
        clock: Clock | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        password = urlsplit(url).password
        if password:
            Secret(password)  # registered: scrubbed from every message and log record
        self._url = url
        self.rate = rate
        self.on_failure = on_failure
        self._timeout = timeout
        self._clock = clock or SystemClock()
        self._interval_us = math.ceil(1_000_000 / rate * (1 + margin))
        digest = hashlib.sha256(account.encode()).hexdigest()[:32]
        self.key = f"{{causdk:rl:{provider}:{digest}}}:next"  # braces: one Redis Cluster slot
        self._fallback = GcraLimiter(rate * FALLBACK_SHARE, clock=self._clock)
        self._down_until = -math.inf
        self._warned = False
        self._lock = threading.Lock()
        self._sync: Any = None
        self._async: Any = None
        self._async_loop: asyncio.AbstractEventLoop | None = None

    # -- clients, made on first use ------------------------------------------------------------

    def _options(self) -> dict[str, Any]:
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # Short timeouts and one retry: an outage must be noticed in bounded time. A timed-out
        # script may have run, and a retry then takes a second slot: a slot wasted, never a burst.
        return {
            "socket_timeout": self._timeout,
            "socket_connect_timeout": self._timeout,
            "retry": Retry(NoBackoff(), retries=1),
        }

    def _sync_script(self) -> Any:
        with self._lock:
            if self._sync is None:
                import redis

                client = redis.Redis.from_url(self._url, **self._options())
                self._sync = client.register_script(_SCRIPT)
            return self._sync

    def _async_script(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._async is None or self._async_loop is not loop:  # a client serves one loop
            import redis.asyncio

            client = redis.asyncio.Redis.from_url(self._url, **self._options())
            self._async, self._async_loop = client.register_script(_SCRIPT), loop
        return self._async

    # -- the limiter ----------------------------------------------------------------------------

    def reserve(self, max_wait: float = math.inf) -> Reservation | None:
        if self._clock.monotonic() < self._down_until:
            return self._fallback.reserve(max_wait)
        try:
            answer = self._sync_script()(keys=[self.key], args=self._args(max_wait))
        except Exception as error:  # redis-py's errors, and a bad URL
            return self._failed(error, max_wait)
        return self._reservation(answer)

    async def reserve_async(self, max_wait: float = math.inf) -> Reservation | None:
        if self._clock.monotonic() < self._down_until:
            return self._fallback.reserve(max_wait)
        try:
            answer = await self._async_script()(keys=[self.key], args=self._args(max_wait))
        except Exception as error:
            return self._failed(error, max_wait)
        return self._reservation(answer)

    def release(self, reservation: Reservation) -> None:
        """A slot given back in Redis could race other hosts' slots: it is left to pass unused,
        which wastes a slot and never bursts."""

    def departed(self, reservation: Reservation, at: float) -> None:
        """Late departures are absorbed by the wider margin (``REDIS_MARGIN``) across hosts."""

    def _args(self, max_wait: float) -> list[int]:
        max_wait_us = 10**15 if math.isinf(max_wait) else max(0, int(max_wait * 1_000_000))
        return [self._interval_us, max_wait_us]

    def _reservation(self, answer: Any) -> Reservation | None:
        granted, wait_us = int(answer[0]), int(answer[1])
        if not granted:
            return None
        wait = wait_us / 1_000_000
        return Reservation(self._clock.monotonic() + wait, wait)

    def _failed(self, error: Exception, max_wait: float) -> Reservation | None:
        where = redacted_url(self._url)
        if self.on_failure == "fail":
            raise RateLimiterUnavailableError(
                f"the shared rate limiter at {where} is unavailable ({type(error).__name__}); "
                "nothing was sent"
            ) from None
        self._down_until = self._clock.monotonic() + RETRY_REDIS_AFTER
        if not self._warned:
            self._warned = True
            logger.warning(
                "rate limiter at %s unavailable (%s): this process holds %.2g requests/s on its "
                "own until it is back", where, type(error).__name__, self._fallback.rate,
            )  # fmt: skip
        return self._fallback.reserve(max_wait)

    def close(self) -> None:
        """Close the sync Redis connection pool (the async one closes with its event loop)."""
        if self._sync is not None:
            self._sync.registered_client.close()

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.registered_client.aclose()
        self.close()

    def __repr__(self) -> str:
        return f"RedisLimiter({redacted_url(self._url)}, rate={self.rate})"
