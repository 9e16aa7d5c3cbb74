"""causdk: revoke private certificate authorities on several clouds through one interface.

    >>> import causdk
    >>> with causdk.create_revoker("huawei", region="cn-north-4") as revoker:  # doctest: +SKIP
    ...     result = revoker.revoke(ca_id, reason=causdk.RevocationReason.KEY_COMPROMISE)

Exports load lazily (PEP 562): ``import causdk`` stays cheap, and httpx, pydantic and tenacity
load when a name that needs them is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from causdk._version import __version__

if TYPE_CHECKING:
    from causdk._redact import RedactingFilter
    from causdk.client import AsyncCARevoker, CARevoker, RevokeManyInterrupted
    from causdk.clock import Clock, SystemClock
    from causdk.errors import (
        APIError,
        AuthenticationError,
        BadRequestError,
        CausdkError,
        ClientClosedError,
        ConfigurationError,
        DeadlineExceededError,
        InvalidStateError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitedError,
        ServerError,
        TransportError,
        UnexpectedResponseError,
        ValidationError,
    )
    from causdk.factory import create_async_revoker, create_revoker
    from causdk.journal import Journal
    from causdk.models import (
        CAKind,
        Capabilities,
        CAStatus,
        CAStatusName,
        CertificateAuthority,
        CredentialInfo,
        IdempotencyKind,
        Provider,
        RevocationOutcome,
        RevocationReason,
        RevocationResult,
    )
    from causdk.providers.alibaba import AlibabaRevoker, AsyncAlibabaRevoker
    from causdk.providers.huawei import AsyncHuaweiRevoker, HuaweiRevoker
    from causdk.ratelimit import GcraLimiter, RateLimiter, Reservation
    from causdk.redis_limiter import RateLimiterUnavailableError, RedisLimiter
    from causdk.secret import Secret
    from causdk.settings import ClientSettings, RetrySettings

_EXPORTS = {
    "causdk.client": ("AsyncCARevoker", "CARevoker", "RevokeManyInterrupted"),
    "causdk.clock": ("Clock", "SystemClock"),
    "causdk.errors": (
        "APIError",
        "AuthenticationError",
        "BadRequestError",
        "CausdkError",
        "ClientClosedError",
        "ConfigurationError",
        "DeadlineExceededError",
        "InvalidStateError",
        "NotFoundError",
        "PermissionDeniedError",
        "RateLimitedError",
        "ServerError",
        "TransportError",
        "UnexpectedResponseError",
        "ValidationError",
    ),
    "causdk.factory": ("create_async_revoker", "create_revoker"),
    "causdk.models": (
        "CAKind",
        "CAStatus",
        "CAStatusName",
        "Capabilities",
        "CertificateAuthority",
        "CredentialInfo",
        "IdempotencyKind",
        "Provider",
        "RevocationOutcome",
        "RevocationReason",
        "RevocationResult",
        "Secret",
    ),
    "causdk.providers.alibaba": ("AlibabaRevoker", "AsyncAlibabaRevoker"),
    "causdk.providers.huawei": ("AsyncHuaweiRevoker", "HuaweiRevoker"),
    "causdk.journal": ("Journal",),
    "causdk.ratelimit": ("GcraLimiter", "RateLimiter", "Reservation"),
    "causdk.redis_limiter": ("RateLimiterUnavailableError", "RedisLimiter"),
    "causdk.settings": ("ClientSettings", "RetrySettings"),
    "causdk._redact": ("RedactingFilter",),
    "causdk.secret": ("Secret",),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "APIError",
    "AlibabaRevoker",
    "AsyncAlibabaRevoker",
    "AsyncCARevoker",
    "AsyncHuaweiRevoker",
    "AuthenticationError",
    "BadRequestError",
    "CAKind",
    "CARevoker",
    "CAStatus",
    "CAStatusName",
    "Capabilities",
    "CausdkError",
    "CertificateAuthority",
    "ClientClosedError",
    "CredentialInfo",
    "ClientSettings",
    "Clock",
    "ConfigurationError",
    "DeadlineExceededError",
    "GcraLimiter",
    "HuaweiRevoker",
    "IdempotencyKind",
    "InvalidStateError",
    "Journal",
    "NotFoundError",
    "PermissionDeniedError",
    "Provider",
    "RateLimitedError",
    "RateLimiter",
    "RateLimiterUnavailableError",
    "RedactingFilter",
    "RedisLimiter",
    "Reservation",
    "RetrySettings",
    "RevocationOutcome",
    "RevocationReason",
    "RevocationResult",
    "RevokeManyInterrupted",
    "Secret",
    "ServerError",
    "SystemClock",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "__version__",
    "create_async_revoker",
    "create_revoker",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'causdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
