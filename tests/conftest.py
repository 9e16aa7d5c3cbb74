"""Shared test fixtures: a fake clock (no test sleeps), and unique account keys per test."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import pytest


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
