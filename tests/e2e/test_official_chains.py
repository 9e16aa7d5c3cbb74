"""The same environment and files make causdk and the official default credential chains pick
the same source: ``alibabacloud_credentials.client.Client()`` and huaweicloudsdkcore's default
provider chain, each run in a fresh process (the Alibaba library reads the environment at
import), with the emulator's metadata and STS standing in for the cloud."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from causdk.providers.alibaba.client import build_adapter as alibaba_adapter
from causdk.providers.huawei.client import build_adapter as huawei_adapter
from causdk.testing import Emulator
from tests.conftest import cloud_variable

pytestmark = pytest.mark.official

# In the official library's process: its HTTP (Tea) is sent to the emulator instead of the
# cloud's hosts (STS, instance metadata), which is all this changes.
ALIBABA_OFFICIAL = """
import json, sys
port = int(sys.argv[1])
from Tea.core import TeaCore
send = TeaCore.do_action
def to_emulator(request, runtime_option=None):
    host = request.headers.get("host", "")
    if host.startswith(("100.100.100.200", "sts")):
        request.protocol, request.port, request.headers["host"] = "http", port, "127.0.0.1"
    return send(request, runtime_option)
TeaCore.do_action = to_emulator
from alibabacloud_credentials.client import Client
credential = Client().get_credential()
print(json.dumps({"name": credential.get_provider_name(), "key": credential.access_key_id}))
"""

HUAWEI_OFFICIAL = """
import json, sys
from huaweicloudsdkcore.auth import internal
internal.MetadataAccessor._METADATA_ENDPOINT = sys.argv[1]
from huaweicloudsdkcore.auth.provider import CredentialProviderChain
chain = CredentialProviderChain.get_default_credential_provider_chain("GlobalCredentials")
credentials = chain.get_credentials()
print(json.dumps({"key": credentials.ak, "idp": getattr(credentials, "idp_id", None)}))
"""


def _official(script: str, arg: str, env: dict[str, str], home: Path) -> dict[str, Any]:
    pytest.importorskip("alibabacloud_credentials")
    pytest.importorskip("huaweicloudsdkcore")
    clean = {k: v for k, v in os.environ.items() if not cloud_variable(k)}
    done = subprocess.run(
        [sys.executable, "-c", script, arg], env={**clean, **env, "HOME": str(home)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _official_kind(name: str) -> str:
    """``default/cli_profile/ram_role_arn/static_ak`` → ``cli_profile/ram_role_arn``."""
    parts = name.split("/")[1:]
    if parts[0] in ("cli_profile", "profile"):
        inner = parts[1]
        return f"{parts[0]}/{'static' if inner.startswith('static') else inner}"
    return parts[0]


def _causdk_kind(source: str) -> str:
    """``cli_profile:default/ram_role_arn`` → ``cli_profile/ram_role_arn``."""
    if source.startswith("profile:"):  # profile:<path>[section]/<kind>: the path has slashes
        return f"profile/{source.split(']', 1)[1].lstrip('/') or 'static'}"
    head, _, inner = source.partition("/")
    head = head.split(":")[0]
    if head in ("cli_profile", "profile"):
        return f"{head}/{inner or 'static'}"
    return head


def _write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def _alibaba_scenarios(emu: Emulator, home: Path) -> dict[str, tuple[dict[str, str], str]]:
    c = emu.credentials
    token = _write(home / "oidc-token", c.alibaba_oidc_token)
    keys = {"ALIBABA_CLOUD_ACCESS_KEY_ID": c.alibaba_access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": c.alibaba_access_key_secret}  # fmt: skip
    oidc = emu.alibaba_env("oidc", token_file=token)
    ecs = emu.alibaba_env("ecs_ram_role")
    uri = emu.alibaba_env("credentials_uri")
    ini = _write(home / "ini" / "credentials.ini",
                 "[default]\ntype = access_key\naccess_key_id = INIKEY\naccess_key_secret = secret-value-s\n"
                 "[role]\ntype = ecs_ram_role\nrole_name = causdk-emulator-role\n")  # fmt: skip
    cli = _write(home / "cli" / ".aliyun" / "config.json", json.dumps({"current": "default",
        "profiles": [{"name": "default", "mode": "AK", "access_key_id": "CLIKEY",
                      "access_key_secret": "secret-value-s"},
                     {"name": "role", "mode": "RamRoleArn", "access_key_id": c.alibaba_access_key_id,
                      "access_key_secret": c.alibaba_access_key_secret,
                      "ram_role_arn": "acs:ram::1234567890123456:role/causdk-emulator"}]}))  # fmt: skip
    del cli
    no_ecs = {"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}
    return {
        "env wins over OIDC": ({**keys, **oidc}, "env"),
        "OIDC": (oidc, "oidc_role_arn"),
        "the CLI profile before the INI file": (
            {"ALIBABA_CLOUD_CREDENTIALS_FILE": ini, **no_ecs, "HOME": str(home / "cli")},
            "cli_profile/static",
        ),
        "a CLI RamRoleArn profile": (
            {"ALIBABA_CLOUD_PROFILE": "role", **ecs, "HOME": str(home / "cli")},
            "cli_profile/ram_role_arn",
        ),
        "the INI file": ({"ALIBABA_CLOUD_CREDENTIALS_FILE": ini, **no_ecs}, "profile/static"),
        "an INI ecs_ram_role": (
            {"ALIBABA_CLOUD_CREDENTIALS_FILE": ini, "ALIBABA_CLOUD_PROFILE": "role", **ecs},
            "profile/ecs_ram_role",
        ),
        "the ECS RAM role": (ecs, "ecs_ram_role"),
        "the credentials URI": (uri, "credential_uri"),
    }


def test_alibaba_picks_the_source_the_official_default_chain_picks(tmp_path: Path) -> None:
    with Emulator() as emu:
        for scenario, (env, expected) in _alibaba_scenarios(emu, tmp_path).items():
            home = Path(env.pop("HOME", str(tmp_path / "empty")))
            official = _official(ALIBABA_OFFICIAL, str(emu._server.port), env, home)
            ours = alibaba_adapter(env={**env, "CAUSDK_ALIBABA_METADATA_URL": emu.url}, home=home)
            assert _official_kind(official["name"]) == expected, (scenario, official)
            assert _causdk_kind(ours.auth.source) == expected, (scenario, ours.auth.source)
            static = getattr(ours.auth, "value", None)
            if static is not None:  # fixed keys: the very same key
                assert static.access_key_id == official["key"], scenario


def _huawei_profile(home: Path, sections: str) -> str:
    return _write(home / "hw" / "credentials", sections)


def test_huawei_picks_the_source_the_official_default_chain_picks(tmp_path: Path) -> None:
    with Emulator() as emu:
        token = _write(tmp_path / "id-token", emu.credentials.huawei_id_token)
        both = _huawei_profile(tmp_path, "[globalcredentials]\nak = PROFILEAK\nsk = secret-value-s\n"
                                         "domain_id = d\n[global]\nak = GLOBALAK\nsk = secret-value-s\n")  # fmt: skip
        scenarios: dict[str, tuple[dict[str, str], str]] = {
            "env AK/SK": (
                {"HUAWEICLOUD_SDK_AK": "ENVAK", "HUAWEICLOUD_SDK_SK": "secret-value-s"},
                "ENVAK",
            ),
            "the IdP wins over AK/SK": (
                {
                    "HUAWEICLOUD_SDK_AK": "ENVAK",
                    "HUAWEICLOUD_SDK_SK": "secret-value-s",
                    "HUAWEICLOUD_SDK_IDP_ID": "causdk-emulator-idp",
                    "HUAWEICLOUD_SDK_ID_TOKEN_FILE": token,
                },
                "idp_federation",
            ),
            "the profile's [globalcredentials]": (
                {"HUAWEICLOUD_SDK_CREDENTIALS_FILE": both},
                "PROFILEAK",
            ),
            "instance metadata": ({}, "ecs_metadata"),
        }
        for scenario, (env, expected) in scenarios.items():
            official = _official(HUAWEI_OFFICIAL, emu.url, env, tmp_path / "empty")
            full = {**env, "HUAWEICLOUD_SDK_REGION": "cn-north-4", "HOME": str(tmp_path / "empty"),
                    "CAUSDK_HUAWEI_METADATA_URL": emu.url}  # fmt: skip
            ours = huawei_adapter(env=full).auth
            if expected == "idp_federation":
                assert official["idp"] == "causdk-emulator-idp", scenario
                assert ours.source.endswith("idp_federation"), scenario
            elif expected == "ecs_metadata":
                assert official["key"].startswith("HWTEMP"), scenario  # keys the emulator issued
                assert ours.source == "ecs_metadata", scenario
            else:
                assert official["key"] == expected == ours.access_key, scenario  # type: ignore[attr-defined]


def test_huawei_global_section_where_causdk_differs_on_purpose(tmp_path: Path) -> None:
    """The official default chain looks up ``[globalcredentials]`` only, so a profile with just
    the documented ``[global]`` is passed over (here: for instance metadata); causdk reads it."""
    with Emulator() as emu:
        only_global = {"HUAWEICLOUD_SDK_CREDENTIALS_FILE": _huawei_profile(
            tmp_path, "[global]\nak = GLOBALAK\nsk = secret-value-s\ndomain_id = d\n")}  # fmt: skip
        official = _official(HUAWEI_OFFICIAL, emu.url, only_global, tmp_path)
        assert official["key"].startswith("HWTEMP")
        ours = huawei_adapter(env={**only_global, "HUAWEICLOUD_SDK_REGION": "cn-north-4"}).auth
        assert ours.access_key == "GLOBALAK"  # type: ignore[attr-defined]
