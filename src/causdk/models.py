"""Typed, immutable models shared by every provider."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from causdk.errors import CausdkError

__all__ = [
    "CAKind",
    "CAStatus",
    "Capabilities",
    "CertificateAuthority",
    "CredentialInfo",
    "IdempotencyKind",
    "Page",
    "Provider",
    "RevocationOutcome",
    "RevocationReason",
    "RevocationResult",
]


class _Frozen(BaseModel):
    # defer_build: a model's validator is built when first used, not at import.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Provider(str, enum.Enum):
    """A cloud that causdk can revoke certificate authorities on."""

    ALIBABA = "alibaba"
    HUAWEI = "huawei"

    def __str__(self) -> str:
        return self.value


class RevocationReason(str, enum.Enum):
    """Why a CA is revoked: the nine names of the Huawei API, which are RFC 5280's CRLReason.

    The names are the wire values; :attr:`rfc5280_code` is the ASN.1 CRLReason number
    (code 7 is unused in RFC 5280, and removeFromCRL, code 8, is no reason to revoke).
    """

    UNSPECIFIED = "UNSPECIFIED"
    KEY_COMPROMISE = "KEY_COMPROMISE"
    CERTIFICATE_AUTHORITY_COMPROMISE = "CERTIFICATE_AUTHORITY_COMPROMISE"
    AFFILIATION_CHANGED = "AFFILIATION_CHANGED"
    SUPERSEDED = "SUPERSEDED"
    CESSATION_OF_OPERATION = "CESSATION_OF_OPERATION"
    CERTIFICATE_HOLD = "CERTIFICATE_HOLD"
    PRIVILEGE_WITHDRAWN = "PRIVILEGE_WITHDRAWN"
    ATTRIBUTE_AUTHORITY_COMPROMISE = "ATTRIBUTE_AUTHORITY_COMPROMISE"

    @property
    def rfc5280_code(self) -> int:
        """The CRLReason code of RFC 5280, section 5.3.1."""
        return _RFC5280_CODES[self]

    def __str__(self) -> str:
        return self.value


_RFC5280_CODES = {
    RevocationReason.UNSPECIFIED: 0,
    RevocationReason.KEY_COMPROMISE: 1,
    RevocationReason.CERTIFICATE_AUTHORITY_COMPROMISE: 2,
    RevocationReason.AFFILIATION_CHANGED: 3,
    RevocationReason.SUPERSEDED: 4,
    RevocationReason.CESSATION_OF_OPERATION: 5,
    RevocationReason.CERTIFICATE_HOLD: 6,
    RevocationReason.PRIVILEGE_WITHDRAWN: 9,
    RevocationReason.ATTRIBUTE_AUTHORITY_COMPROMISE: 10,
}


class CAStatus(str, enum.Enum):
    """One status vocabulary for every cloud; the provider's own word stays in ``raw_status``."""

    ACTIVE = "active"
    REVOKED = "revoked"
    DISABLED = "disabled"
    EXPIRED = "expired"
    PENDING = "pending"
    DELETED = "deleted"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


CAStatusName = Literal["active", "revoked", "disabled", "expired", "pending", "deleted", "unknown"]
"""A :class:`CAStatus` by its value, where a plain string is handier than the enum."""


class CAKind(str, enum.Enum):
    """Where a CA stands in its hierarchy."""

    ROOT = "root"
    SUBORDINATE = "subordinate"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


class IdempotencyKind(str, enum.Enum):
    """How a provider lets a repeated revoke have the effect of one."""

    CLIENT_TOKEN = "client_token"  # noqa: S105 - a name, not a secret
    """The provider deduplicates by a caller-chosen token (Alibaba's ClientToken)."""
    NONE = "none"
    """No token: causdk reads the CA back after an ambiguous retry instead (Huawei)."""


class Capabilities(_Frozen):
    """What one provider's API supports, so that callers can ask instead of guessing."""

    provider: Provider
    supports_reason: bool
    """Whether the revoke call carries a revocation reason to the provider."""
    reasons: tuple[RevocationReason, ...]
    """The reasons the provider accepts on the wire (empty when it takes none)."""
    idempotency: IdempotencyKind
    default_rate_limit: float | None
    """Requests per second per account that causdk holds to by default (None: no limit)."""
    revocable_kinds: tuple[CAKind, ...]
    """Which kinds of CA the provider lets you revoke."""


class CredentialInfo(_Frozen):
    """Who a client acts as, and where: what ``whoami()`` and ``causdk whoami`` show.

    Never a secret: the source names where the credentials came from, not what they are.
    """

    provider: Provider
    region: str | None
    endpoint: str
    credential_source: str
    """e.g. ``env``, ``oidc_role_arn``, ``cli_profile:ops/ram_role_arn``, ``ecs_metadata``."""
    expires_at: datetime | None
    """When the credentials in use expire (they are refreshed before); None if they do not."""
    account: str
    """What the rate limit is counted by: the account, role or AccessKey id."""


class CertificateAuthority(_Frozen):
    """A private CA as read from a provider."""

    id: str
    provider: Provider
    status: CAStatus
    raw_status: str = Field(description="The provider's own status word, e.g. ISSUE or ACTIVED.")
    kind: CAKind
    common_name: str | None = None
    subject: str | None = Field(default=None, description="The distinguished name, when given.")
    issuer_id: str | None = None
    serial_number: str | None = None
    not_before: datetime | None = None
    not_after: datetime | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)
    """The provider's record, unchanged."""

    @property
    def is_revoked(self) -> bool:
        """True when the provider reports the CA as revoked."""
        return self.status is CAStatus.REVOKED


class RevocationResult(_Frozen):
    """What a successful revoke did."""

    provider: Provider
    ca_id: str
    reason: RevocationReason | None
    reason_sent: bool
    """False when the provider's API takes no reason (Alibaba): the reason is kept here only."""
    request_id: str | None
    """The provider's request id of the call that succeeded (or of the read that confirmed it)."""
    client_token: str | None = None
    """The idempotency token sent, where the provider takes one; reuse it to repeat safely."""
    attempts: int = Field(ge=1)
    """HTTP attempts the revoke call took (retries included; confirmation reads not counted)."""
    confirmed_by_read: bool = False
    """True when causdk read the CA back and saw it revoked."""
    already_revoked: bool = False
    """True when the revoke call failed after an ambiguous earlier attempt and a read showed the CA
    revoked: the revocation happened, most likely by this call's earlier attempt."""
    from_journal: bool = False
    """True when a bulk job's journal showed the CA revoked by an earlier run of the job: nothing
    was sent this time."""


class RevocationOutcome(_Frozen):
    """One CA's outcome in :meth:`CARevoker.revoke_many`: a result or the error, never both."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", arbitrary_types_allowed=True, defer_build=True
    )

    ca_id: str
    result: RevocationResult | None = None
    error: CausdkError | None = Field(default=None, repr=False)

    @model_validator(mode="after")
    def _exactly_one(self) -> RevocationOutcome:
        if (self.result is None) == (self.error is None):
            raise ValueError("an outcome holds a result or an error, exactly one")
        return self

    @property
    def ok(self) -> bool:
        """True when the CA was revoked."""
        return self.result is not None

    @property
    def status(self) -> Literal["revoked", "failed"]:
        """``revoked`` or ``failed``."""
        return "revoked" if self.ok else "failed"


class Page(_Frozen):
    """One page of a listing; ``next_cursor`` is None on the last page."""

    items: tuple[CertificateAuthority, ...]
    next_cursor: int | None
    total: int | None = None
