"""The command line when things go wrong: lying servers, broken files, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from causdk.cli import _commands
from causdk.testing import Emulator
from tests import hostile
from tests.conftest import cloud_variable

CA = "0123abcd-0123-4567-89ab-0123456789ab"


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(_commands.cli, list(args), env=env)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if cloud_variable(name):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))


@pytest.mark.parametrize(
    "liar",
    [hostile.captive_portal, hostile.invalid_json, hostile.error_json_200, hostile.gzip_bomb],
)
def test_a_lying_server_is_never_reported_revoked(liar: hostile.Behaviour) -> None:
    with hostile.hostile(liar) as server:
        env = {"CAUSDK_HUAWEI_ENDPOINT": server.url, "CAUSDK_HUAWEI_AUTH_TOKEN": "cli-token-v"}
        result = run("revoke", "huawei", CA, "--yes", "--timeout", "2", env=env)
    assert result.exit_code == 1, result.output
    assert "0 revoked, 1 failed" in result.output
    assert "UnexpectedResponseError" in result.output


def _one_line_exit_2(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    return errors[0]


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("credentials.ini", b"\xff\xfe[default]\x00\x9c\x00"),
        ("credentials.ini", b"[default]\naccess_key_id = a\nLTAI-secret-line\n"),
        ("config.json", b"\x89PNG\r\n\x1a\n\x00\x00binary"),
        ("config.json", b'{"current": "default", "profiles": [{"name": "default", '
                        b'"access_key_id": 5, "access_key_secret": "LTAI-secret-line"}]}'),
        ("config.json", b"[" * 100_000 + b"]" * 100_000),
    ],
    ids=["ini-binary", "ini-junk", "json-binary", "json-wrong-type", "json-deep"],
)  # fmt: skip
def test_broken_credential_files_end_in_one_line(tmp_path: Path, name: str, payload: bytes) -> None:
    folder = tmp_path / (".alibabacloud" if name.endswith(".ini") else ".aliyun")
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(payload)
    line = _one_line_exit_2(run("status", "alibaba", "cas-1"))
    assert "LTAI-secret" not in line


def test_an_unreadable_credentials_file_is_reported_as_such(tmp_path: Path) -> None:
    (tmp_path / ".alibabacloud").mkdir()
    (tmp_path / ".alibabacloud" / "credentials.ini").mkdir()  # unreadable as a file
    line = _one_line_exit_2(run("status", "alibaba", "cas-1"))
    assert "cannot be read" in line


def test_a_binary_from_file_ends_in_one_line(tmp_path: Path) -> None:
    ids = tmp_path / "ids.bin"
    ids.write_bytes(b"\xff\xfe\x00\x01binary\x9c")
    env = {"CAUSDK_HUAWEI_ENDPOINT": "http://127.0.0.1:9", "CAUSDK_HUAWEI_AUTH_TOKEN": "t-v"}
    line = _one_line_exit_2(run("revoke", "huawei", "--from-file", str(ids), "--yes", env=env))
    assert "UTF-8" in line


def test_a_huge_bad_id_is_echoed_truncated(tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("z" * 10_000_000 + "\n")
    env = {"CAUSDK_HUAWEI_ENDPOINT": "http://127.0.0.1:9", "CAUSDK_HUAWEI_AUTH_TOKEN": "t-v"}
    line = _one_line_exit_2(run("revoke", "huawei", "--from-file", str(ids), "--yes", env=env))
    assert len(line) < 500


def test_ctrl_c_stops_sending_and_says_what_happened(tmp_path: Path) -> None:
    with Emulator() as emu:
        emu.set_latency(0.25)
        ids = emu.add_subordinates("huawei", 40)
        env = {
            **os.environ,
            "HOME": str(tmp_path),
            "CAUSDK_HUAWEI_ENDPOINT": emu.url,
            "CAUSDK_HUAWEI_AUTH_TOKEN": emu.credentials.huawei_token,
            "PYTHONUNBUFFERED": "1",
        }
        args = ["revoke", "huawei", *ids, "--yes", "--concurrency", "4"]
        cli = subprocess.Popen(
            [sys.executable, "-m", "causdk", *args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while len(emu.changes) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        cli.send_signal(signal.SIGINT)
        out, err = cli.communicate(timeout=30)
        changed = {change.ca_id for change in emu.changes}
        time.sleep(0.5)
        assert {change.ca_id for change in emu.changes} == changed  # nothing sent after exit
    assert cli.returncode == 130, err
    revoked = {line.split()[0] for line in out.splitlines() if " revoked " in f" {line} "}
    unsettled = {
        line.rsplit(" ", 1)[1] for line in err.splitlines() if line.startswith("unsettled")
    }
    not_attempted = {
        line.rsplit(" ", 1)[1] for line in err.splitlines() if line.startswith("not attempted")
    }
    assert "Nothing more was sent." in err and "interrupted: " in err
    assert revoked  # those that settled are listed, in the table
    assert changed <= revoked | unsettled  # every CA changed is reported
    assert not (not_attempted & changed)  # and nothing reported "not attempted" was changed
    assert len(revoked) + len(unsettled) + len(not_attempted) == 40
    assert len(not_attempted) > 20  # it stopped early, not after revoking everything
    assert "Traceback" not in err and "Aborted" not in err
