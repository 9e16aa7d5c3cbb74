"""Bad input, endpoints, config files and secrets: refused before anything is sent, in one line,
never echoing a secret or a megabyte of garbage."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import httpx
import pytest
import respx

from causdk import (
    AlibabaRevoker,
    AsyncHuaweiRevoker,
    ClientClosedError,
    ClientSettings,
    ConfigurationError,
    HuaweiRevoker,
    ValidationError,
)
from causdk._redact import register_secret, scrub
from causdk.providers.alibaba.chain import resolve_credentials
from tests.conftest import FakeClock

CA = "0123abcd-0123-4567-89ab-0123456789ab"
HW = "https://ccm.cn-north-4.myhuaweicloud.com"


@pytest.fixture
def huawei() -> HuaweiRevoker:
    return HuaweiRevoker(token="inputs-token-value", endpoint=HW)


@pytest.fixture
def alibaba(account: str) -> AlibabaRevoker:
    return AlibabaRevoker(
        access_key_id=account, access_key_secret="inputs-secret", endpoint="https://cas.test"
    )


# -- item 7: whole strings, no trailing newline ---------------------------------------------------


@pytest.mark.parametrize("suffix", ["\n", "\r\n", " ", "\t", "\x00"])
@respx.mock
def test_ids_are_matched_whole(huawei: HuaweiRevoker, alibaba: AlibabaRevoker, suffix: str) -> None:
    router = respx.route().mock(return_value=httpx.Response(204))
    with pytest.raises(ValidationError):
        huawei.revoke(CA + suffix)
    with pytest.raises(ValidationError):
        alibaba.revoke("cas-1" + suffix)
    with pytest.raises(ValidationError):
        alibaba.revoke("cas-1", client_token="tok" + suffix)
    assert router.call_count == 0


def test_a_region_is_matched_whole() -> None:
    with pytest.raises(ConfigurationError):
        HuaweiRevoker(token="t-value", region="cn-north-4\n")
    with pytest.raises(ConfigurationError):
        AlibabaRevoker(access_key_id="a", access_key_secret="s", region="cn-hangzhou\n")


@respx.mock
def test_a_client_token_for_huawei_is_refused_not_dropped(huawei: HuaweiRevoker) -> None:
    router = respx.route().mock(return_value=httpx.Response(204))
    with pytest.raises(ValidationError, match="no client token"):
        huawei.revoke(CA, client_token="my-token")
    assert router.call_count == 0


def test_bad_input_is_echoed_truncated(huawei: HuaweiRevoker) -> None:
    with pytest.raises(ValidationError) as info:
        huawei.revoke("x" * 10_000_000)
    assert len(str(info.value)) < 400
    with pytest.raises(ValidationError) as many:
        huawei.validate_ids(["y" * 1_000_000] * 50)
    assert len(str(many.value)) < 2000


# -- item 6: endpoints ---------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["http://ccm.example.com", "http://10.1.2.3:8080"])
def test_plain_http_outside_loopback_is_refused(endpoint: str) -> None:
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        HuaweiRevoker(token="t-value", endpoint=endpoint)
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        AlibabaRevoker(access_key_id="a", access_key_secret="s", endpoint=endpoint)


def test_plain_http_is_allowed_by_an_explicit_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ClientSettings(allow_insecure_http=True)
    HuaweiRevoker(token="t-value", endpoint="http://ccm.example.com", settings=settings)
    monkeypatch.setenv("CAUSDK_ALLOW_INSECURE_HTTP", "1")
    AlibabaRevoker(access_key_id="a", access_key_secret="s", endpoint="http://cas.example.com")


@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.1:8999", "http://localhost:8999", "http://[::1]:8999"]
)
def test_loopback_stays_allowed(endpoint: str) -> None:
    HuaweiRevoker(token="t-value", endpoint=endpoint)


def test_an_endpoint_with_user_and_password_is_refused_without_echoing_them() -> None:
    with pytest.raises(ConfigurationError) as info:
        AlibabaRevoker(
            access_key_id="a", access_key_secret="s", endpoint="https://bob:hunter2pw@cas.test"
        )
    assert "hunter2pw" not in str(info.value) and "user or password" in str(info.value)


# -- item 8: secrets -----------------------------------------------------------------------------


def test_short_secrets_are_scrubbed_where_they_stand_alone() -> None:
    register_secret("Zq7!")
    assert "Zq7!" not in scrub("token=Zq7! and (Zq7!) and 'Zq7!'")
    assert scrub("the Zq7!abc word") == "the Zq7!abc word"  # inside another word: left alone


def test_a_config_parse_error_never_echoes_the_file(tmp_path: Path) -> None:
    ini = tmp_path / "credentials.ini"
    ini.write_text("[default]\naccess_key_id = AKID\nLTAI-secret-line-without-equals-sign\n")
    env = {"ALIBABA_CLOUD_CREDENTIALS_FILE": str(ini)}
    with pytest.raises(ConfigurationError) as info:
        resolve_credentials(env=env, home=tmp_path)
    assert "LTAI-secret" not in str(info.value)
    assert "line 3" in str(info.value)


# -- item 9: config files end in one line, never a traceback --------------------------------------


def _cli_config(tmp_path: Path, payload: bytes) -> Path:
    config = tmp_path / ".aliyun" / "config.json"
    config.parent.mkdir()
    config.write_bytes(payload)
    return config


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff\xfe\x00binary\x00\x9c",
        json.dumps({"current": "default", "profiles": [{"name": "default", "mode": "AK",
                    "access_key_id": 5, "access_key_secret": "s-value"}]}).encode(),
        b"[" * 100_000 + b"]" * 100_000,
        json.dumps({"current": 7, "profiles": "nope"}).encode(),
        json.dumps({"profiles": [{"name": "default", "access_key_id": ["x"],
                    "access_key_secret": {"a": 1}}]}).encode(),
    ],
    ids=["binary", "wrong-type", "deep", "wrong-shape", "wrong-types"],
)  # fmt: skip
def test_a_broken_aliyun_config_is_a_configuration_error(tmp_path: Path, payload: bytes) -> None:
    _cli_config(tmp_path, payload)
    with pytest.raises(ConfigurationError) as info:
        resolve_credentials(env={}, home=tmp_path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "payload", [b"\xff\xfe[default]\x00\x9c", b"[default]\naccess_key_id\n"], ids=["binary", "junk"]
)
def test_a_broken_credentials_ini_is_a_configuration_error(tmp_path: Path, payload: bytes) -> None:
    ini = tmp_path / "credentials.ini"
    ini.write_bytes(payload)
    with pytest.raises(ConfigurationError):
        resolve_credentials(env={"ALIBABA_CLOUD_CREDENTIALS_FILE": str(ini)}, home=tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_credentials_file_says_so(tmp_path: Path) -> None:
    ini = tmp_path / "credentials.ini"
    ini.write_text("[default]\naccess_key_id = a\naccess_key_secret = b\n")
    ini.chmod(0)
    with pytest.raises(ConfigurationError, match="cannot be read"):
        resolve_credentials(env={"ALIBABA_CLOUD_CREDENTIALS_FILE": str(ini)}, home=tmp_path)


def test_an_unreadable_credentials_file_is_not_a_missing_section(tmp_path: Path) -> None:
    # A directory where the file should be: unreadable even for root.
    ini = tmp_path / "credentials.ini"
    ini.mkdir()
    with pytest.raises(ConfigurationError, match="cannot be read"):
        resolve_credentials(env={"ALIBABA_CLOUD_CREDENTIALS_FILE": str(ini)}, home=tmp_path)


def test_explicit_credentials_of_the_wrong_type_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        AlibabaRevoker(access_key_id=5, access_key_secret="s")  # type: ignore[arg-type]


# -- item 11: a closed client -----------------------------------------------------------------------


def test_a_closed_client_raises_a_causdk_error(clock: FakeClock) -> None:
    revoker = HuaweiRevoker(token="t-value", endpoint=HW, clock=clock)
    revoker.close()
    with pytest.raises(ClientClosedError):
        revoker.revoke(CA)
    with pytest.raises(ClientClosedError):
        revoker.get(CA)


async def test_a_closed_async_client_raises_a_causdk_error() -> None:
    async with AsyncHuaweiRevoker(token="t-value", endpoint=HW) as revoker:
        pass
    with pytest.raises(ClientClosedError):
        await revoker.revoke(CA)


def test_a_closed_injected_client_raises_a_causdk_error() -> None:
    http = httpx.Client()
    revoker = HuaweiRevoker(token="t-value", endpoint=HW, http_client=http)
    http.close()
    with pytest.raises(ClientClosedError):
        revoker.get(CA)


def test_no_secret_in_the_log_of_a_failed_config(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ini = tmp_path / "credentials.ini"
    ini.write_text("[default]\naccess_key_secret LTAI-hidden-value\n")
    with pytest.raises(ConfigurationError) as info:
        resolve_credentials(env={"ALIBABA_CLOUD_CREDENTIALS_FILE": str(ini)}, home=tmp_path)
    assert "LTAI-hidden-value" not in str(info.value) + caplog.text
