"""``python -m causdk``: the command line."""

from causdk.cli import main

main()
