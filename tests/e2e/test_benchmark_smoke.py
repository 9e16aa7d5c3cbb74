"""The benchmark still runs end to end (a few calls each); its figures are not asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.official
def test_quick_benchmark_runs_and_writes_every_figure(tmp_path: Path) -> None:
    pytest.importorskip("alibabacloud_cas20200630")
    pytest.importorskip("huaweicloudsdkccm")
    output = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "causdk/official" in done.stdout
    figures = json.loads(output.read_text())
    for key in ("revoke_cost", "startup", "bulk", "bulk_latency", "alibaba_limit", "peak_rss_mib"):
        assert figures[key], key
    assert figures["alibaba_limit"]["causdk_throttled"] == 0
