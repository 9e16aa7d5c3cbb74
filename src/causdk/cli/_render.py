"""What the command line prints: table rows and JSON objects, one per CA."""

from __future__ import annotations

from typing import Any

from causdk.errors import APIError, CausdkError
from causdk.models import Capabilities, CertificateAuthority, RevocationOutcome


def error_fields(error: BaseException) -> dict[str, Any]:
    fields: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, APIError):
        fields.update(code=error.code, status_code=error.status_code, request_id=error.request_id)
    return fields


def error_line(error: CausdkError) -> str:
    """A configuration or input error as the command line says it: message and CLI advice."""
    return f"{error.message} {type(error).cli_hint or type(error).hint}".strip()


def short_error(error: BaseException) -> str:
    """One line: the error's class and the provider's code and message, no advice."""
    if isinstance(error, APIError):
        text = f"{error.code or f'HTTP {error.status_code}'}: {error.provider_message}"
        return f"{type(error).__name__} {text} (request id {error.request_id or 'none'})"
    if isinstance(error, CausdkError):
        return f"{type(error).__name__}: {error.message}"
    return f"{type(error).__name__}: {error}"


def outcome_row(outcome: RevocationOutcome) -> list[str]:
    result = outcome.result
    if result is None:
        assert outcome.error is not None
        return [outcome.ca_id, "FAILED", "-", "-", short_error(outcome.error)]
    note = "already revoked; confirmed by a read" if result.already_revoked else ""
    if result.from_journal:
        note = "revoked by an earlier run (journal)"
    if result.confirmed_by_read and not result.already_revoked:
        note = "confirmed by a read"
    return [outcome.ca_id, "revoked", str(result.attempts), result.request_id or "-", note]


def outcome_record(outcome: RevocationOutcome) -> dict[str, Any]:
    """A revoke's JSON record: ``ok`` and the result's fields, or ``ok``, ``ca_id``, ``error``."""
    if outcome.result is not None:
        return {"ok": True, **outcome.result.model_dump(mode="json")}
    assert outcome.error is not None
    return {"ok": False, "ca_id": outcome.ca_id, "error": error_fields(outcome.error)}


def ca_row(ca: CertificateAuthority) -> list[str]:
    expires = ca.not_after.date().isoformat() if ca.not_after else "-"
    status = f"{ca.status.value} ({ca.raw_status})"
    return [ca.id, ca.kind.value, status, expires, ca.common_name or ca.subject or ""]


def ca_record(ca: CertificateAuthority) -> dict[str, Any]:
    """A CA's JSON record: the CertificateAuthority's fields but the provider's raw record."""
    return ca.model_dump(mode="json", exclude={"raw"})


def dry_run_verdict(ca: CertificateAuthority, capabilities: Capabilities) -> tuple[bool, str]:
    """Whether a revoke would go through, and why not: read from the CA, changing nothing."""
    if ca.status.value == "revoked":
        return False, "already revoked"
    if ca.status.value != "active":
        return False, f"not active ({ca.raw_status})"
    if ca.kind.value != "unknown" and ca.kind not in capabilities.revocable_kinds:
        return False, f"a {ca.kind.value} CA cannot be revoked on {capabilities.provider.value}"
    return True, "would revoke"
