"""One blocking interface over every runner, so that a behaviour test runs unchanged on the sync
client (httpx) and on the async client over each async runner (httpx, aiohttp)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

from causdk import AlibabaRevoker, AsyncAlibabaRevoker, AsyncHuaweiRevoker, HuaweiRevoker

KINDS = ("sync", "httpx", "aiohttp")
"""The sync client, and the async client on each async runner."""


class Blocking:
    """An async revoker driven from blocking code, on an event loop of its own."""

    def __init__(self, revoker: Any) -> None:
        self._revoker = revoker
        self._loop = asyncio.new_event_loop()

    def _run(self, coroutine: Any) -> Any:
        return self._loop.run_until_complete(coroutine)

    @property
    def runner(self) -> str:
        return str(self._revoker.runner)

    def revoke(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self._revoker.revoke(*args, **kwargs))

    def get(self, *args: Any) -> Any:
        return self._run(self._revoker.get(*args))

    def whoami(self) -> Any:
        return self._run(self._revoker.whoami())

    def revoke_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self._revoker.revoke_many(*args, **kwargs))

    def list(self, **kwargs: Any) -> Iterator[Any]:
        async def collect() -> list[Any]:
            return [ca async for ca in self._revoker.list(**kwargs)]

        return iter(self._run(collect()))

    def close(self) -> None:
        self._run(self._revoker.aclose())
        self._loop.close()

    def __enter__(self) -> Blocking:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def huawei(kind: str, **options: Any) -> Any:
    """A Huawei revoker of ``kind`` (see KINDS), used the blocking way."""
    if kind == "sync":
        return HuaweiRevoker(**options)
    return Blocking(AsyncHuaweiRevoker(**options, runner=kind))


def alibaba(kind: str, **options: Any) -> Any:
    """An Alibaba revoker of ``kind`` (see KINDS), used the blocking way."""
    if kind == "sync":
        return AlibabaRevoker(**options)
    return Blocking(AsyncAlibabaRevoker(**options, runner=kind))
