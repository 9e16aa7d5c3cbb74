"""The Huawei adapter over respx: body, 204, errors, token refresh, read-back, ids, credentials."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone

import httpx
import pytest
import respx

from causdk import CAKind, CAStatus, RevocationReason
from causdk.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    UnexpectedResponseError,
    ValidationError,
)
from causdk.providers.huawei import (
    AsyncHuaweiRevoker,
    HuaweiRevoker,
    TokenAuth,
    endpoint_for,
    revoke_body,
)
from causdk.providers.huawei.client import build_adapter
from causdk.providers.huawei.signing import parse_authorization
from tests.conftest import FakeClock

ENDPOINT = "https://ccm.cn-north-4.myhuaweicloud.com"
IAM = "https://iam.cn-north-4.myhuaweicloud.com"
CA = "0123abcd-0123-4567-89ab-0123456789ab"
BASE = f"{ENDPOINT}/v1/private-certificate-authorities"
REVOKE = f"{BASE}/{CA}/revoke"
TOKEN = "huawei-static-token-value"


def err(status: int, code: str, message: str = "m") -> httpx.Response:
    return httpx.Response(
        status, json={"error_code": code, "error_msg": message}, headers={"X-Request-Id": "hw-req"}
    )


def record(
    ca_id: str = CA, status: str = "ACTIVED", kind: str = "SUBORDINATE"
) -> dict[str, object]:
    return {"ca_id": ca_id, "type": kind, "status": status, "issuer_id": "root-id",
            "serial_number": "0a", "not_before": 1700000000000, "not_after": 1800000000000,
            "distinguished_name": {"common_name": "issuing", "organization": "Org",
                                   "country": "CN"}}  # fmt: skip


@pytest.fixture
def revoker(clock: FakeClock) -> HuaweiRevoker:
    return HuaweiRevoker(token=TOKEN, region="cn-north-4", clock=clock)


# -- the body and the answer -------------------------------------------------------------------


@respx.mock
def test_no_reason_sends_exactly_an_empty_object(revoker: HuaweiRevoker) -> None:
    route = respx.post(REVOKE).mock(
        return_value=httpx.Response(204, headers={"X-Request-Id": "r1"})
    )
    result = revoker.revoke(CA)
    request = route.calls[0].request
    assert request.content == b"{}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-auth-token"] == TOKEN
    assert result.request_id == "r1" and result.reason is None and not result.reason_sent


@pytest.mark.parametrize("reason", list(RevocationReason))
@respx.mock
def test_each_reason_is_sent_by_name(revoker: HuaweiRevoker, reason: RevocationReason) -> None:
    route = respx.post(REVOKE).mock(return_value=httpx.Response(204))
    result = revoker.revoke(CA, reason=reason.value.lower())  # names are case-insensitive
    assert json.loads(route.calls[0].request.content) == {"reason": reason.value}
    assert result.reason is reason and result.reason_sent


@respx.mock
def test_an_unknown_reason_sends_nothing(revoker: HuaweiRevoker) -> None:
    route = respx.post(REVOKE).mock(return_value=httpx.Response(204))
    with pytest.raises(ValidationError, match="KEY_COMPROMISE"):
        revoker.revoke(CA, reason="because")
    assert route.call_count == 0


def test_revoke_body_bytes() -> None:
    assert revoke_body(None) == b"{}"
    assert revoke_body(RevocationReason.SUPERSEDED) == b'{"reason":"SUPERSEDED"}'


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json={}, headers={"X-Request-Id": "r2"}),
        httpx.Response(200, text="<html>Welcome to the hotel wifi</html>"),
        httpx.Response(202),
        httpx.Response(200, json={"error_code": "PCA.1", "error_msg": "no"}),
    ],
)
@respx.mock
def test_only_204_is_success_else_the_ca_is_read_back(
    revoker: HuaweiRevoker, answer: httpx.Response
) -> None:
    respx.post(REVOKE).mock(return_value=answer)
    read = respx.get(f"{BASE}/{CA}").mock(return_value=httpx.Response(200, json=record()))
    with pytest.raises(UnexpectedResponseError):
        revoker.revoke(CA)  # the CA still reads ACTIVED: not revoked, whatever the 2xx said
    assert read.call_count == 1


@respx.mock
def test_a_non_204_success_counts_only_when_a_read_shows_the_ca_revoked(
    revoker: HuaweiRevoker,
) -> None:
    respx.post(REVOKE).mock(return_value=httpx.Response(200, json={}))
    respx.get(f"{BASE}/{CA}").mock(return_value=httpx.Response(200, json=record(status="REVOKED")))
    result = revoker.revoke(CA)
    assert result.confirmed_by_read and result.already_revoked


@pytest.mark.parametrize(
    "ca_id",
    ["", "x", CA.upper(), CA + "/", "../" + CA[3:], CA[:-1] + " ", CA[:-1] + "?",
     f"{CA[:35]}", f"{CA}0", "0123abcd_0123-4567-89ab-0123456789ab"],
)  # fmt: skip
@respx.mock
def test_malformed_ca_ids_send_nothing(revoker: HuaweiRevoker, ca_id: str) -> None:
    router = respx.route().mock(return_value=httpx.Response(204))
    with pytest.raises(ValidationError):
        revoker.revoke(ca_id)
    with pytest.raises(ValidationError):
        revoker.get(ca_id)
    assert router.call_count == 0


# -- errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "error", "attempts"),
    [
        (err(400, "PCA.10010004", "The CA has been revoked."), InvalidStateError, 1),
        (err(400, "PCA.10010005", "A root CA cannot be revoked."), InvalidStateError, 1),
        (err(400, "PCA.10010003", "Only an activated CA can be revoked; status DISABLED"),
         InvalidStateError, 1),
        (err(400, "PCA.00020001", "Incorrect parameter."), BadRequestError, 1),
        (err(403, "PCA.00010003", "Forbidden"), PermissionDeniedError, 1),
        (err(404, "PCA.10010002", "The CA does not exist."), NotFoundError, 1),
        (err(429, "APIGW.0308", "throttled"), RateLimitedError, 5),
        (err(500, "PCA.00010001", "internal"), ServerError, 5),
    ],
)  # fmt: skip
@respx.mock
def test_errors_map_by_status_and_code(
    revoker: HuaweiRevoker, response: httpx.Response, error: type[Exception], attempts: int
) -> None:
    respx.get(f"{BASE}/{CA}").mock(return_value=httpx.Response(200, json=record()))
    route = respx.post(REVOKE).mock(return_value=response)
    with pytest.raises(error) as info:
        revoker.revoke(CA)
    assert route.call_count == attempts
    assert info.value.code == json.loads(response.content)["error_code"]  # type: ignore[attr-defined]
    assert info.value.request_id == "hw-req"  # type: ignore[attr-defined]


@respx.mock
def test_a_static_token_gets_no_second_try_on_401(revoker: HuaweiRevoker) -> None:
    route = respx.post(REVOKE).mock(return_value=err(401, "APIGW.0307", "token expired"))
    with pytest.raises(AuthenticationError):
        revoker.revoke(CA)
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(502, text="<html>Bad Gateway</html>"), ServerError),
        (httpx.Response(400, text="<html>oops</html>"), UnexpectedResponseError),
        (httpx.Response(400, content=b""), UnexpectedResponseError),
        (httpx.Response(401, content=b""), AuthenticationError),
        (httpx.Response(200, text="not json"), UnexpectedResponseError),
        (httpx.Response(200, json={"status": "ACTIVED"}), UnexpectedResponseError),
    ],
)
@respx.mock
def test_malformed_answers_keep_the_request_id(
    revoker: HuaweiRevoker, response: httpx.Response, error: type[Exception]
) -> None:
    response.headers["X-Request-Id"] = "hw-raw"
    respx.get(f"{BASE}/{CA}").mock(return_value=response)
    with pytest.raises(error) as info:
        revoker.get(CA)
    assert info.value.request_id == "hw-raw"  # type: ignore[attr-defined]


# -- exactly once: read back after an ambiguous retry ----------------------------------------------


@respx.mock
def test_already_revoked_after_a_timeout_is_success_confirmed_by_a_read(
    revoker: HuaweiRevoker,
) -> None:
    respx.post(REVOKE).mock(
        side_effect=[
            httpx.ReadTimeout("lost"),
            err(400, "PCA.10010004", "The CA has been revoked."),
        ]
    )
    show = respx.get(f"{BASE}/{CA}").mock(
        return_value=httpx.Response(200, json=record(status="REVOKED"))
    )
    result = revoker.revoke(CA, reason=RevocationReason.KEY_COMPROMISE)
    assert result.confirmed_by_read and result.already_revoked and show.call_count == 1


@respx.mock
def test_already_revoked_after_a_5xx_but_read_shows_active_raises(revoker: HuaweiRevoker) -> None:
    respx.post(REVOKE).mock(side_effect=[err(500, "X"), err(400, "PCA.10010004", "revoked")])
    respx.get(f"{BASE}/{CA}").mock(return_value=httpx.Response(200, json=record()))
    with pytest.raises(InvalidStateError):
        revoker.revoke(CA)


@respx.mock
def test_already_revoked_on_first_try_is_an_error_not_a_success(revoker: HuaweiRevoker) -> None:
    respx.post(REVOKE).mock(return_value=err(400, "PCA.10010004", "The CA has been revoked."))
    show = respx.get(f"{BASE}/{CA}")
    with pytest.raises(InvalidStateError):
        revoker.revoke(CA)
    assert show.call_count == 0


# -- reads ---------------------------------------------------------------------------------------------


@respx.mock
def test_get_maps_status_kind_subject_and_dates(revoker: HuaweiRevoker) -> None:
    respx.get(f"{BASE}/{CA}").mock(return_value=httpx.Response(200, json=record(status="ACTIVED")))
    ca = revoker.get(CA)
    assert ca.status is CAStatus.ACTIVE and ca.raw_status == "ACTIVED"
    assert ca.kind is CAKind.SUBORDINATE and ca.subject == "CN=issuing,O=Org,C=CN"
    assert ca.not_after == datetime.fromtimestamp(1800000000, tz=timezone.utc)


@respx.mock
def test_unknown_status_is_kept_as_unknown(revoker: HuaweiRevoker) -> None:
    respx.get(f"{BASE}/{CA}").mock(return_value=httpx.Response(200, json=record(status="FROZEN")))
    ca = revoker.get(CA)
    assert ca.status is CAStatus.UNKNOWN and ca.raw_status == "FROZEN"


@respx.mock
def test_list_pages_by_offset_with_filters(revoker: HuaweiRevoker) -> None:
    ids = [f"0123abcd-0123-4567-89ab-{i:012d}" for i in range(5)]

    def answer(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        assert params["status"] == "REVOKED" and params["limit"] == "2"
        offset = int(params["offset"])
        chunk = [record(i, "REVOKED") for i in ids[offset : offset + 2]]
        return httpx.Response(200, json={"total": 5, "certificate_authorities": chunk})

    route = respx.get(BASE).mock(side_effect=answer)
    assert [ca.id for ca in revoker.list(status=CAStatus.REVOKED, page_size=2)] == ids
    assert route.call_count == 3


# -- authentication -------------------------------------------------------------------------------------


def _iam_answer(token: str, hours: int = 24) -> httpx.Response:
    expires = (datetime.now(timezone.utc) + timedelta(hours=hours)).isoformat()
    return httpx.Response(
        201, headers={"X-Subject-Token": token}, json={"token": {"expires_at": expires}}
    )


def _iam_client(clock: FakeClock) -> HuaweiRevoker:
    return HuaweiRevoker(iam_user="ops", iam_password="iam-password-value", iam_domain="acme",
                         region="cn-north-4", clock=clock)  # fmt: skip


@respx.mock
def test_iam_token_is_fetched_once_and_reused(clock: FakeClock) -> None:
    iam = respx.post(f"{IAM}/v3/auth/tokens").mock(return_value=_iam_answer("iam-token-one-1"))
    route = respx.post(REVOKE).mock(return_value=httpx.Response(204))
    client = _iam_client(clock)
    client.revoke(CA)
    client.revoke(CA)
    body = json.loads(iam.calls[0].request.content)
    assert body["auth"]["identity"]["password"]["user"]["domain"] == {"name": "acme"}
    assert body["auth"]["scope"] == {"project": {"name": "cn-north-4"}}
    assert iam.call_count == 1
    assert {c.request.headers["x-auth-token"] for c in route.calls} == {"iam-token-one-1"}


@respx.mock
def test_a_401_refreshes_the_iam_token_once_and_repeats(clock: FakeClock) -> None:
    iam = respx.post(f"{IAM}/v3/auth/tokens").mock(
        side_effect=[_iam_answer("iam-token-old-1"), _iam_answer("iam-token-new-1")]
    )
    route = respx.post(REVOKE).mock(
        side_effect=[err(401, "APIGW.0307", "token expired"), httpx.Response(204)]
    )
    _iam_client(clock).revoke(CA)
    assert iam.call_count == 2
    assert [c.request.headers["x-auth-token"] for c in route.calls] == [
        "iam-token-old-1", "iam-token-new-1",
    ]  # fmt: skip


@respx.mock
def test_a_second_401_is_an_authentication_error(clock: FakeClock) -> None:
    respx.post(f"{IAM}/v3/auth/tokens").mock(return_value=_iam_answer("iam-token-bad-1"))
    route = respx.post(REVOKE).mock(return_value=err(401, "APIGW.0307", "no"))
    with pytest.raises(AuthenticationError):
        _iam_client(clock).revoke(CA)
    assert route.call_count == 2


@respx.mock
def test_a_token_near_expiry_is_refreshed(clock: FakeClock) -> None:
    iam = respx.post(f"{IAM}/v3/auth/tokens").mock(
        side_effect=[_iam_answer("iam-token-a-1", hours=1), _iam_answer("iam-token-b-1")]
    )
    respx.post(REVOKE).mock(return_value=httpx.Response(204))
    client = _iam_client(clock)
    client.revoke(CA)
    clock.sleep(55 * 60)  # within the 10-minute refresh margin
    client.revoke(CA)
    assert iam.call_count == 2


@respx.mock
async def test_concurrent_calls_share_one_token_fetch(clock: FakeClock) -> None:
    async def slow_iam(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return _iam_answer("iam-token-shared-1")

    iam = respx.post(f"{IAM}/v3/auth/tokens").mock(side_effect=slow_iam)
    respx.post(REVOKE).mock(return_value=httpx.Response(204))
    async with AsyncHuaweiRevoker(iam_user="ops", iam_password="iam-password-value",
                                  iam_domain="acme", region="cn-north-4") as client:  # fmt: skip
        results = await asyncio.gather(*(client.revoke(CA) for _ in range(20)))
    assert len(results) == 20 and iam.call_count == 1


@respx.mock
async def test_concurrent_401s_refresh_once(clock: FakeClock) -> None:
    tokens = iter(["iam-token-v1-xx", "iam-token-v2-xx", "iam-token-v3-xx"])

    async def slow_iam(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.02)
        return _iam_answer(next(tokens))

    iam = respx.post(f"{IAM}/v3/auth/tokens").mock(side_effect=slow_iam)

    def revoke(request: httpx.Request) -> httpx.Response:
        if request.headers["x-auth-token"] == "iam-token-v1-xx":
            return err(401, "APIGW.0307", "expired")
        return httpx.Response(204)

    respx.post(REVOKE).mock(side_effect=revoke)
    async with AsyncHuaweiRevoker(iam_user="ops", iam_password="iam-password-value",
                                  iam_domain="acme", region="cn-north-4") as client:  # fmt: skip
        await client.revoke(CA)  # warm: token v1 cached
        await asyncio.gather(*(client.revoke(CA) for _ in range(10)))
    assert iam.call_count <= 3  # v1, then v2 shared by all ten (at most one straggler)


@respx.mock
def test_a_callable_token_source_is_asked_again_after_a_401(clock: FakeClock) -> None:
    handed = iter(["callable-token-1", "callable-token-2"])
    route = respx.post(REVOKE).mock(side_effect=[err(401, "APIGW.0307"), httpx.Response(204)])
    client = HuaweiRevoker(auth=TokenAuth(lambda: next(handed)), region="cn-north-4", clock=clock)
    client.revoke(CA)
    assert [c.request.headers["x-auth-token"] for c in route.calls] == [
        "callable-token-1", "callable-token-2",
    ]  # fmt: skip


@respx.mock
def test_aksk_signs_with_domain_and_security_token(clock: FakeClock) -> None:
    route = respx.post(REVOKE).mock(return_value=httpx.Response(204))
    client = HuaweiRevoker(access_key="HWAK", secret_key="hw-secret-key-1", domain_id="dom-1",
                           security_token="hw-sts-token-1", region="cn-north-4", clock=clock)  # fmt: skip
    client.revoke(CA)
    headers = route.calls[0].request.headers
    parsed = parse_authorization(headers["authorization"])
    assert parsed is not None and parsed[0] == "HWAK"
    assert {"x-domain-id", "x-sdk-date", "x-security-token", "host"} <= set(parsed[1])
    assert headers["x-domain-id"] == "dom-1" and headers["x-security-token"] == "hw-sts-token-1"


def test_credentials_from_the_official_environment() -> None:
    env = {"HUAWEICLOUD_SDK_AK": "ENVAK", "HUAWEICLOUD_SDK_SK": "env-sk-value",
           "HUAWEICLOUD_SDK_DOMAIN_ID": "env-domain", "HUAWEICLOUD_SDK_REGION": "ap-southeast-3"}  # fmt: skip
    adapter = build_adapter(env=env)
    assert adapter.auth.source == "env" and adapter.account_key == "env-domain"
    assert adapter.endpoint == "https://ccm.ap-southeast-3.myhuaweicloud.com"
    token_env = {
        "CAUSDK_HUAWEI_AUTH_TOKEN": "env-token-value",
        "CAUSDK_HUAWEI_ENDPOINT": "http://127.0.0.1:1",
    }
    assert build_adapter(env=token_env).auth.source == "env:CAUSDK_HUAWEI_AUTH_TOKEN"


def test_missing_credentials_list_what_was_tried() -> None:
    with pytest.raises(ConfigurationError) as info:
        build_adapter(env={"HUAWEICLOUD_SDK_REGION": "cn-north-4",
                           "CAUSDK_HUAWEI_METADATA_DISABLED": "true"})  # fmt: skip
    text = str(info.value)
    assert "HUAWEICLOUD_SDK_AK" in text and "CAUSDK_HUAWEI_AUTH_TOKEN" in text


def test_no_region_no_endpoint_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="region"):
        build_adapter(token="t-value-123", env={})


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("cn-north-4", "https://ccm.cn-north-4.myhuaweicloud.com"),
        ("sa-brazil-1", "https://ccm.myhuaweicloud.com"),
        ("af-south-1", "https://ccm.af-south-1.myhuaweicloud.com"),  # not in the SDK's table
    ],
)
def test_endpoints(region: str, url: str) -> None:
    assert endpoint_for(region) == url


@respx.mock
def test_no_secret_in_reprs_logs_or_errors(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    respx.post(f"{IAM}/v3/auth/tokens").mock(return_value=_iam_answer("iam-issued-secret-token"))
    respx.post(REVOKE).mock(
        return_value=err(400, "PCA.00020001", "echo iam-issued-secret-token iam-password-value")
    )
    client = _iam_client(clock)
    with pytest.raises(BadRequestError) as info:
        client.revoke(CA)
    auth = client._core.adapter.auth  # type: ignore[attr-defined]
    for text in (str(info.value), repr(client), repr(auth), caplog.text):
        assert "iam-issued-secret-token" not in text and "iam-password-value" not in text
    static = TokenAuth("static-secret-token")
    assert "static-secret-token" not in repr(static)
