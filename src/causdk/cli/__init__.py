"""The ``causdk`` command: revoke, status, list, emulator. Needs the ``cli`` extra (click)."""

from __future__ import annotations

import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``causdk`` console script and ``python -m causdk``."""
    try:
        import click  # noqa: F401
    except ImportError:
        print("the causdk command needs click: pip install 'causdk[cli]'", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    from causdk.cli._commands import cli

    cli.main(args=argv, prog_name="causdk")
