"""Which proxy a request goes through, for any runner: the settings' proxy, else the standard
environment variables, read once, with ``NO_PROXY`` as the standard library reads it."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable

from causdk.settings import ClientSettings

_proxy_bypass: Callable[[str, dict[str, str]], bool] = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]  # public, not in stubs

INSTANCE_METADATA = frozenset({"100.100.100.200", "169.254.169.254"})


class ProxyChoice:
    """``settings.proxy``, else (with ``trust_env``) ``HTTP_PROXY`` / ``HTTPS_PROXY`` /
    ``ALL_PROXY`` / ``NO_PROXY``. Instance metadata never goes through a proxy."""

    def __init__(self, settings: ClientSettings) -> None:
        self._explicit = settings.proxy
        self._env = urllib.request.getproxies_environment() if settings.trust_env else {}
        self._cache: dict[tuple[str, str], str | None] = {}

    def for_url(self, scheme: str, host: str, netloc: str) -> str | None:
        if host in INSTANCE_METADATA or host.startswith("169.254."):
            return None  # the instance's own metadata: through a proxy it would be another's
        if self._explicit:
            return self._explicit
        if not self._env:
            return None
        key = (scheme, netloc)
        if key not in self._cache:
            bypass = _proxy_bypass(netloc, self._env)
            found = None if bypass else (self._env.get(scheme) or self._env.get("all"))
            self._cache[key] = found
        return self._cache[key]
