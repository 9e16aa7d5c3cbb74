"""Every runner keeps the same promises: which one a client gets, what it says about a failed
request, what it logs, and that a closed client sends nothing. (Deadlines, body caps, lying
servers, proxies and TLS are run on every runner in test_hostile.py and test_proxies.py.)"""

from __future__ import annotations

import logging
import socket

import pytest

from causdk import (
    AsyncAlibabaRevoker,
    AsyncHuaweiRevoker,
    ClientClosedError,
    ConfigurationError,
    HuaweiRevoker,
    TransportError,
)
from causdk.testing import Emulator
from tests import runners

ASYNC = ("httpx", "aiohttp")


def test_async_clients_take_aiohttp_when_installed_and_sync_ones_httpx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CAUSDK_RUNNER", raising=False)
    options = {"token": "t-value-123", "endpoint": "http://127.0.0.1:9"}
    assert AsyncHuaweiRevoker(**options).runner == "aiohttp"
    assert AsyncHuaweiRevoker(**options, runner="httpx").runner == "httpx"
    assert HuaweiRevoker(**options).runner == "httpx"
    monkeypatch.setenv("CAUSDK_RUNNER", "httpx")
    assert AsyncHuaweiRevoker(**options).runner == "httpx"
    with pytest.raises(ConfigurationError, match="async clients only"):
        HuaweiRevoker(**options, runner="aiohttp")
    with pytest.raises(ConfigurationError, match="one of"):
        AsyncHuaweiRevoker(**options, runner="requests")  # type: ignore[arg-type]


def test_an_httpx_client_or_transport_of_the_callers_keeps_the_httpx_runner() -> None:
    import httpx

    async_client = httpx.AsyncClient()
    revoker = AsyncHuaweiRevoker(token="t-value-123", endpoint="http://127.0.0.1:9",
                                 http_client=async_client)  # fmt: skip
    assert revoker.runner == "httpx"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("kind", runners.KINDS)
def test_a_refused_connection_was_never_sent_and_a_dropped_one_may_have_been(kind: str) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    with (
        runners.huawei(kind, token="t-value-123", endpoint=url) as revoker,
        pytest.raises(TransportError) as refused,
    ):
        revoker.get("0123abcd-0123-4567-89ab-0123456789ab")
    assert not refused.value.may_have_been_sent
    with Emulator() as emu:
        ca_id = emu.add_subordinates("huawei", 1)[0]
        emu.drop_next(after=True)  # the revoke happens, its answer is lost
        with runners.huawei(kind, **emu.huawei_options()) as revoker:
            result = revoker.revoke(ca_id)
        assert result.confirmed_by_read or result.attempts == 1  # read back, or no retry needed
        assert len(emu.changes) == 1  # exactly once


@pytest.mark.parametrize("kind", ASYNC)
def test_no_secret_reaches_the_log_on_any_runner(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with Emulator() as emu:
        c = emu.credentials
        with runners.alibaba(kind, **emu.alibaba_options(sts=True), signature_version="v1") as ali:
            list(ali.list())
        with runners.huawei(kind, **emu.huawei_options("iam")) as hw:
            list(hw.list())
        issued = list(emu.huawei.issued)
    assert "HTTP" in caplog.text or "attempt=1" in caplog.text  # something was logged
    for secret in (c.alibaba_sts_secret, c.alibaba_sts_token, c.huawei_password, *issued):
        assert secret not in caplog.text


async def test_a_closed_async_client_sends_nothing_on_either_runner() -> None:
    for kind in ASYNC:
        revoker = AsyncAlibabaRevoker(access_key_id="AK", access_key_secret="s-value-123",
                                      endpoint="http://127.0.0.1:9", runner=kind)  # fmt: skip
        await revoker.aclose()
        with pytest.raises(ClientClosedError):
            await revoker.get("ca-1")
