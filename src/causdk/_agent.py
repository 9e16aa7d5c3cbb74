"""causdk's ``User-Agent``: no HTTP library needed to say who is calling."""

from __future__ import annotations

import sys

from causdk._version import __version__
from causdk.settings import ClientSettings

_PYTHON = ".".join(map(str, sys.version_info[:3]))


def user_agent(settings: ClientSettings) -> str:
    """``causdk/<version> (python <x.y.z>)``, plus the caller's suffix."""
    agent = f"causdk/{__version__} (python {_PYTHON})"
    return f"{agent} {settings.user_agent_suffix}" if settings.user_agent_suffix else agent
