"""The real clients, sync and async, over real HTTP against the local emulator."""

from __future__ import annotations

import time

import pytest

from causdk import (
    AlibabaRevoker,
    AsyncAlibabaRevoker,
    AsyncHuaweiRevoker,
    AuthenticationError,
    CAStatus,
    ClientSettings,
    HuaweiRevoker,
    InvalidStateError,
    NotFoundError,
    RetrySettings,
)
from causdk.testing import Emulator

FAST_RETRY = ClientSettings(retry=RetrySettings(initial_backoff=0.01, max_backoff=0.05))


def _active(emu: Emulator, cloud: str) -> list[str]:
    word = "ISSUE" if cloud == "alibaba" else "ACTIVED"
    return [ca.id for ca in emu.cas(cloud) if ca.kind == "subordinate" and ca.status == word]  # type: ignore[arg-type]


def _root(emu: Emulator, cloud: str) -> str:
    return next(ca.id for ca in emu.cas(cloud) if ca.kind == "root")  # type: ignore[arg-type]


@pytest.fixture
def emu() -> Emulator:
    with Emulator() as emulator:
        yield emulator  # type: ignore[misc]


# -- revocation, both clouds, both shells -------------------------------------------------------


@pytest.mark.parametrize("signature_version", ["v3", "v1"])
def test_alibaba_sync_revoke(emu: Emulator, signature_version: str) -> None:
    target = _active(emu, "alibaba")[0]
    with AlibabaRevoker(signature_version=signature_version, **emu.alibaba_options()) as client:
        result = client.revoke(target, confirm=True)
        assert client.get(target).status is CAStatus.REVOKED
    assert result.confirmed_by_read and result.client_token
    assert [(c.ca_id, c.after) for c in emu.changes] == [(target, "REVOKE")]


async def test_alibaba_async_revoke_with_sts(emu: Emulator) -> None:
    targets = _active(emu, "alibaba")
    async with AsyncAlibabaRevoker(**emu.alibaba_options(sts=True)) as client:
        outcomes = await client.revoke_many(targets)
        listed = [ca async for ca in client.list(status=CAStatus.REVOKED)]
    assert all(o.ok for o in outcomes)
    assert {ca.id for ca in listed} >= set(targets)


@pytest.mark.parametrize("auth", ["token", "aksk", "iam"])
def test_huawei_sync_revoke(emu: Emulator, auth: str) -> None:
    target = _active(emu, "huawei")[0]
    with HuaweiRevoker(**emu.huawei_options(auth)) as client:
        result = client.revoke(target, reason="KEY_COMPROMISE", confirm=True)
    assert result.confirmed_by_read and result.reason_sent
    assert [(c.ca_id, c.after, c.reason) for c in emu.changes] == [
        (target, "REVOKED", "KEY_COMPROMISE")
    ]


async def test_huawei_async_revoke_without_reason(emu: Emulator) -> None:
    target = _active(emu, "huawei")[0]
    async with AsyncHuaweiRevoker(**emu.huawei_options("aksk")) as client:
        await client.revoke(target)
        ca = await client.get(target)
    assert ca.status is CAStatus.REVOKED and emu.changes[0].reason == "UNSPECIFIED"


# -- exactly one state change through faults -----------------------------------------------------


@pytest.mark.parametrize("fault", ["503-after", "drop-after", "drop-before", "html-before"])
def test_alibaba_retries_reuse_the_client_token(emu: Emulator, fault: str) -> None:
    target = _active(emu, "alibaba")[0]
    _inject(emu, fault, "alibaba")
    with AlibabaRevoker(settings=FAST_RETRY, **emu.alibaba_options()) as client:
        result = client.revoke(target)
    assert result.attempts == 2 and not result.already_revoked  # the token replayed the answer
    assert len(emu.changes) == 1
    tokens = {r.client_token for r in emu.requests if r.action == "UpdateCACertificateStatus"}
    assert tokens == {result.client_token}


@pytest.mark.parametrize("fault", ["503-after", "drop-after", "drop-before", "html-before"])
async def test_huawei_retries_confirm_by_reading_back(emu: Emulator, fault: str) -> None:
    target = _active(emu, "huawei")[0]
    _inject(emu, fault, "huawei")
    async with AsyncHuaweiRevoker(settings=FAST_RETRY, **emu.huawei_options()) as client:
        result = await client.revoke(target, reason="SUPERSEDED")
    assert len(emu.changes) == 1
    applied_first = fault.endswith("after")
    assert result.already_revoked is applied_first
    assert result.confirmed_by_read is applied_first


def _inject(emu: Emulator, fault: str, cloud: str) -> None:
    kind, when = fault.split("-")
    after = when == "after"
    if kind == "503":
        emu.fail_next(1, status=503, after=after, cloud=cloud)  # type: ignore[arg-type]
    elif kind == "drop":
        emu.drop_next(1, after=after, cloud=cloud)  # type: ignore[arg-type]
    else:
        emu.html_next(1, cloud=cloud)  # type: ignore[arg-type]


# -- the 10 QPS limit -------------------------------------------------------------------------


def test_alibaba_held_at_ten_per_second_without_throttling(emu: Emulator) -> None:
    targets = emu.add_subordinates("alibaba", 25)
    started = time.monotonic()
    with AlibabaRevoker(**emu.alibaba_options()) as client:
        outcomes = client.revoke_many(targets, concurrency=10)
    elapsed = time.monotonic() - started
    assert all(o.ok for o in outcomes)
    assert emu.throttled == 0
    assert [r for r in emu.requests if r.status != 200] == []
    assert elapsed >= 24 * 0.1  # 25 requests at 10/s, spaced


def test_emulator_throttles_a_client_that_does_not_limit_itself(emu: Emulator) -> None:
    targets = emu.add_subordinates("alibaba", 15)
    unlimited = ClientSettings(rate_limit=0, retry=RetrySettings(max_attempts=10))
    with AlibabaRevoker(settings=unlimited, **emu.alibaba_options()) as client:
        outcomes = client.revoke_many(targets, concurrency=15)
    assert all(o.ok for o in outcomes)  # throttled answers were retried with backoff
    assert emu.throttled > 0
    assert len(emu.changes) == 15


# -- error paths -----------------------------------------------------------------------------------


def test_alibaba_error_paths(emu: Emulator) -> None:
    target = _active(emu, "alibaba")[0]
    options = emu.alibaba_options()
    with AlibabaRevoker(**options) as client:
        with pytest.raises(NotFoundError) as missing:
            client.revoke("no-such-ca")
        assert missing.value.code == "NotFound" and missing.value.request_id
        retired = next(ca.id for ca in emu.cas("alibaba") if ca.status == "REVOKE")
        with pytest.raises(InvalidStateError):
            client.revoke(retired)
    with AlibabaRevoker(**{**options, "access_key_secret": "wrong-secret"}) as client:
        with pytest.raises(AuthenticationError) as bad:
            client.revoke(target)
        assert bad.value.code == "SignatureDoesNotMatch"
    unknown = AlibabaRevoker(**{**options, "access_key_id": "unknown-ak"})
    with unknown as client, pytest.raises(AuthenticationError):
        client.get(target)
    assert emu.changes == []


def test_huawei_error_paths(emu: Emulator) -> None:
    with HuaweiRevoker(**emu.huawei_options()) as client:
        with pytest.raises(InvalidStateError, match="root"):
            client.revoke(_root(emu, "huawei"))
        disabled = next(ca.id for ca in emu.cas("huawei") if ca.status == "DISABLED")
        with pytest.raises(InvalidStateError):
            client.revoke(disabled)
        with pytest.raises(NotFoundError):
            client.revoke("00000000-0000-4000-8000-000000000000")
    bad_token = HuaweiRevoker(token="not-a-valid-token", endpoint=emu.url)
    with bad_token as client, pytest.raises(AuthenticationError):
        client.get(_root(emu, "huawei"))
    aksk = {**emu.huawei_options("aksk"), "secret_key": "wrong-secret-key"}
    with HuaweiRevoker(**aksk) as client, pytest.raises(AuthenticationError):
        client.get(_root(emu, "huawei"))
    assert emu.changes == []


def test_huawei_iam_token_refreshes_after_expiry(emu: Emulator) -> None:
    first, second = _active(emu, "huawei")[:2]
    with HuaweiRevoker(**emu.huawei_options("iam")) as client:
        client.revoke(first)
        emu.huawei.expire_issued_tokens()
        client.revoke(second)
    assert emu.huawei.tokens_issued == 2 and len(emu.changes) == 2


def test_latency_and_throttle_faults(emu: Emulator) -> None:
    emu.set_latency(0.05)
    emu.throttle_next(1, cloud="huawei")
    with HuaweiRevoker(settings=FAST_RETRY, **emu.huawei_options()) as client:
        started = time.monotonic()
        ca = client.get(_root(emu, "huawei"))
    assert ca.id and time.monotonic() - started >= 0.1  # two answers, each delayed


def test_the_pytest_fixture_is_offered_to_users(causdk_emulator: Emulator) -> None:
    with HuaweiRevoker(**causdk_emulator.huawei_options()) as client:
        assert len(list(client.list())) == len(causdk_emulator.cas("huawei"))
