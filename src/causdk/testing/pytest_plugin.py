"""The ``causdk_emulator`` pytest fixture, registered through the ``pytest11`` entry point.

Nothing is imported until a test asks for the fixture, so installing causdk costs other test
suites nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from causdk.testing import Emulator


@pytest.fixture
def causdk_emulator() -> Iterator[Emulator]:
    """A fresh emulator of both clouds on 127.0.0.1, seeded, stopped after the test."""
    from causdk.testing import Emulator

    with Emulator() as emulator:
        yield emulator
