"""The "did it happen?" logic, on its own: when a revoke counts as done, whatever the wording.

The providers publish no error code for "already revoked". So after an attempt that may have
gone through, every later refusal (but authentication, permission and throttling) is checked
against a read of the CA, and each case is tried with at least two wordings.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import respx

from causdk import AlibabaRevoker, HuaweiRevoker
from causdk.errors import (
    AuthenticationError,
    BadRequestError,
    InvalidStateError,
    PermissionDeniedError,
    RateLimitedError,
    UnexpectedResponseError,
)
from tests.conftest import FakeClock

HW = "https://ccm.cn-north-4.myhuaweicloud.com"
CA = "0123abcd-0123-4567-89ab-0123456789ab"
HW_REVOKE = f"{HW}/v1/private-certificate-authorities/{CA}/revoke"
HW_SHOW = f"{HW}/v1/private-certificate-authorities/{CA}"
ALI = "https://cas.aliyuncs.com"


def hw_error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error_code": code, "error_msg": message})


def hw_ca(status: str) -> httpx.Response:
    return httpx.Response(200, json={"ca_id": CA, "status": status, "type": "SUBORDINATE"})


def ali_error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"RequestId": "R-ERR", "Code": code, "Message": message})


def ali_ca(status: str, identifier: str = "cas-1") -> httpx.Response:
    record = {"Identifier": identifier, "Status": status, "CertificateType": "SUB_ROOT"}
    return httpx.Response(200, json={"RequestId": "R-GET", "Certificate": record})


def action_of(request: httpx.Request) -> str:
    return request.headers.get("x-acs-action", "")


@pytest.fixture
def huawei(clock: FakeClock) -> HuaweiRevoker:
    return HuaweiRevoker(token="exactly-once-token", endpoint=HW, clock=clock)


@pytest.fixture
def alibaba(clock: FakeClock, account: str) -> AlibabaRevoker:
    return AlibabaRevoker(
        access_key_id=account, access_key_secret="exactly-once-secret", endpoint=ALI, clock=clock
    )


# Refusals in wordings no rule of ours knows: none says "status", "state" or "revoked".
UNKNOWN_WORDINGS = [
    (400, "PCA.99990001", "Operation not permitted for this certificate authority."),
    (409, "PCA.99990002", "操作失败，请稍后再试"),  # noqa: RUF001 - a real-world wording
    (400, "PCA.99990003", "Conflict"),
]


@pytest.mark.parametrize("read", ["REVOKED", "ACTIVED"])
@pytest.mark.parametrize(("status", "code", "message"), UNKNOWN_WORDINGS)
@respx.mock
def test_after_an_ambiguous_attempt_any_refusal_is_decided_by_a_read(
    huawei: HuaweiRevoker, status: int, code: str, message: str, read: str
) -> None:
    """Attempt 1: the change may happen, the answer is lost (503). Attempt 2: a refusal whose
    wording we cannot know. The CA is read back: revoked, the revoke is done (by attempt 1);
    still active, the refusal stands."""
    respx.post(HW_REVOKE).mock(side_effect=[hw_error(503, "X", "busy"), hw_error(status, code, message)])  # fmt: skip
    reads = respx.get(HW_SHOW).mock(return_value=hw_ca(read))
    if read == "REVOKED":
        result = huawei.revoke(CA)
        assert result.already_revoked and result.confirmed_by_read and result.attempts == 2
    else:
        with pytest.raises((BadRequestError, InvalidStateError)) as info:
            huawei.revoke(CA)
        assert info.value.code == code  # type: ignore[union-attr]
    assert reads.call_count == 1


@respx.mock
def test_a_later_clear_refusal_does_not_clear_an_earlier_ambiguity(huawei: HuaweiRevoker) -> None:
    # A read timeout (ambiguous), then a plain 400: the 400 is about attempt 2, not attempt 1.
    respx.post(HW_REVOKE).mock(
        side_effect=[httpx.ReadTimeout("lost"), hw_error(400, "PCA.1", "Bad request.")]
    )
    read = respx.get(HW_SHOW).mock(return_value=hw_ca("REVOKED"))
    assert huawei.revoke(CA).already_revoked
    assert read.call_count == 1


@respx.mock
def test_a_refusal_on_the_first_attempt_is_never_read_back(huawei: HuaweiRevoker) -> None:
    respx.post(HW_REVOKE).mock(return_value=hw_error(400, "PCA.10010004", "Already revoked."))
    read = respx.get(HW_SHOW).mock(return_value=hw_ca("REVOKED"))
    with pytest.raises(InvalidStateError):
        huawei.revoke(CA)  # this call did not revoke it: an error, not a success
    assert read.call_count == 0


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (hw_error(401, "APIGW.0301", "Incorrect IAM authentication information."), AuthenticationError),
        (hw_error(403, "PCA.00010003", "Forbidden."), PermissionDeniedError),
    ],
)  # fmt: skip
@respx.mock
def test_auth_and_permission_refusals_are_not_read_back(
    huawei: HuaweiRevoker, answer: httpx.Response, error: type[Exception]
) -> None:
    respx.post(HW_REVOKE).mock(side_effect=[hw_error(503, "X", "busy"), answer])
    read = respx.get(HW_SHOW).mock(return_value=hw_ca("REVOKED"))
    with pytest.raises(error):
        huawei.revoke(CA)
    assert read.call_count == 0  # the read would be refused the same way


@respx.mock
def test_throttling_after_ambiguity_is_not_read_back(huawei: HuaweiRevoker) -> None:
    throttled = httpx.Response(429, json={"error_code": "APIGW.0308", "error_msg": "slow down"})
    respx.post(HW_REVOKE).mock(side_effect=[hw_error(503, "X", "busy")] + [throttled] * 4)
    read = respx.get(HW_SHOW).mock(return_value=hw_ca("REVOKED"))
    with pytest.raises(RateLimitedError):
        huawei.revoke(CA)
    assert read.call_count == 0


@pytest.mark.parametrize(
    ("code", "message"),
    [("PCA.10010004", "The CA status does not allow this operation."),
     ("PCA.10010009", "This CA has already been revoked.")],
)  # fmt: skip
@respx.mock
def test_a_huawei_409_about_state_is_a_state_refusal(
    huawei: HuaweiRevoker, code: str, message: str
) -> None:
    respx.post(HW_REVOKE).mock(return_value=hw_error(409, code, message))
    with pytest.raises(InvalidStateError):
        huawei.revoke(CA)


@respx.mock
def test_confirm_does_not_claim_a_read_that_shows_the_ca_active(huawei: HuaweiRevoker) -> None:
    respx.post(HW_REVOKE).mock(return_value=httpx.Response(204))
    respx.get(HW_SHOW).mock(return_value=hw_ca("ACTIVED"))
    result = huawei.revoke(CA, confirm=True)
    assert not result.confirmed_by_read and not result.already_revoked


@respx.mock
def test_confirm_claims_a_read_that_shows_the_ca_revoked(huawei: HuaweiRevoker) -> None:
    respx.post(HW_REVOKE).mock(return_value=httpx.Response(204))
    respx.get(HW_SHOW).mock(return_value=hw_ca("REVOKED"))
    assert huawei.revoke(CA, confirm=True).confirmed_by_read


@respx.mock
def test_a_failed_confirmation_read_does_not_fail_a_done_revoke(huawei: HuaweiRevoker) -> None:
    respx.post(HW_REVOKE).mock(return_value=httpx.Response(204))
    respx.get(HW_SHOW).mock(return_value=hw_error(404, "PCA.1", "gone"))
    assert not huawei.revoke(CA, confirm=True).confirmed_by_read


@respx.mock
def test_a_read_back_about_another_ca_confirms_nothing(huawei: HuaweiRevoker) -> None:
    other = "ffffffff-0123-4567-89ab-0123456789ab"
    respx.post(HW_REVOKE).mock(side_effect=[hw_error(503, "X", "busy"), hw_error(400, "P", "no")])
    respx.get(HW_SHOW).mock(
        return_value=httpx.Response(200, json={"ca_id": other, "status": "REVOKED"})
    )
    with pytest.raises(BadRequestError):
        huawei.revoke(CA)


# -- Alibaba ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [("OperationDenied", "The operation is not supported."),
     ("IllegalOperation.Unknown", "不允许该操作")],
)  # fmt: skip
@respx.mock
def test_alibaba_refusal_after_a_lost_answer_is_read_back(
    alibaba: AlibabaRevoker, code: str, message: str
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if action_of(request) == "DescribeCACertificate":
            return ali_ca("REVOKE")
        return next(revokes)

    revokes = iter([httpx.Response(500, text="oops"), ali_error(400, code, message)])
    respx.post(url__startswith=ALI).mock(side_effect=answer)
    result = alibaba.revoke("cas-1")
    assert result.already_revoked and result.confirmed_by_read


@respx.mock
def test_alibaba_unreadable_answer_is_retried_with_the_same_client_token(
    alibaba: AlibabaRevoker,
) -> None:
    route = respx.post(url__startswith=ALI).mock(
        side_effect=[
            httpx.Response(200, text="<html>proxy says hello</html>"),
            httpx.Response(200, json={"RequestId": "R-2"}),
        ]
    )
    result = alibaba.revoke("cas-1")
    assert result.request_id == "R-2" and result.attempts == 2
    tokens = {
        dict(parse_qsl(urlsplit(str(c.request.url)).query))["ClientToken"] for c in route.calls
    }
    assert len(tokens) == 1


@pytest.mark.parametrize(
    "body",
    [{"RequestId": "R-1", "Code": "Forbidden.RAM", "Message": "denied"},
     {"Code": "InternalError", "Message": "oops"},
     {"requestid": "lower-case is not the documented field"}],
)  # fmt: skip
@respx.mock
def test_alibaba_200_that_is_not_the_documented_success_is_unexpected(
    alibaba: AlibabaRevoker, body: dict[str, str]
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if action_of(request) == "DescribeCACertificate":
            return ali_ca("ISSUE")
        return httpx.Response(200, json=body)

    respx.post(url__startswith=ALI).mock(side_effect=answer)
    with pytest.raises(UnexpectedResponseError):
        alibaba.revoke("cas-1")


@respx.mock
def test_alibaba_get_never_builds_a_ca_from_an_error_body(alibaba: AlibabaRevoker) -> None:
    body = {"RequestId": "R-1", "Code": "NotFound", "Certificate": {"Identifier": "cas-1"}}
    respx.post(url__startswith=ALI).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(UnexpectedResponseError) as info:
        alibaba.get("cas-1")
    assert info.value.code == "NotFound" and info.value.request_id == "R-1"


@respx.mock
def test_huawei_get_never_builds_a_ca_from_an_error_body(huawei: HuaweiRevoker) -> None:
    body = {"ca_id": CA, "status": "REVOKED", "error_code": "PCA.1", "error_msg": "no"}
    respx.get(HW_SHOW).mock(
        return_value=httpx.Response(200, json=body, headers={"X-Request-Id": "hw-1"})
    )
    with pytest.raises(UnexpectedResponseError) as info:
        huawei.get(CA)
    assert info.value.code == "PCA.1" and info.value.request_id == "hw-1"
