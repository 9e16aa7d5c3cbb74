"""Bulk jobs that survive a crash: the journal, against the emulator over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from causdk import (
    AlibabaRevoker,
    AsyncHuaweiRevoker,
    ConfigurationError,
    HuaweiRevoker,
)
from causdk.journal import Journal
from causdk.testing import Emulator


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_each_step_is_recorded_and_a_rerun_sends_nothing(tmp_path: Path) -> None:
    journal = tmp_path / "job.jsonl"
    with Emulator() as emu:
        ids = emu.add_subordinates("alibaba", 5)
        with AlibabaRevoker(**emu.alibaba_options()) as revoker:
            first = revoker.revoke_many(ids, journal=journal)
            sent = len(emu.requests)
            again = revoker.revoke_many(ids, journal=journal)
        assert len(emu.requests) == sent  # the re-run sent nothing
        assert len(emu.changes) == 5
    assert all(o.ok for o in first) and not any(o.result.from_journal for o in first)  # type: ignore[union-attr]
    assert all(o.ok and o.result.from_journal for o in again)  # type: ignore[union-attr]
    records = _records(journal)
    for ca_id in ids:
        events = [r for r in records if r["ca_id"] == ca_id]
        assert [r["event"] for r in events] == ["pending", "revoked"]
        assert events[0]["client_token"] == events[1]["client_token"]  # the token is kept
        assert events[1]["request_id"]


def test_a_pending_alibaba_ca_is_sent_again_with_the_same_client_token(tmp_path: Path) -> None:
    journal = tmp_path / "job.jsonl"
    with Emulator() as emu:
        ca_id = emu.add_subordinates("alibaba", 1)[0]
        with AlibabaRevoker(**emu.alibaba_options()) as revoker:
            first = revoker.revoke(ca_id, client_token="token-of-the-first-run")
        # The first run died after sending, before writing its answer down.
        journal.write_text(json.dumps({"event": "pending", "ca_id": ca_id,
                                  "client_token": "token-of-the-first-run"}) + "\n")  # fmt: skip
        with AlibabaRevoker(**emu.alibaba_options()) as revoker:
            (outcome,) = revoker.revoke_many([ca_id], journal=journal)
        tokens = [r.client_token for r in emu.requests if r.action == "UpdateCACertificateStatus"]
        assert len(emu.changes) == 1  # revoked once, by the first run
    assert outcome.ok and outcome.result.client_token == "token-of-the-first-run"  # type: ignore[union-attr]
    assert tokens == ["token-of-the-first-run", "token-of-the-first-run"]
    assert outcome.result.request_id == first.request_id  # type: ignore[union-attr]  # replayed


def test_a_pending_huawei_ca_is_read_back_before_deciding(tmp_path: Path) -> None:
    journal = tmp_path / "job.jsonl"
    with Emulator() as emu:
        done = emu.add_ca("huawei", status="REVOKED").id  # the first run's revoke went through
        lost = emu.add_subordinates("huawei", 1)[0]  # the first run's revoke never arrived
        with journal.open("w") as file:
            for ca_id in (done, lost):
                file.write(json.dumps({"event": "pending", "ca_id": ca_id}) + "\n")
        with HuaweiRevoker(**emu.huawei_options()) as revoker:
            outcomes = revoker.revoke_many([done, lost], journal=journal)
        revokes = [r.ca_id for r in emu.requests if r.action == "RevokeCertificateAuthority"]
    assert all(o.ok for o in outcomes)
    assert outcomes[0].result.already_revoked and outcomes[0].result.confirmed_by_read  # type: ignore[union-attr]
    assert revokes == [lost]  # the revoked one was read, not revoked again


def test_two_runs_on_one_journal_at_once_are_refused(tmp_path: Path) -> None:
    with Journal(tmp_path / "job.jsonl"), pytest.raises(ConfigurationError, match="in use"):
        Journal(tmp_path / "job.jsonl")
    Journal(tmp_path / "job.jsonl").close()  # free again once the first run ends


async def test_async_bulk_jobs_keep_a_journal_too(tmp_path: Path) -> None:
    journal = tmp_path / "job.jsonl"
    with Emulator() as emu:
        ids = emu.add_subordinates("huawei", 4)
        async with AsyncHuaweiRevoker(**emu.huawei_options()) as revoker:
            await revoker.revoke_many(ids, journal=journal)
            again = await revoker.revoke_many(ids, journal=journal)
    assert all(o.result.from_journal for o in again)  # type: ignore[union-attr]


def test_the_journal_holds_no_secret(tmp_path: Path) -> None:
    journal = tmp_path / "job.jsonl"
    with Emulator() as emu:
        ids = emu.add_subordinates("huawei", 2)
        root = next(ca.id for ca in emu.cas("huawei") if ca.kind == "root")
        with HuaweiRevoker(**emu.huawei_options("aksk")) as revoker:
            revoker.revoke_many([*ids, root], journal=journal)
        secrets = (emu.credentials.huawei_secret_key, emu.credentials.huawei_token)
    text = journal.read_text()
    assert '"failed"' in text and "InvalidStateError" in text
    assert not any(secret in text for secret in secrets)


def _cli_env(emu: Emulator, home: Path) -> dict[str, str]:
    c = emu.credentials
    return {**os.environ, "HOME": str(home), "ALIBABA_CLOUD_CAS_ENDPOINT": emu.url,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": c.alibaba_access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": c.alibaba_access_key_secret,
            "CAUSDK_HUAWEI_ENDPOINT": emu.url, "CAUSDK_HUAWEI_AUTH_TOKEN": c.huawei_token}  # fmt: skip


@pytest.mark.parametrize(
    ("cloud", "latency", "kill_after"), [("huawei", 0.05, 40), ("alibaba", 0, 25)]
)
def test_kill_9_mid_run_then_resume_revokes_each_ca_exactly_once(
    tmp_path: Path, cloud: str, latency: float, kill_after: int
) -> None:
    journal = tmp_path / "job.jsonl"
    with Emulator() as emu:
        emu.set_latency(latency)
        ids = emu.add_subordinates(cloud, 200)  # type: ignore[arg-type]
        (tmp_path / "ids.txt").write_text("\n".join(ids))
        command = [sys.executable, "-m", "causdk", "revoke", cloud, "--from-file",
                   str(tmp_path / "ids.txt"), "--yes", "--json", "--journal", str(journal)]  # fmt: skip
        env = _cli_env(emu, tmp_path)
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(emu.changes) < kill_after and time.monotonic() < deadline:
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = len(emu.changes)
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        changed = [change.ca_id for change in emu.changes]
    assert first.returncode == -signal.SIGKILL and 0 < killed_at < 200
    assert second.returncode == 0, second.stderr
    assert f"journal: {journal}" in second.stderr
    report = [json.loads(line) for line in second.stdout.splitlines()]
    assert sorted(r["ca_id"] for r in report) == sorted(ids)  # the whole job is reported
    assert all(r["ok"] for r in report)
    assert sum(r["from_journal"] for r in report) >= killed_at - 8  # but those in flight
    assert sorted(changed) == sorted(ids)  # every CA revoked, each exactly once


def test_a_failed_ca_that_is_in_fact_revoked_is_read_not_refused(tmp_path: Path) -> None:
    """An earlier run recorded a failure (say its read back timed out) though the revoke went
    through: the re-run reads the CA first instead of meeting a refusal it would report."""
    journal = tmp_path / "job.jsonl"
    with Emulator() as emu:
        ca_id = emu.add_ca("alibaba", status="REVOKE").id
        failed = {"event": "failed", "ca_id": ca_id, "error": {"type": "ServerError"}}
        journal.write_text(json.dumps(failed) + "\n")
        with AlibabaRevoker(**emu.alibaba_options()) as revoker:
            (outcome,) = revoker.revoke_many([ca_id], journal=journal)
        revokes = [r for r in emu.requests if r.action == "UpdateCACertificateStatus"]
    assert outcome.ok and outcome.result.confirmed_by_read  # type: ignore[union-attr]
    assert revokes == []
