"""Where a command's records go: a table for people, JSON Lines or one JSON array for programs.

``--json`` prints one JSON object per line as each record is ready (JSON Lines: stream it, or
read it with ``jq -c``); ``--json-array`` prints one JSON array at the end (a single document:
``python -m json.tool`` reads it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

import click

from causdk._table import render_table

F = TypeVar("F", bound=Callable[..., Any])
Format = Literal["table", "lines", "array"]


def format_options(command: F) -> F:
    """``--json`` and ``--json-array``, resolved into ``output: Format``."""
    command = click.option(
        "--json-array", "json_array", is_flag=True, help="One JSON array of all records."
    )(command)
    return click.option(
        "--json", "json_lines", is_flag=True, help="One JSON object per line (JSON Lines)."
    )(command)


def output_format(json_lines: bool, json_array: bool) -> Format:
    if json_lines and json_array:
        raise click.UsageError("give --json or --json-array, not both")
    return "lines" if json_lines else "array" if json_array else "table"


class Output:
    """Collects a command's records and prints them in the chosen format."""

    def __init__(self, fmt: Format, headers: Sequence[str]) -> None:
        self.format = fmt
        self._headers = headers
        self._rows: list[Sequence[str]] = []
        self._records: list[dict[str, Any]] = []

    @property
    def is_table(self) -> bool:
        return self.format == "table"

    def add(self, record: dict[str, Any], row: Sequence[str]) -> None:
        """One record: ``record`` for JSON, ``row`` for the table."""
        if self.format == "lines":
            click.echo(json.dumps(record, sort_keys=True))
        elif self.format == "array":
            self._records.append(record)
        else:
            self._rows.append(row)

    def close(self, summary: str | None = None) -> None:
        """Print what was collected; ``summary`` follows a table."""
        if self.format == "array":
            click.echo(json.dumps(self._records, sort_keys=True, indent=2))
        elif self.format == "table":
            click.echo(render_table(self._headers, self._rows))
            if summary:
                click.echo(f"\n{summary}")
