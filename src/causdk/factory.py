"""Build a revoker from a provider's name, so that application code stays provider-agnostic.

Typed per provider: ``create_revoker("alibaba", region=...)`` is an ``AlibabaRevoker`` whose
options a type checker knows, and a misspelt provider or option is an error before it runs. A
name only known at run time goes through :class:`causdk.Provider` (``Provider(name)``), or comes
from ``$CAUSDK_PROVIDER`` when no provider is given.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Literal, overload

from causdk.client import AsyncCARevoker, CARevoker
from causdk.errors import ConfigurationError
from causdk.models import Provider
from causdk.providers import revoker_class

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from causdk.client import ShellOptions
    from causdk.providers.alibaba import AlibabaRevoker, AsyncAlibabaRevoker
    from causdk.providers.alibaba.client import AlibabaRevokerOptions
    from causdk.providers.huawei import AsyncHuaweiRevoker, HuaweiRevoker
    from causdk.providers.huawei.client import HuaweiRevokerOptions

__all__ = ["create_async_revoker", "create_revoker"]

PROVIDER_ENV = "CAUSDK_PROVIDER"

Alibaba = Literal["alibaba", Provider.ALIBABA]
Huawei = Literal["huawei", Provider.HUAWEI]


def _provider(provider: Provider | str | None) -> Provider | str:
    if provider is None:
        provider = os.environ.get(PROVIDER_ENV, "").strip()
        if not provider:
            raise ConfigurationError(f"no provider given and {PROVIDER_ENV} is not set")
    return provider


@overload
def create_revoker(
    provider: Alibaba, **options: Unpack[AlibabaRevokerOptions]
) -> AlibabaRevoker: ...
@overload
def create_revoker(provider: Huawei, **options: Unpack[HuaweiRevokerOptions]) -> HuaweiRevoker: ...
@overload
def create_revoker(
    provider: Provider | None = None, **options: Unpack[ShellOptions]
) -> CARevoker: ...
def create_revoker(provider: Provider | str | None = None, **options: Any) -> CARevoker:
    """A blocking revoker for ``provider`` (or ``$CAUSDK_PROVIDER``).

    ``options`` are the provider class's keyword arguments (credentials, ``region``,
    ``endpoint``, ``settings``...); what is not given is read from the environment. Given a
    ``Provider`` value or nothing, only the options every provider takes are typed.
    """
    revoker: CARevoker = revoker_class(_provider(provider), asynchronous=False)(**options)
    return revoker


@overload
def create_async_revoker(
    provider: Alibaba, **options: Unpack[AlibabaRevokerOptions]
) -> AsyncAlibabaRevoker: ...
@overload
def create_async_revoker(
    provider: Huawei, **options: Unpack[HuaweiRevokerOptions]
) -> AsyncHuaweiRevoker: ...
@overload
def create_async_revoker(
    provider: Provider | None = None, **options: Unpack[ShellOptions]
) -> AsyncCARevoker: ...
def create_async_revoker(provider: Provider | str | None = None, **options: Any) -> AsyncCARevoker:
    """An asyncio revoker for ``provider``; see :func:`create_revoker`."""
    revoker: AsyncCARevoker = revoker_class(_provider(provider), asynchronous=True)(**options)
    return revoker
