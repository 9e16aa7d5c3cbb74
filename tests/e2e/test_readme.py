"""README's claims, run: its Python snippets parse, and the one that needs no cloud runs."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import causdk
from causdk.testing import Emulator

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
SNIPPETS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_every_python_snippet_parses() -> None:
    assert len(SNIPPETS) >= 5
    for snippet in SNIPPETS:
        # `async with` at the top level is how README shows async code: parse it in a function.
        body = "async def _snippet():\n" + "".join(f"    {line}\n" for line in snippet.splitlines())
        ast.parse(body)


def test_the_emulator_fixture_snippet_runs_as_written() -> None:
    (snippet,) = [s for s in SNIPPETS if "def test_my_incident_runbook" in s]
    namespace: dict[str, object] = {"causdk": causdk}
    exec(compile(snippet, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    with Emulator() as emulator:
        namespace["test_my_incident_runbook"](emulator)  # type: ignore[operator]


def test_the_quick_start_commands_are_run_py_tasks() -> None:
    assert "python3 run.py demo" in README and "python3 run.py test" in README
    run_py = (Path(__file__).parents[2] / "run.py").read_text(encoding="utf-8")
    assert '"demo"' in run_py and '"test"' in run_py
