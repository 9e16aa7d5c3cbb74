"""The ``causdk`` command: revoke, status, list, emulator. Needs the ``cli`` extra (click)."""

from __future__ import annotations

import sys

EXIT_OK = 0
EXIT_FAILED = 1
"""Some CA failed (each is named on stderr), or a dry run found one that would."""
EXIT_USAGE = 2
"""Usage or configuration: bad options, malformed ids, no or broken credentials."""
EXIT_DECLINED = 3
"""The confirmation prompt was declined: nothing was sent."""
EXIT_INTERRUPTED = 130
"""Ctrl-C: what settled, what is unsettled and what was not attempted is listed."""


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``causdk`` console script and ``python -m causdk``."""
    try:
        import click  # noqa: F401
    except ImportError:
        print("the causdk command needs click: pip install 'causdk[cli]'", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    from causdk.cli._commands import cli

    cli.main(args=argv, prog_name="causdk")
