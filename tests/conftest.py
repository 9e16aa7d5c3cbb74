"""Shared test fixtures: a fake clock (no test sleeps), and unique account keys per test."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest

NOWHERE = "http://127.0.0.1:9"
"""A closed port: instance metadata, which the credential chains fall back to, answers here
with a refusal, and never from the machine's network (100.100.100.200, 169.254.169.254)."""
METADATA_ENV = {"CAUSDK_ALIBABA_METADATA_URL": NOWHERE, "CAUSDK_HUAWEI_METADATA_URL": NOWHERE}
os.environ.update(METADATA_ENV)  # subprocesses inherit it


def cloud_variable(name: str) -> bool:
    """A variable of the clouds' or causdk's that a test's clean environment drops (all but
    the metadata guard above, and the runner a test runs on)."""
    return name.startswith(("ALIBABA", "ALICLOUD", "HUAWEICLOUD", "CAUSDK")) and (
        name not in METADATA_ENV and name != "CAUSDK_RUNNER"
    )


class FakeClock:
    """Time that moves only when something sleeps: a second of traffic costs nothing."""

    def __init__(self, start: datetime | None = None) -> None:
        self.t = 1000.0
        self.start = start or datetime.now(timezone.utc)
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t - 1000.0)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(seconds, 0.0)

    async def sleep_async(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def account() -> str:
    """A fresh AccessKeyId per test, so that tests never share a rate-limit budget."""
    return f"AKID{uuid.uuid4().hex[:12]}"
