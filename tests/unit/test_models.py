from __future__ import annotations

import pydantic
import pytest

import causdk
from causdk.models import CAKind, CAStatus, CertificateAuthority, Provider, RevocationReason


def test_public_api_imports_lazily_and_resolves() -> None:
    for name in causdk.__all__:
        assert getattr(causdk, name) is not None
    with pytest.raises(AttributeError):
        _ = causdk.NoSuchThing  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        (RevocationReason.UNSPECIFIED, 0),
        (RevocationReason.KEY_COMPROMISE, 1),
        (RevocationReason.CERTIFICATE_AUTHORITY_COMPROMISE, 2),
        (RevocationReason.AFFILIATION_CHANGED, 3),
        (RevocationReason.SUPERSEDED, 4),
        (RevocationReason.CESSATION_OF_OPERATION, 5),
        (RevocationReason.CERTIFICATE_HOLD, 6),
        (RevocationReason.PRIVILEGE_WITHDRAWN, 9),
        (RevocationReason.ATTRIBUTE_AUTHORITY_COMPROMISE, 10),
    ],
)
def test_reasons_know_their_rfc5280_code(reason: RevocationReason, code: int) -> None:
    assert reason.rfc5280_code == code


def test_there_are_exactly_the_nine_huawei_reasons() -> None:
    assert len(RevocationReason) == 9
    assert str(RevocationReason.KEY_COMPROMISE) == "KEY_COMPROMISE"


def test_models_are_immutable() -> None:
    ca = CertificateAuthority(
        id="x", provider=Provider.HUAWEI, status=CAStatus.ACTIVE, raw_status="ACTIVED",
        kind=CAKind.SUBORDINATE,
    )  # fmt: skip
    with pytest.raises(pydantic.ValidationError):
        ca.status = CAStatus.REVOKED  # type: ignore[misc]
    assert not ca.is_revoked


def test_outcome_is_a_result_or_an_error_exactly_one() -> None:
    failed = causdk.RevocationOutcome(ca_id="a", error=causdk.CausdkError("x"))
    assert not failed.ok and failed.status == "failed"
    with pytest.raises(pydantic.ValidationError):
        causdk.RevocationOutcome(ca_id="a")
