"""A user's script, type-checked with ``mypy --strict`` in CI (``python3 run.py lint``): what a
user's type checker sees of causdk's public API. Never run; ``assert_type`` is checked only."""

from __future__ import annotations

from datetime import datetime

from typing_extensions import assert_type

import causdk
from causdk import (
    AlibabaRevoker,
    AsyncAlibabaRevoker,
    AsyncHuaweiRevoker,
    CARevoker,
    CausdkError,
    CertificateAuthority,
    CredentialInfo,
    HuaweiRevoker,
    Provider,
    RevocationOutcome,
    RevocationReason,
    RevocationResult,
)


def typed_factories() -> None:
    assert_type(causdk.create_revoker("alibaba", region="cn-hangzhou"), AlibabaRevoker)
    assert_type(causdk.create_revoker("huawei", region="cn-north-4", token="t"), HuaweiRevoker)
    assert_type(causdk.create_revoker(Provider.HUAWEI), HuaweiRevoker)
    assert_type(causdk.create_revoker(Provider("alibaba")), CARevoker)  # a run-time name
    assert_type(causdk.create_revoker(), CARevoker)  # $CAUSDK_PROVIDER
    assert_type(causdk.create_async_revoker("alibaba"), AsyncAlibabaRevoker)
    assert_type(causdk.create_async_revoker("huawei"), AsyncHuaweiRevoker)
    role = causdk.create_revoker("alibaba", role_arn="acs:ram::1:role/r", sts_endpoint="sts.x")
    assert_type(role, AlibabaRevoker)
    federated = causdk.create_revoker("huawei", idp_id="idp", id_token_file="/var/run/token")
    assert_type(federated, HuaweiRevoker)
    causdk.create_revoker("huwaei")  # type: ignore[call-overload]  # a misspelt provider
    causdk.create_revoker("huawei", regoin="x")  # type: ignore[call-overload]  # misspelt option


def typed_results(revoker: CARevoker) -> None:
    result = revoker.revoke("ca", reason=RevocationReason.KEY_COMPROMISE, confirm=True)
    assert_type(result, RevocationResult)
    assert_type(result.request_id, str | None)
    assert_type(revoker.get("ca"), CertificateAuthority)
    assert_type(revoker.whoami(), CredentialInfo)
    assert_type(revoker.credential_source, str)
    assert_type(revoker.whoami().expires_at, datetime | None)
    for ca in revoker.list(status="active"):
        assert_type(ca, CertificateAuthority)
    revoker.list(status="sleeping")  # type: ignore[arg-type]  # not a CAStatus value
    outcomes = revoker.revoke_many(["a", "b"], concurrency=4)
    assert_type(outcomes, list[RevocationOutcome])
    for outcome in outcomes:
        assert_type(outcome.error, CausdkError | None)
        assert_type(outcome.result, RevocationResult | None)


async def typed_async(revoker: AsyncAlibabaRevoker) -> None:
    assert_type(await revoker.revoke("ca"), RevocationResult)
    assert_type(await revoker.whoami(), CredentialInfo)
    async for ca in revoker.list(status=causdk.CAStatus.REVOKED):
        assert_type(ca, CertificateAuthority)
