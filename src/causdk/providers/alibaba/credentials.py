"""Alibaba Cloud credentials: an AccessKey pair, with an STS token when temporary.

Where they are found is :mod:`causdk.providers.alibaba.chain`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from causdk.errors import ConfigurationError
from causdk.secret import Secret

__all__ = ["AlibabaCredentials", "make_credentials"]


class AlibabaCredentials(BaseModel):
    """An AccessKey pair, and an STS security token for temporary credentials.

    The secret and the token are :class:`causdk.secret.Secret`: they print as ``**********``.
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", defer_build=True, arbitrary_types_allowed=True
    )

    access_key_id: str
    access_key_secret: Secret
    security_token: Secret | None = None
    source: str = "explicit"
    """Where they came from, e.g. ``env`` or ``file:~/.alibabacloud/credentials.ini[default]``."""


def make_credentials(key_id: Any, secret: Any, token: Any, source: str) -> AlibabaCredentials:
    for name, value in (("access_key_id", key_id), ("access_key_secret", secret)):
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError(f"{source}: {name} must be a non-empty string.")
    if token is not None and not isinstance(token, str):
        raise ConfigurationError(f"{source}: the security token must be a string.")
    return AlibabaCredentials(
        access_key_id=key_id,
        access_key_secret=Secret(secret),
        security_token=Secret(token) if token else None,
        source=source,
    )
