"""Which runner carries out a client's flows, and what every asyncio runner does alike.

Sync clients run on httpx. Async clients run on httpx, or on aiohttp when it is installed (the
``aiohttp`` extra): ``runner=`` on the client, else ``CAUSDK_RUNNER``, else ``auto``, which
takes aiohttp when it can be imported and no httpx client or transport was given.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from importlib.util import find_spec
from typing import Any, Literal, TypeVar

from causdk._flow import Driver, Effect, Flow, Record, Reserve, Send, Sleep
from causdk._wire import WireResponse
from causdk.clock import Clock
from causdk.errors import ClientClosedError, ConfigurationError, TransportError
from causdk.ratelimit import Reservation
from causdk.settings import ClientSettings

T = TypeVar("T")
RunnerName = Literal["auto", "httpx", "aiohttp"]
RUNNER_ENV = "CAUSDK_RUNNER"
_NAMES = ("auto", "httpx", "aiohttp")


def chosen(runner: str | None, *, asynchronous: bool, given_httpx: bool) -> str:
    """``httpx`` or ``aiohttp``: the option, else ``CAUSDK_RUNNER``, else ``auto``."""
    name = (runner or os.environ.get(RUNNER_ENV, "").strip().lower() or "auto").lower()
    if name not in _NAMES:
        raise ConfigurationError(f"runner {name!r} is not one of {', '.join(_NAMES)}")
    if name == "aiohttp":
        if not asynchronous:
            raise ConfigurationError("the aiohttp runner serves async clients only")
        if given_httpx:
            raise ConfigurationError("runner='aiohttp' cannot use an httpx client or transport")
        if find_spec("aiohttp") is None:
            raise ConfigurationError(
                "runner='aiohttp' needs aiohttp: pip install 'causdk[aiohttp]'"
            )
        return name
    if name == "auto" and asynchronous and not given_httpx and find_spec("aiohttp") is not None:
        return "aiohttp"
    return "httpx"


def make_runner(
    settings: ClientSettings,
    clock: Clock,
    *,
    asynchronous: bool,
    runner: str | None = None,
    http_client: Any = None,
    transport: Any = None,
) -> Any:
    """The runner for a new client (its HTTP library is imported here, not before)."""
    given = http_client is not None or transport is not None
    name = chosen(runner, asynchronous=asynchronous, given_httpx=given)
    if name == "aiohttp":
        from causdk._aiohttp import AiohttpRunner

        return AiohttpRunner(settings, clock)
    from causdk._transport import AsyncRunner, SyncRunner

    kind = AsyncRunner if asynchronous else SyncRunner
    return kind(settings, clock, http_client=http_client, transport=transport)


class AsyncEffects(ABC):
    """What every asyncio runner does alike: step the flow, sleep, reserve a rate-limit slot,
    write the journal; only sending differs."""

    _clock: Clock
    name: str = "?"

    @abstractmethod
    def _is_closed(self) -> bool: ...

    @abstractmethod
    async def _send(self, send: Send) -> WireResponse | TransportError: ...

    @abstractmethod
    async def aclose(self) -> None:
        """Close what the runner opened (never a client the caller gave)."""

    async def run(self, flow: Flow[T]) -> T:
        if self._is_closed():
            flow.close()
            raise ClientClosedError("this causdk client is closed; make a new one")
        driver = Driver(flow)
        try:
            while driver.effect is not None:
                driver.resume(await self._perform(driver.effect))
        except BaseException:
            driver.abandon()
            raise
        return driver.result

    async def _perform(self, effect: Effect) -> WireResponse | Reservation | TransportError | None:
        if isinstance(effect, Send):
            return await self._send(effect)
        if isinstance(effect, Sleep):
            await self._clock.sleep_async(effect.seconds)
            return None
        if isinstance(effect, Reserve):
            return await effect.limiter.reserve_async(effect.max_wait)
        if isinstance(effect, Record):  # an fsync: off the event loop
            import asyncio  # async callers have it loaded already

            await asyncio.to_thread(effect.journal.append, effect.entry)
            return None
        raise TypeError(f"unknown effect {effect!r}")
