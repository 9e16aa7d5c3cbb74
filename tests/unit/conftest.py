"""Unit tests mock HTTP with respx, which stands in for httpx: async clients here run on the
httpx runner whatever else is installed (the end-to-end tests run every runner)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _httpx_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAUSDK_RUNNER", "httpx")
