#!/usr/bin/env python3
"""The project's tasks, on a fresh machine with nothing but Python 3.10+ and the package index.

    python3 run.py demo     # revoke CAs on both clouds against the built-in emulator
    python3 run.py test     # the whole test suite (what CI runs)
    python3 run.py lint     # ruff (check and format) and mypy --strict
    python3 run.py build    # the wheel and sdist in dist/, checked with twine and installed
    python3 run.py bench    # benchmarks against the official SDKs (see benchmarks/)

Each task makes ``.venv`` on first use and installs what it needs into it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# The benchmark gets a venv of its own: only causdk and the official SDKs, as a user would have
# (the test tools make httpx import its own command line, which would inflate start-up figures).
# The command line's row gets one more, with click (httpx imports its own command line when
# click is installed, which would tax every other start-up figure).
VENVS = {"bench": ROOT / ".venv-bench", "bench-cli": ROOT / ".venv-bench-cli"}


def python_of(task: str) -> Path:
    venv_dir = VENVS.get(task, ROOT / ".venv")
    return venv_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


EXTRAS = {
    "demo": "",
    "test": "test,official",
    "lint": "dev",
    "build": "dev",
    "bench": "bench",
    "bench-cli": "cli",
}


def ensure(task: str) -> Path:
    """Create the task's venv and install the project with its extras, unless already done."""
    extras, python = EXTRAS[task], python_of(task)
    venv_dir = python.parent.parent
    if not python.exists():
        print(f"creating {venv_dir.relative_to(ROOT)} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(venv_dir)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = venv_dir / f".installed-{extras.replace(',', '-') or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return python
    target = f".[{extras}]" if extras else "."
    name = venv_dir.relative_to(ROOT)
    print(f"installing causdk{f'[{extras}]' if extras else ''} into {name} ...", flush=True)
    quiet = ["--quiet", "--disable-pip-version-check"]
    subprocess.run([python, "-m", "pip", "install", *quiet, "-e", target], cwd=ROOT, check=True)
    stamp.write_text(digest)
    return python


def run(*args: str | Path) -> int:
    return subprocess.run([str(a) for a in args], cwd=ROOT).returncode


def build(python: Path) -> int:
    """Build the wheel and sdist, check them with twine, and install the wheel (with the cli
    extra) in a fresh venv, as README's "from a built wheel" says, to run it once."""
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    if run(python, "-m", "build", "--outdir", dist) or run(
        python, "-m", "twine", "check", "--strict", *sorted(dist.iterdir())
    ):
        return 1
    wheel = next(dist.glob("causdk-*.whl"))
    with tempfile.TemporaryDirectory() as scratch:
        venv.EnvBuilder(with_pip=True).create(scratch)
        bin_dir = Path(scratch) / ("Scripts" if os.name == "nt" else "bin")
        quiet = ["--quiet", "--disable-pip-version-check"]
        if run(bin_dir / "python", "-m", "pip", "install", *quiet, f"{wheel}[cli]"):
            return 1
        return run(bin_dir / "causdk", "--version")


def main(argv: list[str]) -> int:
    task, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if task not in EXTRAS:
        print(__doc__)
        return 0 if task in ("help", "-h", "--help") else 2
    python = ensure(task)
    if task == "demo":
        return run(python, "-m", "causdk.demo", *rest)
    if task == "test":
        return run(python, "-m", "pytest", *rest)
    if task == "bench":
        # Installed as a user installs it, not editable: pip compiles the modules to bytecode
        # then, which an editable install under PYTHONDONTWRITEBYTECODE never has (30 ms of
        # every fresh process would go to compiling causdk's sources).
        quiet = ["--quiet", "--disable-pip-version-check", "--no-deps", "--force-reinstall"]
        cli_python = ensure("bench-cli")
        for each in (python, cli_python):
            subprocess.run([each, "-m", "pip", "install", *quiet, "."], cwd=ROOT, check=True)
        return run(python, "benchmarks/run.py", "--cli-python", cli_python, *rest)
    if task == "build":
        return build(python)
    steps = [
        (python, "-m", "ruff", "check", "."),
        (python, "-m", "ruff", "format", "--check", "."),
        (python, "-m", "mypy"),
        # What a user's type checker sees: the examples and a script of assert_type checks.
        (python, "-m", "mypy", "--strict", "examples", "tests/typing/public_types.py"),
    ]
    return max(run(*step) for step in steps)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
