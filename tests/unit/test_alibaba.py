"""The Alibaba adapter over respx: wire shape, idempotency, errors, reads, the limit, secrets."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import respx

from causdk import CAKind, CAStatus, ClientSettings, RevocationReason
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
from causdk.providers.alibaba import (
    AlibabaRevoker,
    AsyncAlibabaRevoker,
    endpoint_for,
    resolve_credentials,
)
from causdk.providers.alibaba.signing import parse_v3_authorization
from tests.conftest import FakeClock

ENDPOINT = "https://cas.aliyuncs.com"
SECRET = "alibaba-test-secret-value"


def ok(request_id: str = "REQ-OK") -> httpx.Response:
    return httpx.Response(200, json={"RequestId": request_id})


def err(status: int, code: str, message: str = "m", **headers: str) -> httpx.Response:
    body = {"RequestId": f"REQ-{code}", "HostId": "cas.aliyuncs.com", "Code": code,
            "Message": message, "Recommend": "https://api.aliyun.com/troubleshoot"}  # fmt: skip
    return httpx.Response(status, json=body, headers=headers)


def ca_record(identifier: str, status: str = "ISSUE", kind: str = "SUB_ROOT") -> dict[str, object]:
    return {"Identifier": identifier, "Status": status, "CertificateType": kind,
            "CommonName": "issuing", "SubjectDN": "CN=issuing,C=CN", "ParentIdentifier": "root",
            "BeforeDate": 1700000000000, "AfterDate": 1800000000000, "SerialNumber": "0a"}  # fmt: skip


@pytest.fixture
def revoker(clock: FakeClock, account: str) -> AlibabaRevoker:
    return AlibabaRevoker(
        access_key_id=account, access_key_secret=SECRET, clock=clock, endpoint=ENDPOINT
    )


def query_of(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(str(request.url)).query))


# -- the revoke on the wire --------------------------------------------------------------------


@respx.mock
def test_revoke_sends_a_signed_v3_post_with_params_in_the_query(revoker: AlibabaRevoker) -> None:
    route = respx.post(url__startswith=ENDPOINT).mock(return_value=ok())
    result = revoker.revoke("ca-1", reason=RevocationReason.KEY_COMPROMISE)
    request = route.calls[0].request
    query = query_of(request)
    assert request.method == "POST" and request.content == b""
    assert query == {"Identifier": "ca-1", "Status": "REVOKE", "ClientToken": result.client_token}
    assert request.headers["x-acs-action"] == "UpdateCACertificateStatus"
    assert request.headers["x-acs-version"] == "2020-06-30"
    parsed = parse_v3_authorization(request.headers["authorization"])
    assert parsed is not None and "host" in parsed[1] and "x-acs-date" in parsed[1]
    assert result.request_id == "REQ-OK" and result.attempts == 1
    # Alibaba takes no reason: it is kept in the result, never sent.
    assert result.reason is RevocationReason.KEY_COMPROMISE and not result.reason_sent
    assert "KEY_COMPROMISE" not in str(request.url)


@respx.mock
def test_every_attempt_is_signed_anew_with_the_same_client_token(revoker: AlibabaRevoker) -> None:
    route = respx.post(url__startswith=ENDPOINT).mock(
        side_effect=[err(503, "ServiceUnavailable"), httpx.ReadTimeout("t"), ok()]
    )
    result = revoker.revoke("ca-1")
    requests = [call.request for call in route.calls]
    tokens = {query_of(r)["ClientToken"] for r in requests}
    nonces = {r.headers["x-acs-signature-nonce"] for r in requests}
    signatures = {r.headers["authorization"] for r in requests}
    assert len(requests) == 3 and result.attempts == 3
    assert tokens == {result.client_token}
    assert len(nonces) == 3 and len(signatures) == 3


@respx.mock
def test_a_given_client_token_is_sent_and_returned(revoker: AlibabaRevoker) -> None:
    route = respx.post(url__startswith=ENDPOINT).mock(return_value=ok())
    result = revoker.revoke("ca-1", client_token="incident-2026-11-22-ca-1")
    assert query_of(route.calls[0].request)["ClientToken"] == "incident-2026-11-22-ca-1"
    assert result.client_token == "incident-2026-11-22-ca-1"


@pytest.mark.parametrize("token", ["", "has space", "ünïcode", "x" * 65])
@respx.mock
def test_a_bad_client_token_sends_nothing(revoker: AlibabaRevoker, token: str) -> None:
    route = respx.post(url__startswith=ENDPOINT).mock(return_value=ok())
    with pytest.raises(ValidationError):
        revoker.revoke("ca-1", client_token=token)
    assert route.call_count == 0


@pytest.mark.parametrize("ca_id", ["", "a/b", "../x", "a b", "a?b=c", "é", "x" * 129])
@respx.mock
def test_a_bad_identifier_sends_nothing(revoker: AlibabaRevoker, ca_id: str) -> None:
    route = respx.post(url__startswith=ENDPOINT).mock(return_value=ok())
    with pytest.raises(ValidationError):
        revoker.revoke(ca_id)
    assert route.call_count == 0


@respx.mock
def test_v1_signature_goes_in_the_query(clock: FakeClock, account: str) -> None:
    route = respx.post(url__startswith=ENDPOINT).mock(return_value=ok())
    with AlibabaRevoker(access_key_id=account, access_key_secret=SECRET, security_token="sts-tok-1",
                        signature_version="v1", clock=clock) as client:  # fmt: skip
        client.revoke("ca-1")
    query = query_of(route.calls[0].request)
    assert query["SignatureMethod"] == "HMAC-SHA1" and query["SignatureVersion"] == "1.0"
    assert query["Action"] == "UpdateCACertificateStatus" and query["Version"] == "2020-06-30"
    assert query["SecurityToken"] == "sts-tok-1" and query["Signature"]
    assert "authorization" not in route.calls[0].request.headers


@respx.mock
def test_sts_token_travels_in_v3_headers(clock: FakeClock, account: str) -> None:
    route = respx.post(url__startswith=ENDPOINT).mock(return_value=ok())
    with AlibabaRevoker(access_key_id=account, access_key_secret=SECRET,
                        security_token="sts-tok-2", clock=clock) as client:  # fmt: skip
        client.revoke("ca-1")
    headers = route.calls[0].request.headers
    assert headers["x-acs-security-token"] == "sts-tok-2"
    assert "x-acs-security-token" in parse_v3_authorization(headers["authorization"])[1]  # type: ignore[index]


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "error", "attempts"),
    [
        (err(400, "SignatureDoesNotMatch"), AuthenticationError, 1),
        (err(404, "InvalidAccessKeyId.NotFound"), AuthenticationError, 1),
        (err(400, "InvalidSecurityToken.Expired"), AuthenticationError, 1),
        (err(403, "Forbidden.RAM"), PermissionDeniedError, 1),
        (err(400, "MissingIdentifier"), BadRequestError, 1),
        (err(400, "InvalidParameter.Status"), BadRequestError, 1),
        (err(404, "NotFound"), NotFoundError, 1),
        (err(400, "InvalidStatus.CACertificate", "not in ISSUE"), InvalidStateError, 1),
        (err(400, "Throttling.User"), RateLimitedError, 5),
        # 5 attempts; a 5xx is ambiguous, so the CA is read back (5 more) before failing.
        (err(500, "InternalError"), ServerError, 10),
        (err(400, "InvalidTimeStamp.Expired"), BadRequestError, 5),
        (err(400, "SignatureNonceUsed"), BadRequestError, 5),
        (err(404, "InvalidAction.NotFound"), BadRequestError, 1),
    ],
)
@respx.mock
def test_error_codes_map_to_typed_errors(
    revoker: AlibabaRevoker, response: httpx.Response, error: type[Exception], attempts: int
) -> None:
    route = respx.post(url__startswith=ENDPOINT).mock(return_value=response)
    with pytest.raises(error) as info:
        revoker.revoke("ca-1")
    assert route.call_count == attempts
    body = json.loads(response.content)
    assert info.value.code == body["Code"]  # type: ignore[attr-defined]
    assert info.value.request_id == body["RequestId"]  # type: ignore[attr-defined]
    assert info.value.recommend  # type: ignore[attr-defined]


@respx.mock
def test_throttling_waits_what_alibaba_asks_in_milliseconds(
    revoker: AlibabaRevoker, clock: FakeClock
) -> None:
    throttled = err(400, "Throttling.User", **{"x-acs-retry-after": "1500"})
    respx.post(url__startswith=ENDPOINT).mock(side_effect=[throttled, ok()])
    revoker.revoke("ca-1")
    assert 1.5 in clock.sleeps


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(502, text="<html>Bad Gateway</html>"), ServerError),
        (httpx.Response(200, text="<html>login</html>"), UnexpectedResponseError),
        (httpx.Response(200, content=b""), UnexpectedResponseError),
        (httpx.Response(403, text="denied"), UnexpectedResponseError),
    ],
)
@respx.mock
def test_malformed_answers_are_typed_errors(
    revoker: AlibabaRevoker, response: httpx.Response, error: type[Exception]
) -> None:
    response.headers["x-acs-request-id"] = "REQ-HDR"
    respx.post(url__startswith=ENDPOINT).mock(return_value=response)
    with pytest.raises(error) as info:
        revoker.get("ca-1")
    assert info.value.request_id == "REQ-HDR"  # type: ignore[attr-defined]


@respx.mock
def test_describe_without_certificate_is_a_typed_error(revoker: AlibabaRevoker) -> None:
    respx.post(url__startswith=ENDPOINT).mock(return_value=ok("REQ-7"))
    with pytest.raises(UnexpectedResponseError) as info:
        revoker.get("ca-1")
    assert info.value.request_id == "REQ-7" and "KeyError" in str(info.value)


# -- already revoked: reconcile by reading back --------------------------------------------------


@respx.mock
def test_state_error_after_an_ambiguous_attempt_is_confirmed_by_a_read(
    revoker: AlibabaRevoker,
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["x-acs-action"] == "DescribeCACertificate":
            return httpx.Response(
                200, json={"RequestId": "R", "Certificate": ca_record("ca-1", "REVOKE")}
            )
        return next(revokes)

    revokes = iter([err(503, "ServiceUnavailable"), err(400, "InvalidStatus.CACertificate")])
    respx.post(url__startswith=ENDPOINT).mock(side_effect=answer)
    result = revoker.revoke("ca-1")
    assert result.confirmed_by_read and result.already_revoked and result.attempts == 2


@respx.mock
def test_state_error_after_ambiguity_but_read_shows_active_raises(revoker: AlibabaRevoker) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["x-acs-action"] == "DescribeCACertificate":
            return httpx.Response(
                200, json={"RequestId": "R", "Certificate": ca_record("ca-1", "ISSUE")}
            )
        return next(revokes)

    revokes = iter([httpx.Response(504), err(400, "InvalidStatus.CACertificate")])
    respx.post(url__startswith=ENDPOINT).mock(side_effect=answer)
    with pytest.raises(InvalidStateError):
        revoker.revoke("ca-1")


@respx.mock
def test_state_error_on_the_first_attempt_is_not_reconciled(revoker: AlibabaRevoker) -> None:
    route = respx.post(url__startswith=ENDPOINT).mock(
        return_value=err(400, "InvalidStatus.CACertificate")
    )
    with pytest.raises(InvalidStateError):
        revoker.revoke("ca-1")
    assert route.call_count == 1  # no read: the CA was not in ISSUE before this call


@respx.mock
def test_a_refused_connection_is_not_ambiguous(revoker: AlibabaRevoker) -> None:
    route = respx.post(url__startswith=ENDPOINT).mock(
        side_effect=[httpx.ConnectError("refused"), err(404, "NotFound")]
    )
    with pytest.raises(NotFoundError):
        revoker.revoke("ca-1")
    assert route.call_count == 2


@respx.mock
def test_confirm_reads_the_ca_back(revoker: AlibabaRevoker) -> None:
    record = {"RequestId": "R2", "Certificate": ca_record("ca-1", "REVOKE")}
    respx.post(url__startswith=ENDPOINT).mock(side_effect=[ok(), httpx.Response(200, json=record)])
    result = revoker.revoke("ca-1", confirm=True)
    assert result.confirmed_by_read and not result.already_revoked


# -- reads ----------------------------------------------------------------------------------------


@respx.mock
def test_get_maps_the_record(revoker: AlibabaRevoker) -> None:
    record = ca_record("ca-9", "REVOKE", "ROOT")
    respx.post(url__startswith=ENDPOINT).mock(
        return_value=httpx.Response(200, json={"RequestId": "R", "Certificate": record})
    )
    ca = revoker.get("ca-9")
    assert ca.status is CAStatus.REVOKED and ca.raw_status == "REVOKE"
    assert ca.kind is CAKind.ROOT and ca.subject == "CN=issuing,C=CN"
    assert ca.not_before is not None and ca.not_before.year == 2023


@respx.mock
def test_list_pages_lazily_with_lowercase_filters(revoker: AlibabaRevoker) -> None:
    pages = {
        "1": [ca_record("a"), ca_record("b")],
        "2": [ca_record("c")],
    }

    def answer(request: httpx.Request) -> httpx.Response:
        query = query_of(request)
        assert query["CaStatus"] == "issue" and query["ShowSize"] == "2"
        return httpx.Response(200, json={"RequestId": "R", "PageCount": 2, "TotalCount": 3,
                                         "CertificateList": pages[query["CurrentPage"]]})  # fmt: skip

    route = respx.post(url__startswith=ENDPOINT).mock(side_effect=answer)
    iterator = revoker.list(status="active", page_size=2)
    assert next(iterator).id == "a" and route.call_count == 1
    assert [ca.id for ca in iterator] == ["b", "c"] and route.call_count == 2


@respx.mock
async def test_async_list_and_revoke(clock: FakeClock, account: str) -> None:
    record = {"RequestId": "R", "PageCount": 1, "CertificateList": [ca_record("a")]}
    respx.post(url__startswith=ENDPOINT).mock(side_effect=[httpx.Response(200, json=record), ok()])
    async with AsyncAlibabaRevoker(access_key_id=account, access_key_secret=SECRET,
                                   clock=clock) as client:  # fmt: skip
        ids = [ca.id async for ca in client.list()]
        result = await client.revoke(ids[0])
    assert ids == ["a"] and result.client_token


# -- the 10 QPS limit -------------------------------------------------------------------------------


@respx.mock
def test_ten_requests_per_second_per_account_shared_by_clients(
    clock: FakeClock, account: str
) -> None:
    sends: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sends.append(clock.monotonic())
        return ok()

    respx.post(url__startswith=ENDPOINT).mock(side_effect=answer)
    one = AlibabaRevoker(access_key_id=account, access_key_secret=SECRET, clock=clock)
    two = AlibabaRevoker(access_key_id=account, access_key_secret="other-secret-x", clock=clock)
    for i in range(30):
        (one if i % 2 else two).revoke(f"ca-{i}")
    for i, start in enumerate(sends):
        assert len([t for t in sends[i:] if t < start + 1.0]) <= 10
    assert (len(sends) - 1) / (sends[-1] - sends[0]) >= 9.7


@respx.mock
def test_account_id_groups_access_keys_and_rate_is_configurable(clock: FakeClock) -> None:
    sends: list[float] = []
    respx.post(url__startswith=ENDPOINT).mock(
        side_effect=lambda r: (sends.append(clock.monotonic()), ok())[1]
    )
    settings = ClientSettings(rate_limit=5)
    a = AlibabaRevoker(access_key_id="AK-a1", access_key_secret=SECRET, account_id="acct-77",
                       clock=clock, settings=settings)  # fmt: skip
    b = AlibabaRevoker(access_key_id="AK-b1", access_key_secret=SECRET, account_id="acct-77",
                       clock=clock, settings=settings)  # fmt: skip
    for i in range(10):
        (a if i % 2 else b).revoke(f"ca-{i}")
    assert sends[-1] - sends[0] >= 9 / 5


# -- credentials, endpoints, secrets ---------------------------------------------------------------


def test_credentials_from_the_environment() -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "AKENV", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret-1",
           "ALIBABA_CLOUD_SECURITY_TOKEN": "env-token-1"}  # fmt: skip
    creds = resolve_credentials(env=env, home=Path("/nonexistent"))
    assert creds.access_key_id == "AKENV" and creds.source == "env"
    assert creds.security_token is not None


def test_credentials_from_the_ini_files(tmp_path: Path) -> None:
    folder = tmp_path / ".alibabacloud"
    folder.mkdir()
    (folder / "credentials").write_text(
        "[default]\ntype = access_key\naccess_key_id = AKFILE # a comment\n"
        "access_key_secret = file-secret-1\n[ops]\naccess_key_id = AKOPS\n"
        "access_key_secret = ops-secret-1\n"
    )
    assert resolve_credentials(env={}, home=tmp_path).access_key_id == "AKFILE"
    ops = resolve_credentials(env={"ALIBABA_CLOUD_PROFILE": "ops"}, home=tmp_path)
    assert ops.access_key_id == "AKOPS"
    (folder / "credentials.ini").write_text(
        "[default]\naccess_key_id = AKINI\naccess_key_secret = ini-secret-1\n"
    )
    assert resolve_credentials(env={}, home=tmp_path).access_key_id == "AKINI"  # .ini first


def test_credentials_from_the_cli_config(tmp_path: Path) -> None:
    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text(json.dumps({
        "current": "sts",
        "profiles": [
            {"name": "default", "mode": "AK", "access_key_id": "AKCLI",
             "access_key_secret": "cli-secret-1"},
            {"name": "sts", "mode": "StsToken", "access_key_id": "STS.AK",
             "access_key_secret": "cli-secret-2", "sts_token": "cli-token-2"},
        ],
    }))  # fmt: skip
    creds = resolve_credentials(env={}, home=tmp_path)
    assert creds.access_key_id == "STS.AK" and creds.security_token is not None
    assert resolve_credentials(env={}, home=tmp_path, profile="default").access_key_id == "AKCLI"


def test_missing_credentials_list_what_was_tried(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_credentials(env={"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}, home=tmp_path)
    text = str(info.value)
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in text and "credentials.ini" in text
    assert "config.json" in text


def test_half_given_credentials_are_refused() -> None:
    with pytest.raises(ConfigurationError):
        resolve_credentials(access_key_id="AK", env={}, home=Path("/nonexistent"))


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("cn-hangzhou", "cas.aliyuncs.com"),
        ("cn-shanghai", "cas.aliyuncs.com"),
        ("cn-hongkong", "cas.cn-hongkong.aliyuncs.com"),
        ("ap-southeast-3", "cas.ap-southeast-3.aliyuncs.com"),
        ("ap-southeast-5", "cas.ap-southeast-5.aliyuncs.com"),
        ("eu-central-1", "cas.eu-central-1.aliyuncs.com"),
        ("me-east-1", "cas.me-east-1.aliyuncs.com"),
    ],
)
def test_region_endpoints_follow_the_doc(region: str, host: str) -> None:
    assert endpoint_for(region) == f"https://{host}"


@pytest.mark.parametrize("bad", ["ftp://x", "http://", "not a url at all?x=1"])
def test_bad_endpoints_are_configuration_errors(bad: str, account: str) -> None:
    with pytest.raises(ConfigurationError):
        AlibabaRevoker(access_key_id=account, access_key_secret=SECRET, endpoint=bad)


@respx.mock
def test_no_secret_in_reprs_logs_or_errors(
    clock: FakeClock, account: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = "sts-token-never-printed"
    respx.post(url__startswith=ENDPOINT).mock(
        side_effect=[
            err(503, "ServiceUnavailable"),
            err(400, "SignatureDoesNotMatch", f"server string to sign: ...{token}...{SECRET}"),
        ]
    )
    client = AlibabaRevoker(access_key_id=account, access_key_secret=SECRET,
                            security_token=token, clock=clock)  # fmt: skip
    with pytest.raises(AuthenticationError) as info:
        client.revoke("ca-1")
    creds = client._core.adapter.auth.value  # type: ignore[attr-defined]
    texts = [str(info.value), repr(info.value), repr(client), repr(creds), caplog.text]
    for text in texts:
        assert SECRET not in text and token not in text


@respx.mock
def test_v1_signature_never_reaches_httpx_logs(
    clock: FakeClock, account: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    route = respx.post(url__startswith=ENDPOINT).mock(return_value=ok())
    # A client of the caller's (causdk's own sends to its transport, which logs no request line).
    with AlibabaRevoker(access_key_id=account, access_key_secret=SECRET, signature_version="v1",
                        security_token="sts-token-in-url", clock=clock,
                        http_client=httpx.Client()) as client:  # fmt: skip
        client.revoke("ca-1")
    raw_query = urlsplit(str(route.calls[0].request.url)).query
    signature = next(p.split("=", 1)[1] for p in raw_query.split("&") if p.startswith("Signature="))
    assert signature in str(route.calls[0].request.url)
    assert "HTTP Request" in caplog.text  # httpx did log the request line
    assert signature not in caplog.text and "sts-token-in-url" not in caplog.text
