"""The official SDKs against the emulator: proof that it speaks the real wire, not only ours."""

from __future__ import annotations

import pytest

from causdk.testing import Emulator

pytestmark = pytest.mark.official


@pytest.mark.parametrize("signature_algorithm", [None, "v2"])
def test_official_alibaba_sdk_revokes_on_the_emulator(signature_algorithm: str | None) -> None:
    cas_client = pytest.importorskip("alibabacloud_cas20200630.client")
    models = pytest.importorskip("alibabacloud_cas20200630.models")
    config_mod = pytest.importorskip("alibabacloud_tea_openapi.utils_models")
    with Emulator() as emu:
        c = emu.credentials
        config = config_mod.Config(
            access_key_id=c.alibaba_access_key_id,
            access_key_secret=c.alibaba_access_key_secret,
            endpoint=emu.url.split("://")[1],
            protocol="http",
            region_id="cn-hangzhou",
        )
        if signature_algorithm:  # "v2" is Alibaba's name for the HMAC-SHA1 RPC signature
            config.signature_algorithm = signature_algorithm
        client = cas_client.Client(config)
        target = next(ca for ca in emu.cas("alibaba") if ca.status == "ISSUE" and ca.kind != "root")
        request = models.UpdateCACertificateStatusRequest(
            identifier=target.id, status="REVOKE", client_token="official-1"
        )
        response = client.update_cacertificate_status(request)
        assert response.status_code == 200 and response.body.request_id
        again = client.update_cacertificate_status(request)  # same token: no second change
        assert again.body.request_id == response.body.request_id
        described = client.describe_cacertificate(
            models.DescribeCACertificateRequest(identifier=target.id)
        )
        assert described.body.certificate.status == "REVOKE"
        assert [ch.ca_id for ch in emu.changes] == [target.id]


def test_official_huawei_sdk_revokes_on_the_emulator() -> None:
    credentials = pytest.importorskip("huaweicloudsdkcore.auth.credentials")
    ccm = pytest.importorskip("huaweicloudsdkccm.v1")
    with Emulator() as emu:
        c = emu.credentials
        creds = credentials.GlobalCredentials(
            c.huawei_access_key, c.huawei_secret_key, c.huawei_domain_id
        )
        client = (
            ccm.CcmClient.new_builder().with_credentials(creds).with_endpoints([emu.url]).build()
        )
        target = next(
            ca for ca in emu.cas("huawei") if ca.status == "ACTIVED" and ca.kind != "root"
        )
        body = ccm.RevokeCertificateRequestBody(reason="KEY_COMPROMISE")
        response = client.revoke_certificate_authority(
            ccm.RevokeCertificateAuthorityRequest(ca_id=target.id, body=body)
        )
        assert response.status_code == 204
        shown = client.show_certificate_authority(
            ccm.ShowCertificateAuthorityRequest(ca_id=target.id)
        )
        assert shown.status == "REVOKED"
        assert [(ch.ca_id, ch.reason) for ch in emu.changes] == [(target.id, "KEY_COMPROMISE")]
