"""Small helpers for reading settings from the environment and checking endpoints."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from causdk.errors import ConfigurationError

_REGION = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")


def first_env(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    """The first of ``names`` set (non-empty) in ``env``, as (name, value)."""
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return name, value
    return None


def check_region(region: str) -> str:
    """A region id shaped like ``cn-hangzhou`` or ``ap-southeast-3``."""
    if not _REGION.match(region):
        raise ConfigurationError(f"region {region!r} is not a region id like 'cn-north-4'")
    return region


def check_endpoint(endpoint: str) -> str:
    """An ``http(s)://host[:port][/base]`` URL, without a trailing slash."""
    if "://" not in endpoint:
        endpoint = f"https://{endpoint}"
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigurationError(f"endpoint {endpoint!r} is not an http(s) URL of a host")
    return endpoint.rstrip("/")


def tried(steps: list[str]) -> str:
    return "; ".join(steps)
