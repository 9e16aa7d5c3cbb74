"""The causdk command against the emulator, through click's runner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from causdk.cli import _commands
from causdk.testing import Emulator

ROOT_ERROR = "PCA.10010005"


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(_commands.cli, list(args), input=stdin)


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_bulk_revoke_of_fifty_with_failures_mixed_in(emu: Emulator) -> None:
    good = emu.add_subordinates("huawei", 46)
    root = next(ca.id for ca in emu.cas("huawei") if ca.kind == "root")
    disabled = next(ca.id for ca in emu.cas("huawei") if ca.status == "DISABLED")
    missing = "00000000-0000-4000-8000-000000000000"
    already = emu.add_ca("huawei", status="REVOKED").id
    ids = [*good[:23], root, disabled, *good[23:], missing, already]
    assert len(ids) == 50
    result = run(
        "revoke", "huawei", *ids, "--reason", "KEY_COMPROMISE", "--yes", "--concurrency", "16"
    )
    assert result.exit_code == 1
    assert "46 revoked, 4 failed" in result.stdout
    for failed in (root, disabled, missing, already):
        assert f"failed: {failed}:" in result.stderr  # each failure named, with its error
    assert ROOT_ERROR in result.stderr and "Traceback" not in result.output
    assert len(emu.changes) == 46


def test_revoke_json_prints_one_object_per_ca(emu: Emulator) -> None:
    targets = emu.add_subordinates("alibaba", 3)
    result = run("revoke", "alibaba", *targets, "--json", "--yes")
    assert result.exit_code == 0, result.output
    objects = _json_lines(result.stdout)
    assert [o["ca_id"] for o in objects] == targets
    assert all(o["ok"] and o["client_token"] and o["request_id"] for o in objects)


def test_json_failure_objects_carry_code_and_request_id(emu: Emulator) -> None:
    root = next(ca.id for ca in emu.cas("huawei") if ca.kind == "root")
    result = run("revoke", "huawei", root, "--json", "--yes")
    assert result.exit_code == 1
    [failure] = _json_lines(result.stdout)
    error = failure["error"]
    assert failure["ok"] is False and error["code"] == ROOT_ERROR and error["request_id"]  # type: ignore[index]


def test_dry_run_reads_and_changes_nothing(emu: Emulator) -> None:
    good = emu.add_subordinates("huawei", 2)
    root = next(ca.id for ca in emu.cas("huawei") if ca.kind == "root")
    result = run("revoke", "huawei", *good, root, "--dry-run")
    assert result.exit_code == 1
    assert "2 would be revoked, 1 would fail" in result.stdout
    assert "a root CA cannot be revoked" in result.stdout
    assert emu.changes == []
    ok = run("revoke", "huawei", *good, "--dry-run", "--json")
    assert ok.exit_code == 0 and all(o["would_revoke"] for o in _json_lines(ok.stdout))


def test_confirmation_is_refused_without_a_terminal(emu: Emulator) -> None:
    target = emu.add_subordinates("huawei", 1)[0]
    result = run("revoke", "huawei", target, stdin="y\n")
    assert result.exit_code == 2 and "--yes" in result.stderr
    assert emu.changes == []


@pytest.mark.parametrize(("answer", "code", "changes"), [("y\n", 0, 1), ("n\n", 3, 0)])
def test_confirmation_on_a_terminal(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, answer: str, code: int, changes: int
) -> None:
    monkeypatch.setattr(_commands, "stdin_is_terminal", lambda: True)
    target = emu.add_subordinates("huawei", 1)[0]
    result = run("revoke", "huawei", target, stdin=answer)
    assert result.exit_code == code
    assert "cannot be undone" in result.stderr
    assert len(emu.changes) == changes


def test_ids_from_a_file_and_from_stdin(emu: Emulator, tmp_path: Path) -> None:
    first, second, third = emu.add_subordinates("huawei", 3)
    listing = tmp_path / "ids.txt"
    listing.write_text(f"# leaked on 2026-11-22\n{first}\n\n{second}  # the other one\n")
    assert run("revoke", "huawei", "--from-file", str(listing), "--yes").exit_code == 0
    from_stdin = run("revoke", "huawei", "--from-file", "-", "--yes", stdin=f"{third}\n")
    assert from_stdin.exit_code == 0
    refused = run("revoke", "huawei", "--from-file", "-", stdin=f"{third}\n")
    assert refused.exit_code == 2  # ids on stdin: no way to confirm
    assert {c.ca_id for c in emu.changes} == {first, second, third}


def test_malformed_ids_and_usage_errors_exit_2(emu: Emulator) -> None:
    bad = run("revoke", "huawei", "../etc/passwd", "--yes")
    assert bad.exit_code == 2 and "malformed" in bad.stderr and "Traceback" not in bad.output
    assert run("revoke", "huawei", "--yes").exit_code == 2  # no ids
    assert run("revoke", "gcp", "x").exit_code == 2
    assert run("revoke", "huawei", "x", "--profile", "p").exit_code == 2  # alibaba-only option
    assert emu.changes == []


def test_configuration_errors_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CAUSDK_HUAWEI_AUTH_TOKEN", "HUAWEICLOUD_SDK_AK", "CAUSDK_HUAWEI_IAM_USER"):
        monkeypatch.delenv(name, raising=False)
    result = run(
        "status", "huawei", "00000000-0000-4000-8000-000000000000", "--region", "cn-north-4"
    )
    assert result.exit_code == 2
    assert "no Huawei Cloud credentials found" in result.stderr and "Traceback" not in result.output


def test_status_and_list(emu: Emulator) -> None:
    root = next(ca.id for ca in emu.cas("alibaba") if ca.kind == "root")
    status = run("status", "alibaba", root, "no-such-ca")
    assert status.exit_code == 1
    assert "root" in status.stdout and "NotFound" in status.stdout
    listed = run("list", "huawei", "--json")
    assert listed.exit_code == 0
    assert len(_json_lines(listed.stdout)) == len(emu.cas("huawei"))
    active = run("list", "alibaba", "--status", "active", "--limit", "2")
    assert active.exit_code == 0 and active.stdout.count("active (ISSUE)") == 2


def test_verbose_logs_request_ids_and_no_secret(emu: Emulator) -> None:
    target = emu.add_subordinates("alibaba", 1)[0]
    result = run("revoke", "alibaba", target, "--yes", "-vv")
    assert result.exit_code == 0
    assert "request_id=" in result.stderr and "UpdateCACertificateStatus attempt=1" in result.stderr
    assert emu.credentials.alibaba_access_key_secret not in result.output


def test_ask_secret_needs_a_terminal(emu: Emulator) -> None:
    result = run("status", "huawei", "00000000-0000-4000-8000-000000000000", "--ask-secret")
    assert result.exit_code == 2 and "terminal" in result.stderr


def test_console_entry_points() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "causdk", "--version"], capture_output=True, text=True, check=True
    )
    assert "causdk" in version.stdout
    helped = subprocess.run(
        [sys.executable, "-m", "causdk", "revoke", "--help"], capture_output=True, text=True
    )
    assert helped.returncode == 0 and "--dry-run" in helped.stdout


def test_emulator_command_prints_how_to_point_at_it() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "causdk", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(9)]  # type: ignore[union-attr]
    finally:
        proc.terminate()
        proc.wait(10)
    text = "".join(lines)
    assert "export ALIBABA_CLOUD_CAS_ENDPOINT=http://127.0.0.1:" in text
    assert "export CAUSDK_HUAWEI_ENDPOINT" in text
