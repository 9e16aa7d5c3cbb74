"""Testing aids: a local emulator of both clouds, and a pytest fixture for it.

from causdk.testing import Emulator

def test_revoke(causdk_emulator):          # the fixture, once causdk is installed
    with causdk.AlibabaRevoker(**causdk_emulator.alibaba_options()) as revoker:
        ...

Names load on first use (PEP 562): pytest imports the fixture's plugin in every test run of an
environment with causdk installed, and that must not load the emulator, httpx or pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from causdk.testing._emulator import Emulator, EmulatorCredentials
    from causdk.testing._state import EmulatedCA, LoggedRequest, StateChange

_WHERE = {
    "Emulator": "causdk.testing._emulator",
    "EmulatorCredentials": "causdk.testing._emulator",
    "EmulatedCA": "causdk.testing._state",
    "LoggedRequest": "causdk.testing._state",
    "StateChange": "causdk.testing._state",
}

__all__ = ["EmulatedCA", "Emulator", "EmulatorCredentials", "LoggedRequest", "StateChange"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'causdk.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
