"""The provider registry: one package per cloud, imported only when it is used.

Adding a cloud means adding a package here that defines a ``ProviderAdapter`` and its two
shells, and one line in :data:`REGISTRY`.
"""

from __future__ import annotations

import importlib
from typing import Any

from causdk.errors import ConfigurationError
from causdk.models import Provider

# provider → (module, sync class, async class)
REGISTRY: dict[Provider, tuple[str, str, str]] = {
    Provider.ALIBABA: ("causdk.providers.alibaba", "AlibabaRevoker", "AsyncAlibabaRevoker"),
    Provider.HUAWEI: ("causdk.providers.huawei", "HuaweiRevoker", "AsyncHuaweiRevoker"),
}


def parse_provider(name: Provider | str) -> Provider:
    """``Provider`` from a name such as ``"alibaba"``; ConfigurationError for an unknown one."""
    try:
        return Provider(str(name).strip().lower())
    except ValueError:
        known = ", ".join(p.value for p in Provider)
        raise ConfigurationError(f"unknown provider {name!r}; known: {known}") from None


def revoker_class(provider: Provider | str, *, asynchronous: bool) -> Any:
    """The sync or async revoker class of a provider, importing its package on first use."""
    module, sync_name, async_name = REGISTRY[parse_provider(provider)]
    return getattr(importlib.import_module(module), async_name if asynchronous else sync_name)
