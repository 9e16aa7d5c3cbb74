"""A user's first hour: examples copied alone, the emulator session README shows, JSON a
program can read, messages that speak CLI, and emulated CAs in the public vocabulary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import causdk
from causdk import CAKind
from causdk.testing import Emulator
from tests.conftest import cloud_variable

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.py"))


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not cloud_variable(k)}  # fmt: skip
    env["HOME"] = str(home)
    return env


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_each_example_runs_alone_against_the_emulator(example: Path, tmp_path: Path) -> None:
    alone = tmp_path / example.name
    shutil.copy(example, alone)  # nothing else of the repository beside it
    done = subprocess.run(
        [sys.executable, alone.name], cwd=tmp_path, env=_clean_env(tmp_path),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "revoked" in done.stdout


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_each_example_without_credentials_ends_in_one_line(example: Path, tmp_path: Path) -> None:
    alone = tmp_path / example.name
    shutil.copy(example, alone)
    ca_id = "0123abcd-0123-4567-89ab-0123456789ab"
    done = subprocess.run(
        [sys.executable, alone.name, ca_id], cwd=tmp_path, env=_clean_env(tmp_path),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and ("credentials" in lines[0] or "region" in lines[0]), lines


def test_the_readme_session_points_the_shell_at_the_emulator(tmp_path: Path) -> None:
    """`causdk emulator` prints export lines; with them, `causdk list huawei` works."""
    emulator = subprocess.Popen(
        [sys.executable, "-m", "causdk", "emulator", "--port", "0"],
        stdout=subprocess.PIPE, text=True, env=_clean_env(tmp_path),
    )  # fmt: skip
    try:
        exports = {}
        while len(exports) < 5:
            line = emulator.stdout.readline()  # type: ignore[union-attr]
            assert line, "the emulator ended early"
            if line.strip().startswith("export "):
                name, _, value = line.strip()[len("export ") :].partition("=")
                exports[name] = value
        env = {**_clean_env(tmp_path), **exports}
        for provider in ("huawei", "alibaba"):
            done = subprocess.run(
                [sys.executable, "-m", "causdk", "list", provider, "--json-array"],
                env=env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            assert len(json.loads(done.stdout)) >= 2  # one JSON document, several CAs
    finally:
        emulator.terminate()
        emulator.wait(10)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "causdk", *args], capture_output=True, text=True, timeout=60
    )


def test_json_lines_and_json_array_say_the_same(emu: Emulator) -> None:
    lines = _cli("list", "huawei", "--json")
    array = _cli("list", "huawei", "--json-array")
    assert lines.returncode == array.returncode == 0
    records = [json.loads(line) for line in lines.stdout.splitlines()]
    assert records == json.loads(array.stdout) and len(records) >= 2


def test_revoke_json_records_follow_the_documented_schema(emu: Emulator) -> None:
    good = emu.add_subordinates("huawei", 1)[0]
    root = next(ca.id for ca in emu.cas("huawei") if ca.kind == CAKind.ROOT)
    done = _cli("revoke", "huawei", good, root, "--yes", "--json-array")
    assert done.returncode == 1
    ok, failed = json.loads(done.stdout)
    assert ok["ok"] is True and ok["ca_id"] == good and ok["request_id"]
    assert {"attempts", "confirmed_by_read", "already_revoked", "provider"} <= set(ok)
    assert failed["ok"] is False and failed["ca_id"] == root
    assert {"type", "code", "message", "request_id", "status_code"} <= set(failed["error"])
    assert failed["error"]["type"] == "InvalidStateError"


def test_json_and_json_array_together_is_a_usage_error(emu: Emulator) -> None:
    assert _cli("list", "huawei", "--json", "--json-array").returncode == 2


def test_configuration_errors_speak_cli_and_end_with_a_full_stop(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "causdk", "list", "huawei"], env=_clean_env(tmp_path),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "--region" in line and "--endpoint" in line
    assert "region=" not in line.replace("(region=, --region", "")  # the SDK's word is not alone
    assert line.endswith(".")
    assert ". ." not in line and "CAUSDK_HUAWEI_ENDPOINT Fix" not in line


def test_every_error_message_is_a_sentence() -> None:
    errors = [
        causdk.ConfigurationError("no region"),
        causdk.ValidationError("bad id"),
        causdk.TransportError("timed out", kind="ReadTimeout", may_have_been_sent=True),
        causdk.ServerError(provider="huawei", action="X", status_code=500, code=None,
                           message="boom", request_id="r"),
    ]  # fmt: skip
    for error in errors:
        assert error.message.endswith(".")
        assert ". ." not in str(error)


def test_emulated_cas_speak_the_public_vocabulary(emu: Emulator) -> None:
    roots = [ca for ca in emu.cas("huawei") if ca.kind == CAKind.ROOT]
    subs = [ca for ca in emu.cas("huawei") if ca.kind == CAKind.SUBORDINATE]
    assert roots and subs
    with causdk.HuaweiRevoker(**emu.huawei_options()) as revoker:
        listed = {ca.id: ca.kind for ca in revoker.list()}
    assert all(listed[ca.id] == ca.kind for ca in roots + subs)
    assert emu.add_ca("alibaba", kind=CAKind.ROOT).kind == "root"
