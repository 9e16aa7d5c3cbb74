"""No secret in anything causdk prints: real-looking secrets of every kind, short ones included,
through every fault, DEBUG logging on a root handler (httpx and httpcore included), the CLI at
-vv, reprs, and tracebacks rendered with their local variables. Then grep everything.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from causdk import (
    AlibabaRevoker,
    ClientSettings,
    HuaweiRevoker,
    RetrySettings,
)
from causdk.testing import Emulator, EmulatorCredentials
from tests import hostile
from tests.hostile import Conn, Request

SECRETS = EmulatorCredentials(
    alibaba_access_key_id="LTAI5tQ2mXv9Rk8pWz3nJd7F",
    alibaba_access_key_secret="Xq3vT9pLm2Rw8sKd1fGh7JnBc4Zy6A",
    alibaba_sts_access_key_id="STS.NUqLm3kX8vR2pT9wZ5yJd",
    alibaba_sts_secret="Hk2Lp9Qw4Rt7Yu1Io3Pa6Sd8Fg0Jz",
    alibaba_sts_token="CAIS9AF1q6Ft5B2yfSjIr5bBCtLzoutm0oW7SEHWo3kNYrxYiqzFjzz2IHhMenJoBO0b",
    huawei_token="MIIPfAYJKoZIhvcNAQcCoIIPbTCCD2kCAQExDTALBglghkgBZQMEAgEwgg2OBgkqhkiG",
    huawei_access_key="HPUAQ7ZK3M9RT2XW5VYB",
    huawei_secret_key="s3K!",
    huawei_password="Pw9!",
)
LEAKABLE = {
    "alibaba secret": SECRETS.alibaba_access_key_secret,
    "alibaba STS secret": SECRETS.alibaba_sts_secret,
    "alibaba STS token": SECRETS.alibaba_sts_token,
    "huawei token": SECRETS.huawei_token,
    "huawei SK": SECRETS.huawei_secret_key,
    "huawei IAM password": SECRETS.huawei_password,
}
CA = "0123abcd-0123-4567-89ab-0123456789ab"
FAST = ClientSettings(deadline=5, retry=RetrySettings(initial_backoff=0.01, max_backoff=0.05))


class Captured:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, text: str) -> None:
        self.texts.append(text)

    def error(self, error: BaseException) -> None:
        self.add(str(error))
        self.add(repr(error))
        rendered = traceback.TracebackException.from_exception(error, capture_locals=True)
        self.add("".join(rendered.format()))

    def attempt(self, call: Callable[[], object]) -> None:
        try:
            self.add(repr(call()))
        except Exception as error:
            self.error(error)


@pytest.fixture
def captured() -> Iterator[Captured]:
    sink, root = io.StringIO(), logging.getLogger()
    handler = logging.StreamHandler(sink)  # no filter of causdk's on it: the root of an app
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    result = Captured()
    try:
        yield result
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        result.add(sink.getvalue())
    everything = "\n".join(result.texts)
    assert "huawei" in everything and "alibaba" in everything  # the scenarios did run
    leaked = [name for name, value in LEAKABLE.items() if value in everything]
    assert not leaked, f"leaked: {leaked}"


def _echo_credentials(conn: Conn, request: Request) -> bool:
    """A server that echoes the request's credentials back in its error, as some gateways do."""
    echoed = " ".join(f"{k}={v}" for k, v in request.headers.items()) + " " + request.path
    echoed += " " + request.body.decode("utf-8", "replace")
    body = json.dumps({"error_code": "APIGW.0301", "error_msg": f"bad auth: {echoed}",
                       "Code": "InvalidAccessKeyId", "Message": f"bad: {echoed}",
                       "RequestId": "R"})  # fmt: skip
    conn.answer(401, body.encode(), {"Content-Type": "application/json"})
    return True


def test_no_secret_escapes_sdk_logs_errors_reprs_or_tracebacks(captured: Captured) -> None:
    with Emulator(credentials=SECRETS) as emu:
        ali = emu.add_subordinates("alibaba", 12)
        hw = emu.add_subordinates("huawei", 12)
        clients = [
            AlibabaRevoker(**emu.alibaba_options(), settings=FAST),
            AlibabaRevoker(**emu.alibaba_options(sts=True), settings=FAST),
            AlibabaRevoker(**emu.alibaba_options(sts=True), signature_version="v1", settings=FAST),
            HuaweiRevoker(**emu.huawei_options("token"), settings=FAST),
            HuaweiRevoker(**emu.huawei_options("aksk"), settings=FAST),
            HuaweiRevoker(**emu.huawei_options("iam"), settings=FAST),
        ]
        faults: list[Callable[[], None]] = [
            lambda: None,
            lambda: emu.fail_next(1, status=503, after=True),
            lambda: emu.drop_next(1, after=True),
            lambda: emu.html_next(1),
            lambda: emu.throttle_next(1),
        ]
        for revoker in clients:
            captured.add(repr(revoker))
            ids = ali if revoker.provider.value == "alibaba" else hw
            for fault in faults:
                fault()
                captured.attempt(lambda r=revoker, i=ids: r.revoke(i.pop()))
            captured.attempt(lambda r=revoker: list(r.list()))
            revoker.close()
        wrong = [
            AlibabaRevoker(access_key_id=SECRETS.alibaba_access_key_id,
                           access_key_secret=SECRETS.alibaba_sts_secret, endpoint=emu.url),
            HuaweiRevoker(access_key=SECRETS.huawei_access_key, secret_key="s3K!",
                          domain_id="0" * 32, endpoint=emu.url),
        ]  # fmt: skip
        for revoker in wrong:
            captured.attempt(lambda r=revoker: r.get(CA if r.provider.value == "huawei" else "c"))
    with hostile.hostile(_echo_credentials) as server:
        for revoker in (
            AlibabaRevoker(**{**emu.alibaba_options(sts=True), "endpoint": server.url}),
            AlibabaRevoker(**{**emu.alibaba_options(sts=True), "endpoint": server.url},
                           signature_version="v1"),
            HuaweiRevoker(**{**emu.huawei_options("token"), "endpoint": server.url}),
            HuaweiRevoker(**{**emu.huawei_options("aksk"), "endpoint": server.url}),
            HuaweiRevoker(**{**emu.huawei_options("iam"), "endpoint": server.url,
                             "iam_endpoint": server.url}),
        ):  # fmt: skip
            captured.attempt(
                lambda r=revoker: r.revoke(CA if r.provider.value == "huawei" else "c")
            )


def test_no_secret_in_the_cli_at_full_verbosity(tmp_path: Path) -> None:
    with Emulator(credentials=SECRETS) as emu:
        ali = emu.add_subordinates("alibaba", 2)
        hw = emu.add_subordinates("huawei", 2)
        emu.fail_next(1, status=503, after=True)
        env = {
            **os.environ,
            "HOME": str(tmp_path),
            "ALIBABA_CLOUD_CAS_ENDPOINT": emu.url,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": SECRETS.alibaba_sts_access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRETS.alibaba_sts_secret,
            "ALIBABA_CLOUD_SECURITY_TOKEN": SECRETS.alibaba_sts_token,
            "CAUSDK_HUAWEI_ENDPOINT": emu.url,
            "CAUSDK_HUAWEI_AUTH_TOKEN": SECRETS.huawei_token,
        }
        outputs = []
        for args in (
            ["revoke", "alibaba", *ali, "--yes", "-vv"],
            ["revoke", "huawei", *hw, "--yes", "-vv", "--json"],
            ["status", "huawei", CA, "-vv"],
            ["list", "alibaba", "-vv"],
        ):
            done = subprocess.run(
                [sys.executable, "-m", "causdk", *args], env=env, capture_output=True,
                text=True, timeout=60,
            )  # fmt: skip
            outputs.append(done.stdout + done.stderr)
        env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "wrong-" + SECRETS.alibaba_sts_secret
        done = subprocess.run(
            [sys.executable, "-m", "causdk", "status", "alibaba", "c", "-vv"], env=env,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        outputs.append(done.stdout + done.stderr)
    everything = "\n".join(outputs)
    assert "DEBUG" in everything and "revoked" in everything
    leaked = [name for name, value in LEAKABLE.items() if value in everything]
    assert not leaked, f"leaked: {leaked}"
