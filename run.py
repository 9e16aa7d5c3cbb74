#!/usr/bin/env python3
"""The project's tasks, on a fresh machine with nothing but Python 3.10+ and the package index.

    python3 run.py demo     # revoke CAs on both clouds against the built-in emulator
    python3 run.py test     # the whole test suite (what CI runs)
    python3 run.py lint     # ruff (check and format) and mypy --strict
    python3 run.py bench    # benchmarks against the official SDKs (see benchmarks/)

Each task makes ``.venv`` on first use and installs what it needs into it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")

EXTRAS = {"demo": "", "test": "test,official", "lint": "dev", "bench": "bench"}


def ensure(extras: str) -> None:
    """Create the venv and install the project with ``extras``, unless already done."""
    if not PYTHON.exists():
        print(f"creating {VENV.relative_to(ROOT)} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras.replace(',', '-') or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f".[{extras}]" if extras else "."
    print(f"installing causdk{f'[{extras}]' if extras else ''} into .venv ...", flush=True)
    quiet = ["--quiet", "--disable-pip-version-check"]
    subprocess.run([PYTHON, "-m", "pip", "install", *quiet, "-e", target], cwd=ROOT, check=True)
    stamp.write_text(digest)


def run(*args: str | Path) -> int:
    return subprocess.run([str(a) for a in args], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    task, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if task not in EXTRAS:
        print(__doc__)
        return 0 if task in ("help", "-h", "--help") else 2
    ensure(EXTRAS[task])
    if task == "demo":
        return run(PYTHON, "-m", "causdk.demo", *rest)
    if task == "test":
        return run(PYTHON, "-m", "pytest", *rest)
    if task == "bench":
        return run(PYTHON, "benchmarks/run.py", *rest)
    steps = [
        (PYTHON, "-m", "ruff", "check", "."),
        (PYTHON, "-m", "ruff", "format", "--check", "."),
        (PYTHON, "-m", "mypy"),
    ]
    return max(run(*step) for step in steps)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
