"""Build a revoker from a provider's name, so that application code stays provider-agnostic."""

from __future__ import annotations

import os
from typing import Any

from causdk.client import AsyncCARevoker, CARevoker
from causdk.errors import ConfigurationError
from causdk.models import Provider
from causdk.providers import revoker_class

__all__ = ["create_async_revoker", "create_revoker"]

PROVIDER_ENV = "CAUSDK_PROVIDER"


def _provider(provider: Provider | str | None) -> Provider | str:
    if provider is None:
        provider = os.environ.get(PROVIDER_ENV, "").strip()
        if not provider:
            raise ConfigurationError(f"no provider given and {PROVIDER_ENV} is not set")
    return provider


def create_revoker(provider: Provider | str | None = None, **options: Any) -> CARevoker:
    """A blocking revoker for ``provider`` (or ``$CAUSDK_PROVIDER``).

    ``options`` are the provider class's keyword arguments (credentials, ``region``,
    ``endpoint``, ``settings``...); what is not given is read from the environment.
    """
    revoker: CARevoker = revoker_class(_provider(provider), asynchronous=False)(**options)
    return revoker


def create_async_revoker(provider: Provider | str | None = None, **options: Any) -> AsyncCARevoker:
    """An asyncio revoker for ``provider``; see :func:`create_revoker`."""
    revoker: AsyncCARevoker = revoker_class(_provider(provider), asynchronous=True)(**options)
    return revoker
