"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import inspect
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


RUNNERS = ("httpx", "aiohttp")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every async end-to-end test runs on every async runner that ships (``single_runner``
    ones on the default only)."""
    if (
        "async_runner" in metafunc.fixturenames
        and inspect.iscoroutinefunction(metafunc.function)
        and metafunc.definition.get_closest_marker("single_runner") is None
    ):
        metafunc.parametrize("async_runner", RUNNERS, indirect=True)


@pytest.fixture(autouse=True)
def async_runner(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str | None:
    """The runner an async test's clients use (``CAUSDK_RUNNER``)."""
    runner: str | None = getattr(request, "param", None)
    if runner is not None:
        monkeypatch.setenv("CAUSDK_RUNNER", runner)
    return runner
