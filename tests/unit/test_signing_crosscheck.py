"""Both providers' signers against Alibaba's and Huawei's published examples and official code.

The official packages are test-only dependencies (the ``official`` extra); without them the
random cross-checks are skipped and the published vectors still run.
"""

from __future__ import annotations

import hashlib
import random
import string
from typing import Any

import pytest

from causdk.providers.alibaba.signing import EMPTY_SHA256, sign_v1, sign_v3
from causdk.providers.huawei import signing as huawei_signing

ALPHABET = string.ascii_letters + string.digits + " -_.~*/+=&%é中:"


def _text(rng: random.Random, low: int = 1, high: int = 24) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(low, high)))


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(8))


# -- published vectors -------------------------------------------------------------------------


def test_alibaba_v1_published_example() -> None:
    params = {
        "AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML",
        "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0", "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26",
    }  # fmt: skip
    assert sign_v1("GET", params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert sign_v1("POST", params, "testsecret") == "MxbnVAM4w6sft9xjVpe/GCKueuk="


def test_alibaba_v1_worked_example_for_cas() -> None:
    params = {
        "AccessKeyId": "testid", "Action": "UpdateCACertificateStatus", "ClientToken": "tok",
        "Format": "json", "Identifier": "abc", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3156853299f313e23d1673dc12e1703d", "SignatureVersion": "1.0",
        "Status": "REVOKE", "Timestamp": "2023-10-26T10:22:32Z", "Version": "2020-06-30",
    }  # fmt: skip
    assert sign_v1("POST", params, "testsecret") == "eYd+/QeVqK8VV1Q70233KI+mueY="
    params["SecurityToken"] = "STS.token"
    assert sign_v1("POST", params, "testsecret") == "vi5tGC9JCpVXkD9jGuPUgEdGCJA="


def test_alibaba_v3_published_example() -> None:
    headers = {
        "host": "ecs.cn-shanghai.aliyuncs.com", "x-acs-action": "RunInstances",
        "x-acs-version": "2014-05-26", "x-acs-date": "2023-10-26T10:22:32Z",
        "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
        "x-acs-content-sha256": EMPTY_SHA256,
    }  # fmt: skip
    query = {"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
             "RegionId": "cn-shanghai"}  # fmt: skip
    auth = sign_v3(method="POST", path="/", query=query, headers=headers,
                   access_key_id="YourAccessKeyId", secret="YourAccessKeySecret")  # fmt: skip
    assert auth.endswith(
        "Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    )


def test_alibaba_v3_worked_example_for_cas() -> None:
    headers = {
        "host": "cas.aliyuncs.com", "x-acs-action": "UpdateCACertificateStatus",
        "x-acs-version": "2020-06-30", "x-acs-date": "2023-10-26T10:22:32Z",
        "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
        "x-acs-content-sha256": EMPTY_SHA256,
    }  # fmt: skip
    query = {"ClientToken": "tok", "Identifier": "abc", "Status": "REVOKE"}
    auth = sign_v3(method="POST", path="/", query=query, headers=headers,
                   access_key_id="testid", secret="testsecret")  # fmt: skip
    assert auth == (
        "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;"
        "x-acs-date;x-acs-signature-nonce;x-acs-version,"
        "Signature=55c3c2d2a73da288b0d97a3617823ce77c09f97f56245916e5ba20c47f6009b2"
    )


# -- random inputs against the official code ----------------------------------------------------


@pytest.mark.official
@pytest.mark.parametrize("seed", range(200))
def test_alibaba_v1_matches_official_util(seed: int) -> None:
    util = pytest.importorskip("alibabacloud_openapi_util.client").Client
    rng = random.Random(seed)
    params = {_text(rng, 1, 12).replace(" ", "K"): _text(rng) for _ in range(rng.randint(1, 8))}
    params.update(Identifier=_text(rng), ClientToken=_text(rng), Status="REVOKE")
    secret, method = _text(rng, 8, 40), rng.choice(["GET", "POST"])
    assert sign_v1(method, params, secret) == util.get_rpcsignature(params, method, secret)


class _UtilRequest:
    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


@pytest.mark.official
@pytest.mark.parametrize("seed", range(200))
def test_alibaba_v3_matches_official_util(seed: int) -> None:
    util = pytest.importorskip("alibabacloud_openapi_util.client").Client
    rng = random.Random(seed)
    # Names as APIs spell them: the official util encodes only values, not names.
    query = {_name(rng): _text(rng) for _ in range(rng.randint(0, 6))}
    body = _text(rng, 0, 40).encode()
    payload = hashlib.sha256(body).hexdigest()
    headers = {
        "host": "cas.aliyuncs.com", "x-acs-action": "UpdateCACertificateStatus",
        "x-acs-version": "2020-06-30", "x-acs-date": "2024-01-02T03:04:05Z",
        "x-acs-signature-nonce": hashlib.md5(str(seed).encode()).hexdigest(),  # noqa: S324
        "x-acs-content-sha256": payload, "accept": "application/json",
        "user-agent": f"causdk/{seed}  ",
    }  # fmt: skip
    if rng.random() < 0.5:
        headers["x-acs-security-token"] = _text(rng, 20, 60)
    key_id, secret = _text(rng, 8, 20).replace(" ", "x"), _text(rng, 8, 40)
    ours = sign_v3(method="POST", path="/", query=query, headers=headers,
                   access_key_id=key_id, secret=secret)  # fmt: skip
    request = _UtilRequest(method="POST", pathname="/", query=dict(query), headers=dict(headers))
    theirs = util.get_authorization(request, "ACS3-HMAC-SHA256", payload, key_id, secret)
    assert ours == theirs


@pytest.mark.official
@pytest.mark.parametrize("seed", range(200))
def test_huawei_aksk_matches_official_signer(seed: int) -> None:
    signer_mod = pytest.importorskip("huaweicloudsdkcore.signer.signer")
    sdk_request = pytest.importorskip("huaweicloudsdkcore.sdk_request")
    rng = random.Random(seed)
    ak, sk = _text(rng, 8, 20).replace(" ", "A"), _text(rng, 8, 40)
    path = "/v1/private-certificate-authorities/" + "/".join(
        _text(rng, 1, 10).replace("/", "_").replace("%", "_") for _ in range(rng.randint(1, 3))
    )
    query = [(_text(rng, 1, 8).replace(" ", "q"), _text(rng)) for _ in range(rng.randint(0, 4))]
    body = rng.choice([b"", b"{}", b'{"reason":"KEY_COMPROMISE"}', _text(rng).encode()])
    headers = {
        "Host": "ccm.cn-north-4.myhuaweicloud.com", "Content-Type": "application/json",
        "X-Sdk-Date": "20240102T030405Z", "X-Domain-Id": _text(rng, 5, 32).strip() or "d",
    }  # fmt: skip
    if rng.random() < 0.5:
        headers["X-Security-Token"] = _text(rng, 10, 50).strip() or "t"

    class Credentials:
        pass

    creds = Credentials()
    creds.ak, creds.sk = ak, sk  # type: ignore[attr-defined]
    request = sdk_request.SdkRequest(
        method="POST", schema="https", host=headers["Host"], resource_path=path,
        query_params=list(query), header_params=dict(headers), body=body,
    )  # fmt: skip
    theirs = signer_mod.Signer(creds).sign(request).header_params["Authorization"]
    from urllib.parse import quote, urlencode

    url = "https://" + headers["Host"] + quote(path, safe="/") + "?" + urlencode(query)
    ours = huawei_signing.authorization(
        method="POST", url=url, headers=headers, body=body, access_key=ak, secret_key=sk
    )
    assert ours == theirs
