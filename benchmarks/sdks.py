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
FLOORS = ("httpx-alibaba", "httpx-huawei")
"""Bare httpx sending the very request causdk sends: what the transport costs by itself."""
IMPORTS = {
    "causdk-alibaba": "import causdk",
    "causdk-huawei": "import causdk",
    "official-alibaba": "import alibabacloud_cas20200630.client",
    "official-huawei": "import huaweicloudsdkccm.v1",
}
HW_TOKEN = "emulator-huawei-token"
HW_BASE = "/v1/private-certificate-authorities"


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
    if sdk == "httpx-alibaba":
        return _bare_alibaba(url)
    if sdk == "httpx-huawei":
        return _bare_huawei(url)
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


def _bare_alibaba(url: str) -> tuple[Callable[[str], Any], Callable[[], None]]:
    """httpx posting, for each id, the request causdk would send, signed once in advance (the
    emulator refuses the replayed nonce, with an answer of the same size: the cost is the same)."""
    from datetime import datetime, timezone

    import httpx

    from causdk import AlibabaRevoker, ClientSettings
    from causdk._flow import Attempt

    revoker = AlibabaRevoker(access_key_id=ALI_AK, access_key_secret=ALI_SK, endpoint=url,
                             settings=ClientSettings(rate_limit=0))  # fmt: skip
    adapter = revoker._core.adapter  # type: ignore[attr-defined]
    params = {"Identifier": "0" * 32, "Status": "REVOKE", "ClientToken": "0" * 36}
    wire = adapter.build("UpdateCACertificateStatus", params,
                         Attempt(1, datetime.now(timezone.utc)), adapter.auth.value)  # fmt: skip
    revoker.close()
    bare, headers = httpx.Client(), dict(wire.headers)

    def revoke_bare(_ca_id: str) -> Any:
        return bare.post(wire.url, headers=headers)

    return revoke_bare, bare.close


def _bare_huawei(url: str) -> tuple[Callable[[str], Any], Callable[[], None]]:
    """httpx posting the AK/SK-signed revoke causdk sends, signed once in advance (the emulator
    answers the repeats "already revoked", the same kind of answer: the cost is the same)."""
    from datetime import datetime, timezone

    import httpx

    from causdk.providers.huawei.auth import AkSkSigner

    target = f"{url}{HW_BASE}/{'0' * 8}-0000-4000-8000-{'0' * 12}/revoke"
    headers = {"Host": target.split("://")[1].split("/")[0], "Content-Type": "application/json",
               "User-Agent": "causdk"}  # fmt: skip
    signer = AkSkSigner(HW_AK, HW_SK, domain_id=HW_DOMAIN)
    signed = signer.sign("POST", target, headers, b"{}", datetime.now(timezone.utc))
    bare = httpx.Client()

    def revoke_bare(_ca_id: str) -> Any:
        return bare.post(target, headers=signed, content=b"{}")

    return revoke_bare, bare.close


async def causdk_bulk_on(url: str, ids: list[str], concurrency: int, runner: str) -> int:
    """Revoke ``ids`` with causdk's async client on ``runner``; return how many succeeded."""
    from causdk import AsyncHuaweiRevoker

    async with AsyncHuaweiRevoker(
        access_key=HW_AK, secret_key=HW_SK, domain_id=HW_DOMAIN, endpoint=url, runner=runner
    ) as revoker:
        outcomes = await revoker.revoke_many(ids, concurrency=concurrency)
    return sum(o.ok for o in outcomes)


async def bare_bulk(url: str, ids: list[str], concurrency: int, library: str) -> int:
    """The same revokes from a bare client (token auth, no checks): the transport's ceiling."""
    import asyncio

    gate = asyncio.Semaphore(concurrency)
    headers = {"X-Auth-Token": HW_TOKEN, "Content-Type": "application/json"}
    if library == "aiohttp":
        import aiohttp

        async with aiohttp.ClientSession() as session:

            async def one(ca_id: str) -> bool:
                async with (
                    gate,
                    session.post(
                        f"{url}{HW_BASE}/{ca_id}/revoke", headers=headers, data=b"{}"
                    ) as response,
                ):
                    await response.read()
                    return response.status == 204

            return sum(await asyncio.gather(*(one(i) for i in ids)))
    import httpx

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:

        async def one_httpx(ca_id: str) -> bool:
            async with gate:
                response = await client.post(
                    f"{url}{HW_BASE}/{ca_id}/revoke", headers=headers, content=b"{}"
                )
                return response.status_code == 204

        return sum(await asyncio.gather(*(one_httpx(i) for i in ids)))
