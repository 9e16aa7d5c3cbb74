"""Shared by the examples: with no CA ids given, run against a fresh local emulator."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def target(
    cloud: str, auth: str = "token", count: int = 1
) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """(revoker options, CA ids): the command line's ids and the environment's credentials,
    or, with no ids, an emulator's options and ``count`` of its active subordinate CAs."""
    ids = sys.argv[1:]
    if ids:
        yield {}, ids
        return
    from causdk.testing import Emulator

    with Emulator() as emu:
        print(f"(no CA ids given: using a local emulator on {emu.url})")
        options = emu.alibaba_options() if cloud == "alibaba" else emu.huawei_options(auth)
        yield options, emu.add_subordinates(cloud, count)  # type: ignore[arg-type]
