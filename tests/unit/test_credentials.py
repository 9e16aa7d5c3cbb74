"""Credentials that expire, over respx: the refresh mechanism, each source's wire, the chains."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import respx

from causdk import CARevoker
from causdk._auth import CredentialSource, Issued, RefreshingAuth
from causdk._flow import Driver, Runtime, Send, Sleep
from causdk.errors import AuthenticationError, CausdkError, ConfigurationError
from causdk.providers.alibaba import client as alibaba_client
from causdk.providers.alibaba.signing import sign_v1
from causdk.providers.huawei import client as huawei_client
from causdk.providers.huawei.signing import parse_authorization
from causdk.settings import ClientSettings, RetrySettings
from tests.conftest import FakeClock

STS = "https://sts.aliyuncs.com"
CAS = "https://cas.aliyuncs.com"
MD = "http://100.100.100.200"
HW_MD = "http://169.254.169.254"
CCM = "https://ccm.cn-north-4.myhuaweicloud.com"
IAM = "https://iam.cn-north-4.myhuaweicloud.com"
ROLE = "acs:ram::1234567890123456:role/causdk-test"
HW_CA = "0123abcd-0123-4567-89ab-0123456789ab"
OIDC_TOKEN = "oidc-token-eyJhbGciOi-never-printed"
ID_TOKEN = "id-token-eyJhbGciOi-never-printed"


def _stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sts_keys(clock: FakeClock, n: int, lasts: float = 3600) -> dict[str, str]:
    return {
        "AccessKeyId": f"STS.key{n}",
        "AccessKeySecret": f"sts-secret-{n}-never-printed",
        "SecurityToken": f"sts-token-{n}-never-printed",
        "Expiration": _stamp(clock.now() + timedelta(seconds=lasts)),
    }


def cas_ok() -> httpx.Response:
    return httpx.Response(200, json={"RequestId": "REQ-OK"})


def alibaba(clock: FakeClock, env: dict[str, str], home: Path, **options: Any) -> CARevoker:
    settings = ClientSettings(rate_limit=0, retry=RetrySettings(max_attempts=2))
    adapter = alibaba_client.build_adapter(env=env, home=home, settings=settings, **options)
    return CARevoker(adapter, settings=settings, clock=clock)


def huawei(clock: FakeClock, env: dict[str, str], **options: Any) -> CARevoker:
    settings = ClientSettings(retry=RetrySettings(max_attempts=2))
    env = {"HUAWEICLOUD_SDK_REGION": "cn-north-4", **env}
    adapter = huawei_client.build_adapter(env=env, settings=settings, **options)
    return CARevoker(adapter, settings=settings, clock=clock)


# -- the refreshing mechanism ---------------------------------------------------------------------


class Counting(CredentialSource[str]):
    """A source whose fetch is one Send (so a test can hold it in flight)."""

    name = "counting"

    def __init__(self, clock: FakeClock, lasts: float = 100.0) -> None:
        self.clock = clock
        self.lasts = lasts
        self.fetches = 0
        self.fail = False

    def fetch(self, rt: Runtime) -> Any:
        yield Send(None, 1.0)  # type: ignore[arg-type]
        if self.fail:
            raise CausdkError("the source refused: secret-in-failure")
        self.fetches += 1
        return Issued(f"value-{self.fetches}", self.clock.now() + timedelta(seconds=self.lasts))


def _rt(clock: FakeClock) -> Runtime:
    return Runtime("test", clock, RetrySettings(), 60.0)


def _run(flow: Any) -> Any:
    driver = Driver(flow)
    while driver.effect is not None:
        driver.resume(None)
    return driver.result


def test_credentials_are_cached_and_refreshed_a_quarter_of_their_life_ahead(
    clock: FakeClock,
) -> None:
    source = Counting(clock, lasts=100)
    auth = RefreshingAuth(source)
    assert _run(auth.signer(_rt(clock))) == "value-1"
    clock.t += 74
    assert _run(auth.signer(_rt(clock))) == "value-1"
    clock.t += 2  # 76 s of 100: inside the last quarter
    assert _run(auth.signer(_rt(clock))) == "value-2"
    assert auth.fetches == 2 and auth.expires_at == clock.now() + timedelta(seconds=100)


def test_concurrent_callers_share_one_fetch(clock: FakeClock) -> None:
    source = Counting(clock)
    auth = RefreshingAuth(source)
    first, second = Driver(auth.signer(_rt(clock))), Driver(auth.signer(_rt(clock)))
    assert isinstance(first.effect, Send)  # the first fetches
    assert isinstance(second.effect, Sleep)  # the second waits for it, fetching nothing
    first.resume(None)
    second.resume(None)
    assert first.result == second.result == "value-1" and source.fetches == 1


def test_while_one_refreshes_the_others_keep_the_valid_credentials(clock: FakeClock) -> None:
    source = Counting(clock, lasts=100)
    auth = RefreshingAuth(source)
    _run(auth.signer(_rt(clock)))
    clock.t += 80
    refreshing = Driver(auth.signer(_rt(clock)))
    assert isinstance(refreshing.effect, Send)
    assert _run(auth.signer(_rt(clock))) == "value-1"  # not blocked: still valid
    refreshing.resume(None)
    assert refreshing.result == "value-2"


def test_a_failed_refresh_keeps_valid_credentials_then_fails_naming_the_source(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    source = Counting(clock, lasts=100)
    auth = RefreshingAuth(source)
    _run(auth.signer(_rt(clock)))
    source.fail = True
    clock.t += 80
    assert _run(auth.signer(_rt(clock))) == "value-1"
    assert "refresh failed, still using the current ones" in caplog.text
    clock.t += 21  # expired now
    with pytest.raises(AuthenticationError) as info:
        _run(auth.signer(_rt(clock)))
    assert "counting" in str(info.value)


def test_invalidate_drops_the_credentials_so_the_next_call_fetches(clock: FakeClock) -> None:
    source = Counting(clock)
    auth = RefreshingAuth(source)
    value = _run(auth.signer(_rt(clock)))
    assert auth.invalidate(value)
    assert _run(auth.signer(_rt(clock))) == "value-2"


# -- Alibaba: STS -----------------------------------------------------------------------------


@respx.mock
def test_assume_role_is_a_v1_signed_form_post_and_its_keys_sign_the_call(
    clock: FakeClock, tmp_path: Path
) -> None:
    sts = respx.post(f"{STS}/").mock(
        return_value=httpx.Response(200, json={"RequestId": "R", "Credentials": sts_keys(clock, 1)})
    )
    cas = respx.post(url__startswith=CAS).mock(return_value=cas_ok())
    revoker = alibaba(clock, {}, tmp_path, access_key_id="BASEAK", access_key_secret="base-secret",
                      role_arn=ROLE, role_session_name="incident", external_id="ext-1")  # fmt: skip
    assert revoker.credential_source == "explicit/ram_role_arn"
    revoker.revoke("ca-1")
    request = sts.calls[0].request
    assert request.url.query == b"" and request.headers["content-type"].startswith(
        "application/x-www-form-urlencoded"
    )
    params = dict(parse_qsl(request.content.decode()))
    assert params["Action"] == "AssumeRole" and params["RoleArn"] == ROLE
    assert params["RoleSessionName"] == "incident" and params["ExternalId"] == "ext-1"
    assert params["AccessKeyId"] == "BASEAK" and params["DurationSeconds"] == "3600"
    assert params["Signature"] == sign_v1("POST", params, "base-secret")
    signed = cas.calls[0].request.headers
    assert "Credential=STS.key1," in signed["authorization"]
    assert signed["x-acs-security-token"] == "sts-token-1-never-printed"


def test_the_assume_role_signature_matches_the_official_library() -> None:
    helper = pytest.importorskip("alibabacloud_credentials.utils.parameter_helper")
    params = {"Action": "AssumeRole", "Format": "JSON", "Version": "2015-04-01",
              "RoleArn": ROLE, "RoleSessionName": "secret-one", "DurationSeconds": "3600",
              "Timestamp": "2026-01-02T03:04:05Z", "SignatureMethod": "HMAC-SHA1",
              "SignatureVersion": "1.0", "SignatureNonce": "n-1", "AccessKeyId": "AK",
              "Policy": '{"Version":"1","Statement":[]}'}  # fmt: skip
    official = helper.sign_string(helper.compose_string_to_sign("POST", params), "secret&")
    assert sign_v1("POST", params, "secret") == official


@respx.mock
def test_oidc_sends_the_token_in_the_body_reads_the_file_anew_and_signs_nothing(
    clock: FakeClock, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(OIDC_TOKEN + "-1\n")
    sts = respx.post(f"{STS}/").mock(
        side_effect=[
            httpx.Response(200, json={"RequestId": "R", "Credentials": sts_keys(clock, n, 100)})
            for n in (1, 2)
        ]
    )
    respx.post(url__startswith=CAS).mock(return_value=cas_ok())
    env = {"ALIBABA_CLOUD_ROLE_ARN": ROLE, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "acs:ram::1:oidc-provider/p",
           "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token_file),
           "ALIBABA_CLOUD_ROLE_SESSION_NAME": "pod"}  # fmt: skip
    revoker = alibaba(clock, env, tmp_path)
    assert revoker.credential_source == "oidc_role_arn"
    revoker.revoke("ca-1")
    token_file.write_text(OIDC_TOKEN + "-2\n")  # the platform rotated it
    clock.t += 90
    revoker.revoke("ca-2")
    bodies = [dict(parse_qsl(c.request.content.decode())) for c in sts.calls]
    assert [b["OIDCToken"] for b in bodies] == [OIDC_TOKEN + "-1", OIDC_TOKEN + "-2"]
    assert all("Signature" not in b and "AccessKeyId" not in b for b in bodies)
    assert all(OIDC_TOKEN not in str(c.request.url) for c in sts.calls)
    assert bodies[0]["Action"] == "AssumeRoleWithOIDC" and bodies[0]["RoleSessionName"] == "pod"


@pytest.mark.parametrize(
    ("env", "host"),
    [
        ({}, "sts.aliyuncs.com"),
        ({"ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED": "true"}, "sts.aliyuncs.com"),  # no region: no VPC
        ({"ALIBABA_CLOUD_STS_REGION": "cn-shanghai"}, "sts.cn-shanghai.aliyuncs.com"),
        ({"ALIBABA_CLOUD_STS_REGION": "cn-shanghai", "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED": "true"},
         "sts-vpc.cn-shanghai.aliyuncs.com"),
    ],
)  # fmt: skip
def test_the_sts_endpoint_is_chosen_as_the_official_library_chooses_it(
    env: dict[str, str], host: str, tmp_path: Path
) -> None:
    env = {
        **env,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "AK",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret-one",
    }
    adapter = alibaba_client.build_adapter(env=env, home=tmp_path, role_arn=ROLE)
    assert adapter.auth._source.endpoint == f"https://{host}"  # type: ignore[attr-defined]


@respx.mock
def test_an_expired_answer_fetches_new_credentials_once_and_repeats_the_call(
    clock: FakeClock, tmp_path: Path
) -> None:
    sts = respx.post(f"{STS}/").mock(
        side_effect=[
            httpx.Response(200, json={"RequestId": "R", "Credentials": sts_keys(clock, n)})
            for n in (1, 2)
        ]
    )
    expired = httpx.Response(400, json={"RequestId": "X", "Code": "InvalidSecurityToken.Expired",
                                        "Message": "The security token you provided has expired."})  # fmt: skip
    cas = respx.post(url__startswith=CAS).mock(side_effect=[expired, cas_ok()])
    revoker = alibaba(
        clock, {}, tmp_path, access_key_id="AK", access_key_secret="secret-one", role_arn=ROLE
    )
    result = revoker.revoke("ca-1")
    assert result.request_id == "REQ-OK" and len(sts.calls) == 2
    tokens = [dict(parse_qsl(c.request.url.query.decode()))["ClientToken"] for c in cas.calls]
    assert tokens[0] == tokens[1]  # the same revoke, repeated safely
    assert revoker._core.adapter.account_key == f"role:{ROLE}"  # not the key id, which rotates


# -- Alibaba: ECS instance metadata and the credentials URI ------------------------------------


def _ecs_keys(clock: FakeClock, n: int = 1) -> dict[str, str]:
    return {"Code": "Success", **sts_keys(clock, n)}


@respx.mock
def test_ecs_uses_an_imdsv2_token_and_discovers_the_role(clock: FakeClock, tmp_path: Path) -> None:
    put = respx.put(f"{MD}/latest/api/token").mock(return_value=httpx.Response(200, text="md-tok"))
    role = respx.get(f"{MD}/latest/meta-data/ram/security-credentials/").mock(
        return_value=httpx.Response(200, text="my-role")
    )
    keys = respx.get(f"{MD}/latest/meta-data/ram/security-credentials/my-role").mock(
        return_value=httpx.Response(200, json=_ecs_keys(clock))
    )
    respx.post(url__startswith=CAS).mock(return_value=cas_ok())
    revoker = alibaba(clock, {}, tmp_path)
    assert revoker.credential_source == "ecs_ram_role"
    revoker.revoke("ca-1")
    assert put.calls[0].request.headers["x-aliyun-ecs-metadata-token-ttl-seconds"] == "21600"
    assert role.calls[0].request.headers["x-aliyun-ecs-metadata-token"] == "md-tok"
    assert keys.calls[0].request.headers["x-aliyun-ecs-metadata-token"] == "md-tok"


@respx.mock
def test_ecs_falls_back_to_imdsv1_without_a_token_unless_that_is_disabled(
    clock: FakeClock, tmp_path: Path
) -> None:
    respx.put(f"{MD}/latest/api/token").mock(return_value=httpx.Response(403))
    keys = respx.get(f"{MD}/latest/meta-data/ram/security-credentials/named").mock(
        return_value=httpx.Response(200, json=_ecs_keys(clock))
    )
    respx.post(url__startswith=CAS).mock(return_value=cas_ok())
    alibaba(clock, {"ALIBABA_CLOUD_ECS_METADATA": "named"}, tmp_path).revoke("ca-1")
    assert "x-aliyun-ecs-metadata-token" not in keys.calls[0].request.headers
    disabled = {"ALIBABA_CLOUD_ECS_METADATA": "named", "ALIBABA_CLOUD_IMDSV1_DISABLED": "true"}
    with pytest.raises(AuthenticationError, match="ecs_ram_role"):
        alibaba(clock, disabled, tmp_path).revoke("ca-1")
    assert len(keys.calls) == 1


@respx.mock
def test_a_read_refused_with_a_token_is_tried_once_without(
    clock: FakeClock, tmp_path: Path
) -> None:
    respx.put(f"{MD}/latest/api/token").mock(return_value=httpx.Response(200, text="md-tok"))
    keys = respx.get(f"{MD}/latest/meta-data/ram/security-credentials/named").mock(
        side_effect=[httpx.Response(401), httpx.Response(200, json=_ecs_keys(clock))]
    )
    respx.post(url__startswith=CAS).mock(return_value=cas_ok())
    alibaba(clock, {"ALIBABA_CLOUD_ECS_METADATA": "named"}, tmp_path).revoke("ca-1")
    assert [("x-aliyun-ecs-metadata-token" in c.request.headers) for c in keys.calls] == [
        True,
        False,
    ]


@respx.mock
def test_an_unexpected_metadata_answer_is_an_authentication_error_without_secrets(
    clock: FakeClock, tmp_path: Path
) -> None:
    respx.put(f"{MD}/latest/api/token").mock(return_value=httpx.Response(200, text="md-tok"))
    body = {"Code": "Failed", "AccessKeySecret": "leaked-secret-value-123"}
    respx.get(url__startswith=f"{MD}/latest/meta-data/ram/security-credentials/").mock(
        return_value=httpx.Response(200, json=body)
    )
    with pytest.raises(AuthenticationError) as info:
        alibaba(clock, {"ALIBABA_CLOUD_ECS_METADATA": "named"}, tmp_path).revoke("ca-1")
    assert "ecs_ram_role" in str(info.value) and "leaked-secret-value-123" not in str(info.value)


@respx.mock
def test_the_credentials_uri_is_read_and_its_failure_named(
    clock: FakeClock, tmp_path: Path
) -> None:
    uri = "http://127.0.0.1:8700/credentials?role=ops"
    answers = iter([httpx.Response(200, json=_ecs_keys(clock))])
    route = respx.get(uri).mock(side_effect=lambda _r: next(answers, httpx.Response(500)))
    respx.post(url__startswith=CAS).mock(return_value=cas_ok())
    env = {"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "ALIBABA_CLOUD_CREDENTIALS_URI": uri}
    revoker = alibaba(clock, env, tmp_path)
    assert revoker.credential_source == "credential_uri"
    revoker.revoke("ca-1")
    clock.t += 4000  # expired: the next call must fetch, and the URI fails
    with pytest.raises(AuthenticationError, match="credential_uri"):
        revoker.revoke("ca-2")
    assert len(route.calls) >= 2


# -- Alibaba: the chain ---------------------------------------------------------------------------


def _cli(home: Path, profiles: list[dict[str, Any]], current: str = "default") -> None:
    (home / ".aliyun").mkdir(exist_ok=True)
    config = {"current": current, "profiles": profiles}
    (home / ".aliyun" / "config.json").write_text(json.dumps(config))


def _ini(home: Path, text: str) -> None:
    (home / ".alibabacloud").mkdir(exist_ok=True)
    (home / ".alibabacloud" / "credentials.ini").write_text(text)


def _source(env: dict[str, str], home: Path, **options: Any) -> str:
    return alibaba_client.build_adapter(env=env, home=home, **options).auth.source


def test_the_chain_follows_the_official_order(tmp_path: Path) -> None:
    token = tmp_path / "oidc"
    token.write_text("token-value-t")
    env_keys = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "AK",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret-one",
    }
    oidc = {"ALIBABA_CLOUD_ROLE_ARN": ROLE, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "p",
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token)}  # fmt: skip
    _cli(tmp_path, [{"name": "default", "mode": "AK", "access_key_id": "CLI",
                     "access_key_secret": "secret-two", "region_id": "cn-shanghai"}])  # fmt: skip
    _ini(
        tmp_path,
        "[default]\ntype = access_key\naccess_key_id = INI\naccess_key_secret = secret-three\n",
    )
    assert _source({**env_keys, **oidc}, tmp_path) == "env"
    assert _source(oidc, tmp_path) == "oidc_role_arn"
    assert _source({}, tmp_path) == "cli_profile:default"  # the CLI config before the INI file
    no_cli = {"ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true"}
    assert _source(no_cli, tmp_path).startswith("profile:")
    (tmp_path / ".alibabacloud" / "credentials.ini").unlink()
    assert _source(no_cli, tmp_path) == "ecs_ram_role"
    uri = {**no_cli, "ALIBABA_CLOUD_CREDENTIALS_URI": "http://127.0.0.1:1/c"}
    assert _source(uri, tmp_path) == "ecs_ram_role or credential_uri"
    assert (
        _source({**uri, "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}, tmp_path)
        == "credential_uri"
    )


def test_the_cli_profile_region_is_the_default_region(tmp_path: Path) -> None:
    _cli(tmp_path, [{"name": "default", "mode": "AK", "access_key_id": "CLI",
                     "access_key_secret": "secret-two", "region_id": "cn-hongkong"}])  # fmt: skip
    adapter = alibaba_client.build_adapter(env={}, home=tmp_path)
    assert adapter.region == "cn-hongkong" and "cn-hongkong" in adapter.endpoint
    given = alibaba_client.build_adapter(
        env={"ALIBABA_CLOUD_REGION_ID": "eu-central-1"}, home=tmp_path
    )
    assert given.region == "eu-central-1"


@pytest.mark.parametrize(
    ("profile", "source"),
    [
        ({"mode": "StsToken", "access_key_id": "A", "access_key_secret": "secret-value-s", "sts_token": "token-value-t"},
         "cli_profile:default"),
        ({"mode": "RamRoleArn", "access_key_id": "A", "access_key_secret": "secret-value-s",
          "ram_role_arn": ROLE, "sts_region": "cn-beijing", "enable_vpc": True},
         "cli_profile:default/ram_role_arn"),
        ({"mode": "EcsRamRole", "ram_role_name": "r"}, "cli_profile:default/ecs_ram_role"),
        ({"mode": "OIDC", "ram_role_arn": ROLE, "oidc_provider_arn": "p",
          "oidc_token_file": "/t"}, "cli_profile:default/oidc_role_arn"),
        ({"mode": "ChainableRamRoleArn", "source_profile": "base", "ram_role_arn": ROLE},
         "cli_profile:default/chainable_ram_role_arn"),
    ],
    ids=["StsToken", "RamRoleArn", "EcsRamRole", "OIDC", "ChainableRamRoleArn"],
)  # fmt: skip
def test_each_cli_profile_mode(profile: dict[str, Any], source: str, tmp_path: Path) -> None:
    base = {
        "name": "base",
        "mode": "AK",
        "access_key_id": "B",
        "access_key_secret": "secret-value-s",
    }
    _cli(tmp_path, [{"name": "default", **profile}, base])
    adapter = alibaba_client.build_adapter(env={}, home=tmp_path)
    assert adapter.auth.source == source
    if profile["mode"] == "RamRoleArn":
        endpoint = adapter.auth._source.endpoint  # type: ignore[attr-defined]
        assert endpoint == "https://sts-vpc.cn-beijing.aliyuncs.com"


def test_an_unsupported_cli_mode_is_refused_not_skipped(tmp_path: Path) -> None:
    _cli(tmp_path, [{"name": "default", "mode": "CloudSSO"}])
    with pytest.raises(ConfigurationError, match="CloudSSO"):
        alibaba_client.build_adapter(env={}, home=tmp_path)


@pytest.mark.parametrize(
    ("section", "source"),
    [
        ("type = ram_role_arn\naccess_key_id = A\naccess_key_secret = secret-value-s\nrole_arn = " + ROLE,
         "/ram_role_arn"),
        ("type = oidc_role_arn\nrole_arn = " + ROLE + "\noidc_provider_arn = p\n"
         "oidc_token_file_path = /t", "/oidc_role_arn"),
        ("type = ecs_ram_role\nrole_name = r", "/ecs_ram_role"),
        ("type = credentials_uri\ncredentials_uri = http://127.0.0.1:1/c", "/credential_uri"),
    ],
    ids=["ram_role_arn", "oidc_role_arn", "ecs_ram_role", "credentials_uri"],
)  # fmt: skip
def test_each_credentials_file_type(section: str, source: str, tmp_path: Path) -> None:
    _ini(tmp_path, f"[default]\n{section}\n")
    assert _source({}, tmp_path).endswith(source)


def test_the_ecs_fallback_off_ecs_says_what_was_tried(clock: FakeClock, tmp_path: Path) -> None:
    env = {"CAUSDK_ALIBABA_METADATA_URL": "http://127.0.0.1:9"}  # refused at once
    with pytest.raises(ConfigurationError) as info:
        alibaba(clock, env, tmp_path).revoke("ca-1")
    text = str(info.value)
    assert "no Alibaba Cloud credentials found" in text and "ECS instance metadata" in text
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in text


# -- Huawei ---------------------------------------------------------------------------------------


def _hw_keys(clock: FakeClock, n: int = 1, lasts: float = 3600) -> dict[str, Any]:
    expires = (clock.now() + timedelta(seconds=lasts)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {"credential": {"access": f"HWTEMP{n}", "secret": f"hw-secret-{n}-never-printed",
                           "securitytoken": f"hw-token-{n}-never-printed",
                           "expires_at": expires}}  # fmt: skip


def _domains() -> respx.Route:
    return respx.get(f"{IAM}/v3/auth/domains").mock(
        return_value=httpx.Response(200, json={"domains": [{"id": "d0main1d", "name": "acct"}]})
    )


@respx.mock
def test_aksk_without_a_domain_id_looks_it_up_once(clock: FakeClock) -> None:
    domains = _domains()
    ccm = respx.post(url__startswith=CCM).mock(return_value=httpx.Response(204))
    revoker = huawei(clock, {"HUAWEICLOUD_SDK_AK": "AKX", "HUAWEICLOUD_SDK_SK": "sk-value"})
    revoker.revoke(HW_CA)
    revoker.revoke(HW_CA)
    assert len(domains.calls) == 1
    lookup = domains.calls[0].request.headers
    assert "x-domain-id" not in lookup and parse_authorization(lookup["authorization"])
    assert all(c.request.headers["x-domain-id"] == "d0main1d" for c in ccm.calls)


@respx.mock
def test_huawei_metadata_keys_with_a_session_token_renewed_after_a_401(clock: FakeClock) -> None:
    put = respx.put(f"{HW_MD}/meta-data/latest/api/token").mock(
        side_effect=[httpx.Response(200, text="secret-one"), httpx.Response(200, text="secret-two")]
    )
    keys = respx.get(f"{HW_MD}/openstack/latest/securitykey").mock(
        side_effect=[
            httpx.Response(401, text="expired session"),
            httpx.Response(200, json=_hw_keys(clock)),
        ]
    )
    _domains()
    ccm = respx.post(url__startswith=CCM).mock(return_value=httpx.Response(204))
    revoker = huawei(clock, {})
    assert revoker.credential_source == "ecs_metadata"
    revoker.revoke(HW_CA)
    assert put.calls[0].request.headers["x-metadata-token-ttl-seconds"] == "21600"
    assert [c.request.headers["x-metadata-token"] for c in keys.calls] == [
        "secret-one",
        "secret-two",
    ]
    sent = ccm.calls[0].request.headers
    assert sent["x-security-token"] == "hw-token-1-never-printed"
    assert "Access=HWTEMP1" in sent["authorization"] and sent["x-domain-id"] == "d0main1d"


@respx.mock
def test_huawei_metadata_without_session_tokens_reads_without_one(clock: FakeClock) -> None:
    respx.put(f"{HW_MD}/meta-data/latest/api/token").mock(return_value=httpx.Response(404))
    keys = respx.get(f"{HW_MD}/openstack/latest/securitykey").mock(
        return_value=httpx.Response(200, json=_hw_keys(clock))
    )
    respx.post(url__startswith=CCM).mock(return_value=httpx.Response(204))
    huawei(clock, {"HUAWEICLOUD_SDK_DOMAIN_ID": "given"}).revoke(HW_CA)
    assert "x-metadata-token" not in keys.calls[0].request.headers


@respx.mock
def test_federation_trades_the_id_token_for_keys_and_rereads_the_file(
    clock: FakeClock, tmp_path: Path
) -> None:
    token_file = tmp_path / "id-token"
    token_file.write_text(ID_TOKEN + "-1")
    unscoped = respx.post(f"{IAM}/v3.0/OS-AUTH/id-token/tokens").mock(
        return_value=httpx.Response(201, json={"token": {}}, headers={"X-Subject-Token": "unsc"})
    )
    trade = respx.post(f"{IAM}/v3.0/OS-CREDENTIAL/securitytokens").mock(
        side_effect=[httpx.Response(201, json=_hw_keys(clock, n, 100)) for n in (1, 2)]
    )
    respx.post(url__startswith=CCM).mock(return_value=httpx.Response(204))
    env = {"HUAWEICLOUD_SDK_IDP_ID": "idp-1", "HUAWEICLOUD_SDK_ID_TOKEN_FILE": str(token_file),
           "HUAWEICLOUD_SDK_AK": "IGNORED", "HUAWEICLOUD_SDK_SK": "ignored-sk",
           "HUAWEICLOUD_SDK_DOMAIN_ID": "d0main1d"}  # fmt: skip
    revoker = huawei(clock, env)
    assert revoker.credential_source == "env/idp_federation"  # the IdP wins over AK/SK
    revoker.revoke(HW_CA)
    token_file.write_text(ID_TOKEN + "-2")
    clock.t += 90
    revoker.revoke(HW_CA)
    sent = [json.loads(c.request.content)["auth"]["id_token"]["id"] for c in unscoped.calls]
    assert sent == [ID_TOKEN + "-1", ID_TOKEN + "-2"]
    assert unscoped.calls[0].request.headers["x-idp-id"] == "idp-1"
    body = json.loads(trade.calls[0].request.content)["auth"]["identity"]
    assert body["methods"] == ["token"] and body["token"]["id"] == "unsc"


def _profile(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "credentials"
    path.write_text(text)
    return {"HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(path)}


def test_the_profile_file_reads_globalcredentials_then_global(tmp_path: Path) -> None:
    both = _profile(tmp_path, "[global]\nak = GLOBAL\nsk = secret-value-1\ndomain_id = d1\n"
                              "[globalcredentials]\nak = GC\nsk = secret-value-2\ndomain_id = d2\n")  # fmt: skip
    env = {"HUAWEICLOUD_SDK_REGION": "cn-north-4", **both}
    auth = huawei_client.build_adapter(env=env).auth
    assert auth.access_key == "GC" and auth.source.endswith("[globalcredentials]")  # type: ignore[attr-defined]
    only = _profile(tmp_path, "[global]\nak = GLOBAL\nsk = secret-value-1\n")
    auth = huawei_client.build_adapter(env={"HUAWEICLOUD_SDK_REGION": "cn-north-4", **only}).auth
    assert auth.access_key == "GLOBAL" and auth.source.endswith("[global]")  # type: ignore[attr-defined]


def test_a_profile_with_an_idp_federates(tmp_path: Path) -> None:
    env = _profile(tmp_path, "[global]\nidp_id = idp-2\nid_token_file = /t\n"
                             "iam_endpoint = https://iam.example.com\n")  # fmt: skip
    adapter = huawei_client.build_adapter(env={"HUAWEICLOUD_SDK_REGION": "cn-north-4", **env})
    assert adapter.auth.source.endswith("[global]/idp_federation")
    assert adapter.auth._source.iam_endpoint == "https://iam.example.com"  # type: ignore[attr-defined]


def test_official_oidc_sts_settings_are_refused_not_ignored() -> None:
    env = {"HUAWEICLOUD_SDK_REGION": "cn-north-4", "HUAWEICLOUD_OIDC_PROVIDER_URN": "urn",
           "HUAWEICLOUD_SDK_AK": "A", "HUAWEICLOUD_SDK_SK": "secret-value-s"}  # fmt: skip
    with pytest.raises(ConfigurationError, match="OIDC STS"):
        huawei_client.build_adapter(env=env)


@respx.mock
def test_no_secret_in_logs_reprs_or_errors_while_fetching(
    clock: FakeClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token_file = tmp_path / "token"
    token_file.write_text(OIDC_TOKEN)
    echo = {"RequestId": "R", "Code": "AuthenticationFail.OIDCToken.Invalid",
            "Message": f"The OIDC token {OIDC_TOKEN} is invalid."}  # fmt: skip
    first = httpx.Response(200, json={"RequestId": "R", "Credentials": sts_keys(clock, 1, 100)})
    answers = iter([first])
    respx.post(f"{STS}/").mock(side_effect=lambda _r: next(answers, httpx.Response(400, json=echo)))
    respx.post(url__startswith=CAS).mock(return_value=cas_ok())
    env = {"ALIBABA_CLOUD_ROLE_ARN": ROLE, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "p",
           "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token_file)}  # fmt: skip
    revoker = alibaba(clock, env, tmp_path)
    revoker.revoke("ca-1")
    who = revoker.whoami().model_dump_json()
    clock.t += 101
    with pytest.raises(AuthenticationError) as info:
        revoker.revoke("ca-2")
    shown = [str(info.value), repr(info.value), repr(revoker), repr(revoker._core.adapter.auth),
             caplog.text, who]  # fmt: skip
    for text in shown:
        for secret in (OIDC_TOKEN, "sts-secret-1-never-printed", "sts-token-1-never-printed"):
            assert secret not in text
    assert "oidc_role_arn" in str(info.value)


def test_rotating_secrets_are_scrubbed_without_growing_forever() -> None:
    from causdk import _redact
    from causdk.secret import Secret

    lasting = Secret("a-long-lived-secret-value-0001")
    first = Secret("rotated-secret-number-000000", temporary=True)
    assert _redact.scrub(f"echo {first.get_secret_value()}") == "echo [redacted]"
    for n in range(_redact.MAX_TEMPORARY):
        Secret(f"rotated-secret-number-{n + 1:06d}", temporary=True)
    assert first.get_secret_value() in _redact.scrub(first.get_secret_value())  # forgotten
    assert _redact.scrub(lasting.get_secret_value()) == "[redacted]"  # never forgotten
    assert len(_redact._temporary) <= _redact.MAX_TEMPORARY
