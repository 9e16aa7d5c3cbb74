"""Role and temporary credentials end to end: the real clients, over real HTTP, get credentials
from the emulator's STS, metadata and IAM, and rotate them while a bulk revoke runs."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from causdk import (
    AlibabaRevoker,
    AsyncHuaweiRevoker,
    AuthenticationError,
    CARevoker,
    ClientSettings,
)
from causdk.providers.alibaba.chain import METADATA_BUDGET
from causdk.providers.alibaba.client import build_adapter
from causdk.testing import Emulator
from tests import hostile
from tests.conftest import cloud_variable


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No credentials of the machine's: only what each test sets."""
    for name in list(os.environ):
        if cloud_variable(name):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def _issued_secrets(emu: Emulator) -> list[str]:
    """Every secret and token the emulator issued or accepts, and the OIDC and ID tokens."""
    found = [emu.credentials.alibaba_oidc_token, emu.credentials.huawei_id_token]
    found += [s for k, s in emu.alibaba.credentials.items() if k.startswith("STS.")]
    found += list(emu.alibaba.sts_tokens.values())
    found += [emu.huawei.aksk[k][0] for k in emu.huawei.temporary]
    found += [token for token, _expiry in emu.huawei.temporary.values()]
    return found


def _refused_as_expired(emu: Emulator) -> int:
    return sum(
        1 for r in emu.requests if r.code in ("InvalidSecurityToken.Expired",) or r.status == 401
    )


def test_a_300_revoke_alibaba_bulk_rotates_oidc_credentials_lasting_10_s(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with Emulator(credential_ttl=10, seed=False) as emu:
        token_file = bare_env / "oidc-token"
        token_file.write_text(emu.credentials.alibaba_oidc_token)
        for name, value in emu.alibaba_env("oidc", token_file=str(token_file)).items():
            monkeypatch.setenv(name, value)
        ids = emu.add_subordinates("alibaba", 300)
        with AlibabaRevoker() as revoker:
            assert revoker.credential_source == "oidc_role_arn"
            outcomes = revoker.revoke_many(ids, concurrency=8)
        assert [o.error for o in outcomes if not o.ok] == []
        changed = Counter(c.ca_id for c in emu.changes)
        assert len(changed) == 300 and max(changed.values()) == 1  # none revoked twice
        assert emu.platform.rotations("AssumeRoleWithOIDC") >= 3  # the first, and two rotations
        assert _refused_as_expired(emu) == 0  # refreshed before they expired, every time
        keys = {r.account for r in emu.requests if r.action == "UpdateCACertificateStatus"}
        assert len(keys) >= 3  # the revokes really were signed with the rotated keys
        for secret in _issued_secrets(emu):
            assert secret not in caplog.text


@pytest.mark.single_runner  # 25 s; the default runner (aiohttp in CI)
async def test_a_huawei_async_bulk_rotates_metadata_keys_lasting_10_s(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with Emulator(credential_ttl=10, seed=False) as emu:
        for name, value in emu.huawei_env("ecs_metadata").items():
            monkeypatch.setenv(name, value)
        ids = emu.add_subordinates("huawei", 250)
        settings = ClientSettings(rate_limit=10)  # 25 s: long enough for keys of 10 s to rotate
        async with AsyncHuaweiRevoker(settings=settings) as revoker:
            assert revoker.credential_source == "ecs_metadata"
            outcomes = await revoker.revoke_many(ids, concurrency=16)
        assert [o.error for o in outcomes if not o.ok] == []
        changed = Counter(c.ca_id for c in emu.changes)
        assert len(changed) == 250 and max(changed.values()) == 1
        assert emu.platform.rotations("huawei-ecs") >= 3
        assert _refused_as_expired(emu) == 0
        for secret in _issued_secrets(emu):
            assert secret not in caplog.text


@pytest.mark.parametrize("source", ["ecs_ram_role", "credentials_uri", "ram_role_arn", "oidc"])
def test_each_alibaba_source_rotates_while_revoking(
    source: str, bare_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Emulator(credential_ttl=2, seed=False, rate_limit=None) as emu:
        token_file = bare_env / "oidc-token"
        token_file.write_text(emu.credentials.alibaba_oidc_token)
        options = {}
        if source == "ram_role_arn":
            options = emu.alibaba_role_options()
        else:
            for name, value in emu.alibaba_env(source, token_file=str(token_file)).items():
                monkeypatch.setenv(name, value)
        ids = emu.add_subordinates("alibaba", 40)
        with AlibabaRevoker(settings=ClientSettings(rate_limit=10), **options) as revoker:
            outcomes = revoker.revoke_many(ids, concurrency=4)  # 4 s at 10 per second
            info = revoker.whoami()
        assert all(o.ok for o in outcomes) and len(emu.changes) == 40
        assert emu.platform.rotations() >= 2 and _refused_as_expired(emu) == 0
        assert info.expires_at is not None and info.account.startswith(("role:", "ecs", "cred"))


async def test_huawei_federation_and_a_discovered_domain_end_to_end(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with Emulator(credential_ttl=2, seed=False) as emu:
        token_file = bare_env / "id-token"
        token_file.write_text(emu.credentials.huawei_id_token)
        for name, value in emu.huawei_env("federation", token_file=str(token_file)).items():
            monkeypatch.setenv(name, value)
        ids = emu.add_subordinates("huawei", 30)
        async with AsyncHuaweiRevoker(settings=ClientSettings(rate_limit=10)) as revoker:
            outcomes = await revoker.revoke_many(ids)
            info = await revoker.whoami()
        assert all(o.ok for o in outcomes) and len(emu.changes) == 30
        assert emu.platform.rotations("huawei-federation") >= 2
        assert info.account == emu.credentials.huawei_domain_id  # looked up through IAM
        lookups = [r for r in emu.requests if r.action == "KeystoneListAuthDomains"]
        assert len(lookups) == 1  # once, not at every rotation


def test_causdk_whoami_names_the_source_and_expiry_and_no_secret(bare_env: Path) -> None:
    with Emulator(credential_ttl=600) as emu:
        env = {**os.environ, **emu.alibaba_env("ecs_ram_role")}
        done = subprocess.run(
            [sys.executable, "-m", "causdk", "whoami", "alibaba", "--json"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        info = json.loads(done.stdout)
        assert info["credential_source"] == "ecs_ram_role" and info["expires_at"]
        assert info["endpoint"] == emu.url and info["region"] == "cn-hangzhou"
        for secret in _issued_secrets(emu):
            assert secret not in done.stdout + done.stderr


@pytest.mark.parametrize(
    "behaviour",
    [hostile.never_answers, hostile.trickles_body, hostile.captive_portal, hostile.gzip_bomb],
    ids=["never-answers", "trickles", "captive-portal", "gzip-bomb"],
)
def test_lying_instance_metadata_fails_in_seconds_with_a_typed_error(
    behaviour: hostile.Behaviour, bare_env: Path
) -> None:
    """A metadata address that hangs, trickles, or answers with a portal page or a bomb: the
    call fails within the metadata's few seconds, typed, naming the source, revoking nothing."""
    with hostile.hostile(behaviour) as server:
        env = {"CAUSDK_ALIBABA_METADATA_URL": server.url, "ALIBABA_CLOUD_ECS_METADATA": "r",
               "ALIBABA_CLOUD_CAS_ENDPOINT": server.url}  # fmt: skip
        started = time.monotonic()
        adapter = build_adapter(env=env, home=bare_env)
        with CARevoker(adapter) as revoker, pytest.raises(AuthenticationError) as info:
            revoker.revoke("ca-1")
        spent = time.monotonic() - started
    assert "ecs_ram_role" in str(info.value)
    assert spent < METADATA_BUDGET + 3
    assert not any(r.path == "/" for r in server.requests)  # no revoke was sent


def test_instance_metadata_is_never_reached_through_a_proxy() -> None:
    from causdk._proxy import ProxyChoice

    env_proxy = {"http_proxy": "http://127.0.0.1:3128", "https_proxy": "http://127.0.0.1:3128"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env_proxy.items():
            patch.setenv(name, value)
        for settings in (ClientSettings(), ClientSettings(proxy="http://127.0.0.1:3128")):
            choice = ProxyChoice(settings)
            for host in ("100.100.100.200", "169.254.169.254"):
                assert choice.for_url("http", host, host) is None
            assert choice.for_url("https", "cas.aliyuncs.com", "cas.aliyuncs.com") is not None
