"""How each SDK under test builds a client and revokes one CA on the emulator.

Imports happen inside the functions, so that a child process measures exactly what it loads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# The emulator's fixture credentials (causdk.testing.EmulatorCredentials).
ALI_AK, ALI_SK = "emulator-ak", "emulator-secret"
HW_AK, HW_SK, HW_DOMAIN = "EMULATORAK", "emulator-sk", "0a1b2c3d4e5f40718293a4b5c6d7e8f9"

SDKS = ("causdk-alibaba", "official-alibaba", "causdk-huawei", "official-huawei")
IMPORTS = {
    "causdk-alibaba": "import causdk",
    "causdk-huawei": "import causdk",
    "official-alibaba": "import alibabacloud_cas20200630.client",
    "official-huawei": "import huaweicloudsdkccm.v1",
}


def cloud_of(sdk: str) -> str:
    return sdk.split("-", 1)[1]


def make_revoke(sdk: str, url: str) -> tuple[Callable[[str], Any], Callable[[], None]]:
    """(revoke one CA id, close): a sync client of ``sdk`` pointed at the emulator."""
    if sdk == "causdk-alibaba":
        from causdk import AlibabaRevoker, ClientSettings

        ali = AlibabaRevoker(
            access_key_id=ALI_AK,
            access_key_secret=ALI_SK,
            endpoint=url,
            settings=ClientSettings(rate_limit=0),
        )
        return ali.revoke, ali.close
    if sdk == "causdk-huawei":
        from causdk import HuaweiRevoker

        hw = HuaweiRevoker(access_key=HW_AK, secret_key=HW_SK, domain_id=HW_DOMAIN, endpoint=url)
        return hw.revoke, hw.close
    if sdk == "official-alibaba":
        from alibabacloud_cas20200630 import models
        from alibabacloud_cas20200630.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        config = Config(
            access_key_id=ALI_AK,
            access_key_secret=ALI_SK,
            endpoint=url.split("://")[1],
            protocol="http",
            region_id="cn-hangzhou",
        )
        client = Client(config)

        def revoke_alibaba(ca_id: str) -> Any:
            request = models.UpdateCACertificateStatusRequest(identifier=ca_id, status="REVOKE")
            return client.update_cacertificate_status(request)

        return revoke_alibaba, lambda: None
    if sdk == "official-huawei":
        from huaweicloudsdkccm.v1 import (
            CcmClient,
            RevokeCertificateAuthorityRequest,
            RevokeCertificateRequestBody,
        )
        from huaweicloudsdkcore.auth.credentials import GlobalCredentials

        creds = GlobalCredentials(HW_AK, HW_SK, HW_DOMAIN)
        hw_client = CcmClient.new_builder().with_credentials(creds).with_endpoints([url]).build()

        def revoke_huawei(ca_id: str) -> Any:
            body = RevokeCertificateRequestBody()
            request = RevokeCertificateAuthorityRequest(ca_id=ca_id, body=body)
            return hw_client.revoke_certificate_authority(request)

        return revoke_huawei, lambda: None
    raise ValueError(sdk)


async def causdk_bulk(url: str, ids: list[str], concurrency: int) -> int:
    """Revoke ``ids`` with causdk's async client; return how many succeeded."""
    from causdk import AsyncHuaweiRevoker

    async with AsyncHuaweiRevoker(
        access_key=HW_AK, secret_key=HW_SK, domain_id=HW_DOMAIN, endpoint=url
    ) as revoker:
        outcomes = await revoker.revoke_many(ids, concurrency=concurrency)
    return sum(o.ok for o in outcomes)


def official_bulk(url: str, ids: list[str]) -> int:
    """The official SDK's fastest way: its async client (futures on a pool of 8 threads)."""
    from huaweicloudsdkccm.v1 import (
        CcmAsyncClient,
        RevokeCertificateAuthorityRequest,
        RevokeCertificateRequestBody,
    )
    from huaweicloudsdkcore.auth.credentials import GlobalCredentials

    creds = GlobalCredentials(HW_AK, HW_SK, HW_DOMAIN)
    client = CcmAsyncClient.new_builder().with_credentials(creds).with_endpoints([url]).build()
    futures = [
        client.revoke_certificate_authority_async(
            RevokeCertificateAuthorityRequest(ca_id=i, body=RevokeCertificateRequestBody())
        )
        for i in ids
    ]
    done = 0
    for future in futures:
        try:
            done += future.result().status_code == 204
        except Exception:  # noqa: S112 - a failure counts as not done
            continue
    return done
