"""Alibaba Cloud credentials and where to find them.

The chain, first match wins: explicit arguments; ``ALIBABA_CLOUD_ACCESS_KEY_ID`` /
``ALIBABA_CLOUD_ACCESS_KEY_SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN`` (then the older
``ALIBABACLOUD_*`` and ``ALICLOUD_*`` names); the shared credentials file
(``ALIBABA_CLOUD_CREDENTIALS_FILE``, else ``~/.alibabacloud/credentials.ini`` as the official
Python library reads it, else ``~/.alibabacloud/credentials`` as the other official tools do; the
section from ``ALIBABA_CLOUD_PROFILE``, default ``default``); the aliyun CLI's
``~/.aliyun/config.json`` (its current profile, or ``ALIBABA_CLOUD_PROFILE``).
"""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from causdk._config import first_env, tried
from causdk._redact import shown
from causdk.errors import ConfigurationError
from causdk.secret import Secret

__all__ = ["AlibabaCredentials", "resolve_credentials"]


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


def _make(key_id: Any, secret: Any, token: Any, source: str) -> AlibabaCredentials:
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


_ENV_NAMES = (
    (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
    ),
    ("ALIBABACLOUD_ACCESS_KEY_ID", "ALIBABACLOUD_ACCESS_KEY_SECRET", "ALIBABACLOUD_SECURITY_TOKEN"),
    ("ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN"),
)


def resolve_credentials(
    *,
    access_key_id: str | None = None,
    access_key_secret: str | None = None,
    security_token: str | None = None,
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> AlibabaCredentials:
    """Find credentials by the chain above; raise ConfigurationError listing what was tried."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    steps: list[str] = []
    if access_key_id or access_key_secret:
        if not (access_key_id and access_key_secret):
            raise ConfigurationError("give both access_key_id and access_key_secret, or neither")
        return _make(access_key_id, access_key_secret, security_token, "explicit")
    steps.append("arguments: none given")

    for id_name, secret_name, token_name in _ENV_NAMES:
        key_id, secret = first_env(env, id_name), first_env(env, secret_name)
        if key_id and secret:
            token = first_env(env, token_name)
            return _make(key_id[1], secret[1], token[1] if token else None, "env")
    steps.append("environment: ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET (and older names) not set")

    profile = profile or env.get("ALIBABA_CLOUD_PROFILE") or None
    found = _from_ini(env, home, profile or "default", steps)
    if found is None and env.get("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "").lower() != "true":
        found = _from_cli_config(home / ".aliyun" / "config.json", profile, steps)
    if found is None:
        raise ConfigurationError("no Alibaba Cloud credentials found. Tried: " + tried(steps))
    return found


def read_text_file(path: Path) -> str:
    """A config file's text; a one-line ConfigurationError (never its content) otherwise."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigurationError(f"{path} is not UTF-8 text.") from None
    except OSError as exc:
        raise ConfigurationError(f"{path} cannot be read: {exc.strerror or exc}.") from None


def _where(exc: configparser.Error) -> str:
    lineno = getattr(exc, "lineno", None)
    if lineno is None and isinstance(exc, configparser.ParsingError) and exc.errors:
        lineno = exc.errors[0][0]
    return f" (line {lineno})" if lineno else ""


def _from_ini(
    env: Mapping[str, str], home: Path, section: str, steps: list[str]
) -> AlibabaCredentials | None:
    override = env.get("ALIBABA_CLOUD_CREDENTIALS_FILE")
    candidates = (
        [Path(override).expanduser()]
        if override
        else [home / ".alibabacloud" / "credentials.ini", home / ".alibabacloud" / "credentials"]
    )
    for path in candidates:
        if not path.exists():
            steps.append(f"{path}: no such file")
            continue
        parser = configparser.ConfigParser(inline_comment_prefixes=("#", ";"), interpolation=None)
        try:
            parser.read_string(read_text_file(path), source=str(path))
        except configparser.Error as exc:
            # configparser quotes the offending line, which may hold a secret: give its number.
            raise ConfigurationError(f"{path} is not a valid INI file{_where(exc)}.") from None
        if not parser.has_section(section):
            steps.append(f"{path}: no [{section}] section")
            continue
        values = parser[section]
        kind = values.get("type", "access_key")
        if kind != "access_key":
            steps.append(
                f"{path} [{section}]: type {shown(kind)} is not supported (use access_key)"
            )
            continue
        key_id, secret = values.get("access_key_id"), values.get("access_key_secret")
        if not (key_id and secret):
            steps.append(f"{path} [{section}]: access_key_id or access_key_secret missing")
            continue
        return _make(key_id, secret, None, f"file:{path}[{section}]")
    return None


def _from_cli_config(
    path: Path, profile: str | None, steps: list[str]
) -> AlibabaCredentials | None:
    if not path.exists():
        steps.append(f"{path}: no such file")
        return None
    text = read_text_file(path)
    try:
        config = json.loads(text)
        name = profile or config.get("current") or "default"
        entry = next((p for p in config.get("profiles", []) if p.get("name") == name), None)
    except (ValueError, AttributeError, TypeError, RecursionError):
        raise ConfigurationError(f"{path} is not a valid aliyun CLI config.") from None
    if not isinstance(name, str) or not isinstance(entry, dict | None):
        raise ConfigurationError(f"{path} is not a valid aliyun CLI config.")
    if entry is None:
        steps.append(f"{path}: no profile {name!r}")
        return None
    mode = entry.get("mode", "AK")
    if mode not in ("AK", "StsToken"):
        steps.append(f"{path} profile {name!r}: mode {shown(mode)} is not supported (AK, StsToken)")
        return None
    key_id, secret = entry.get("access_key_id"), entry.get("access_key_secret")
    if not (key_id and secret):
        steps.append(f"{path} profile {name!r}: access_key_id or access_key_secret missing")
        return None
    token = entry.get("sts_token") if mode == "StsToken" else None
    return _make(key_id, secret, token, f"aliyun-cli:{name}")
