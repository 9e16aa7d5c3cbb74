"""The contract between the provider-agnostic core and one provider's package.

An adapter is pure: it validates input, builds and signs requests, and parses responses, all
through flows (:mod:`causdk._flow`). It never does I/O itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, NamedTuple

from causdk._auth import Authorizer
from causdk._flow import Flow, Runtime, Trace
from causdk.models import (
    Capabilities,
    CAStatus,
    CertificateAuthority,
    Page,
    Provider,
    RevocationReason,
)


class RevokeRequest(NamedTuple):
    """A validated revoke: the CA, the reason (if any) and the idempotency token (if any)."""

    ca_id: str
    reason: RevocationReason | None
    client_token: str | None


class ProviderAdapter(ABC):
    """What a provider must say: how to revoke, read and list, and what it supports."""

    provider: Provider
    capabilities: Capabilities
    auth: Authorizer[Any]
    """Where each call's credentials come from."""
    endpoint: str
    region: str | None = None

    @property
    @abstractmethod
    def account_key(self) -> str:
        """What the provider's rate limit is counted by (an account or key id)."""

    @abstractmethod
    def validate_ca_id(self, ca_id: str) -> str:
        """Return the id if it is well formed, else raise ValidationError."""

    def prepare_client_token(self, client_token: str | None) -> str | None:
        """Validate a caller's idempotency token or make one; None where the API takes none."""
        return None

    @abstractmethod
    def revoke(self, rt: Runtime, request: RevokeRequest, trace: Trace) -> Flow[str | None]:
        """Revoke the CA; return the provider's request id."""

    @abstractmethod
    def get(self, rt: Runtime, ca_id: str) -> Flow[CertificateAuthority]:
        """Read one CA."""

    @abstractmethod
    def list_page(
        self, rt: Runtime, cursor: int, status: CAStatus | None, page_size: int
    ) -> Flow[Page]:
        """Read one page of CAs, starting at ``cursor`` (the adapter's own page or offset)."""

    @property
    @abstractmethod
    def first_cursor(self) -> int:
        """The cursor of the first page."""
