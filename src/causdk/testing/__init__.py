"""Testing aids: a local emulator of both clouds, and a pytest fixture for it.

from causdk.testing import Emulator

def test_revoke(causdk_emulator):          # the fixture, once causdk is installed
    with causdk.AlibabaRevoker(**causdk_emulator.alibaba_options()) as revoker:
        ...
"""

from causdk.testing._emulator import Emulator, EmulatorCredentials
from causdk.testing._state import EmulatedCA, LoggedRequest, StateChange

__all__ = ["EmulatedCA", "Emulator", "EmulatorCredentials", "LoggedRequest", "StateChange"]
