"""Settings every client shares, whatever the provider."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ClientSettings", "RetrySettings"]


class RetrySettings(BaseModel):
    """When and how long causdk retries.

    Retries happen only on transport errors, 5xx, throttling and the few signature-timing codes
    that a fresh signature cures; waits are exponential with full jitter, or what the provider
    asked for (Retry-After), whichever it said.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    max_attempts: int = Field(default=5, ge=1, le=20)
    initial_backoff: float = Field(default=0.25, gt=0)
    max_backoff: float = Field(default=8.0, gt=0)
    max_retry_after: float = Field(default=60.0, gt=0)
    """The longest wait causdk honours when a provider asks for one."""


class ClientSettings(BaseModel):
    """Timeouts, network and retry settings for one client.

    ``deadline`` bounds one logical operation as a whole: rate-limit waits, back-off, every
    attempt's I/O (a server trickling bytes included) and the calls it makes on the way (a read
    back, a token fetch or refresh). The connect and read timeouts bound each HTTP attempt within
    it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=15.0, gt=0)
    deadline: float = Field(default=120.0, gt=0)
    retry: RetrySettings = RetrySettings()
    proxy: str | None = Field(default=None, repr=False)
    """A proxy URL for every request; otherwise the usual environment variables apply. Kept out
    of reprs, since it may carry a user and password."""
    trust_env: bool = True
    """Read HTTP(S)_PROXY, NO_PROXY and SSL_CERT_FILE from the environment, as httpx does."""
    verify_tls: bool = True
    ca_bundle: Path | None = None
    """A PEM bundle to verify the provider's certificate with, instead of the system's."""
    max_response_bytes: int = Field(default=1024 * 1024, ge=1024)
    """The most an answer's body may hold, decompressed or not; a larger one is an
    UnexpectedResponseError and its connection is closed."""
    max_pages: int = Field(default=1000, ge=1)
    """The most pages one ``list()`` reads before it stops with an UnexpectedResponseError."""
    allow_insecure_http: bool = False
    """Allow an ``http://`` endpoint outside loopback (credentials would travel in clear); also
    ``CAUSDK_ALLOW_INSECURE_HTTP=1``. Loopback (the emulator) is always allowed."""
    rate_limit_redis_url: str | None = Field(default=None, repr=False)
    """Share each account's rate limit through Redis (``redis://[:password@]host:6379/0``) with
    every process on every host; also ``CAUSDK_RATE_LIMIT_REDIS_URL``. Needs the ``redis``
    extra. Kept out of reprs: it may carry a password."""
    rate_limit_redis_failure: Literal["fallback", "fail"] = "fallback"
    """Redis unreachable: ``fallback`` to a local limit at a quarter of the rate (one WARNING), or
    ``fail`` closed with RateLimiterUnavailableError."""
    rate_limit: float | None = Field(default=None, ge=0)
    """Requests per second per account; None takes the provider's default, 0 turns it off."""
    user_agent_suffix: str | None = None
    """Appended to causdk's user agent, e.g. your application's name and version."""
