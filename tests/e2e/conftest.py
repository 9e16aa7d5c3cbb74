"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from causdk.testing import Emulator
from tests.conftest import cloud_variable


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Emulator]:
    """An emulator, and an environment pointing the CLI and the SDK at it and nowhere else:
    no variable of the clouds' or causdk's from the machine, no home directory's files."""
    with Emulator() as emulator:
        for name in list(os.environ):
            if cloud_variable(name):
                monkeypatch.delenv(name)
        c = emulator.credentials
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.setenv("ALIBABA_CLOUD_CAS_ENDPOINT", emulator.url)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", c.alibaba_access_key_id)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", c.alibaba_access_key_secret)
        monkeypatch.setenv("CAUSDK_HUAWEI_ENDPOINT", emulator.url)
        monkeypatch.setenv("CAUSDK_HUAWEI_AUTH_TOKEN", c.huawei_token)
        yield emulator
