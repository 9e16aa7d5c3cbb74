"""The rate limit as a fresh process meets it: 200 Alibaba revokes from the command line, through
connections that take time to set up, against a server that throttles above 10 requests in any
sliding one-second window. The client runs in its own process (no GIL shared with the server).
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from pathlib import Path

import trustme

from causdk.testing import Emulator
from tests import hostile

COUNT = 200
RATE = 10  # Alibaba's documented limit, the default causdk holds to
CONNECT_DELAY = 0.08  # a new connection's TCP and TLS set-up on a real network


def test_a_fresh_process_is_never_throttled_and_keeps_the_pace(tmp_path: Path) -> None:
    authority = trustme.CA()
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_tls)
    with Emulator(rate_limit=RATE) as emu:
        ids = emu.add_subordinates("alibaba", COUNT)
        id_file = tmp_path / "ids.txt"
        id_file.write_text("\n".join(ids))
        emulator_port = int(emu.url.rsplit(":", 1)[1])
        with hostile.slow_tls_front(emulator_port, CONNECT_DELAY, server_tls) as port:
            env = {
                **os.environ,
                "HOME": str(tmp_path),
                "SSL_CERT_FILE": str(tmp_path / "ca.pem"),
                "ALIBABA_CLOUD_CAS_ENDPOINT": f"https://127.0.0.1:{port}",
                "ALIBABA_CLOUD_ACCESS_KEY_ID": emu.credentials.alibaba_access_key_id,
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": emu.credentials.alibaba_access_key_secret,
            }
            cli = subprocess.run(
                [sys.executable, "-m", "causdk", "revoke", "alibaba", "--from-file",
                 str(id_file), "--yes", "--json"],
                env=env, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
        revokes = [r for r in emu.requests if r.action == "UpdateCACertificateStatus"]
        throttled = emu.throttled
    results = [json.loads(line) for line in cli.stdout.splitlines()]
    assert cli.returncode == 0, cli.stderr
    assert sum(r["ok"] for r in results) == COUNT
    assert throttled == 0
    arrivals = sorted(r.at for r in revokes)
    for i, first in enumerate(arrivals):  # any one-second window, as the server counts
        assert sum(1 for t in arrivals[i : i + RATE + 1] if t - first < 1.0) <= RATE
    achieved = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    print(f"{COUNT} revokes, {achieved:.2f} per second, {throttled} throttled")
    assert achieved >= 9.7
