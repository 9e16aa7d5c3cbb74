"""Small helpers for reading settings from the environment and checking endpoints."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from causdk._redact import shown

if TYPE_CHECKING:
    from configparser import ConfigParser
from causdk.errors import ConfigurationError
from causdk.secret import Secret

_REGION = re.compile(r"[a-z]{2,}(-[a-z0-9]+)+")
_USERINFO = re.compile(r"//[^/?#]*@")
_TRUE = ("1", "true", "yes", "on")
INSECURE_HTTP_ENV = "CAUSDK_ALLOW_INSECURE_HTTP"


def first_env(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    """The first of ``names`` set (non-empty) in ``env``, as (name, value)."""
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return name, value
    return None


def check_region(region: str) -> str:
    """A region id shaped like ``cn-hangzhou`` or ``ap-southeast-3``, matched whole."""
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise ConfigurationError(f"region {shown(region)} is not a region id like 'cn-north-4'.")
    return region


def insecure_http_allowed(opted_in: bool, env: Mapping[str, str]) -> bool:
    """The caller's opt-in to plain HTTP outside loopback: a setting or the environment."""
    return opted_in or env.get(INSECURE_HTTP_ENV, "").strip().lower() in _TRUE


def _is_loopback(host: str) -> bool:
    import ipaddress  # loaded when an endpoint is checked, not at import

    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(endpoint: str, *, allow_insecure_http: bool = False) -> str:
    """An ``http(s)://host[:port][/base]`` URL, without a trailing slash.

    Refused: a user or password in the URL (httpx would send it as Basic auth, replacing the
    signed ``Authorization``), and plain ``http://`` outside loopback unless allowed.
    """
    if not isinstance(endpoint, str):
        raise ConfigurationError(f"endpoint {shown(endpoint)} is not an http(s) URL of a host.")
    display = shown(_USERINFO.sub("//[redacted]@", endpoint))
    if "@" in endpoint.split("?", 1)[0].split("#", 1)[0]:
        raise ConfigurationError(
            f"endpoint {display} carries a user or password (httpx would send it as Basic auth "
            "in place of the signature); give credentials as options instead."
        )
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in endpoint):
        raise ConfigurationError(f"endpoint {display} is not an http(s) URL of a host.")
    if "://" not in endpoint:
        endpoint = f"https://{endpoint}"
    try:
        parts = urlsplit(endpoint)
        host, _port = parts.hostname, parts.port
    except ValueError:  # a bad IPv6 literal or port
        raise ConfigurationError(f"endpoint {display} is not an http(s) URL of a host.") from None
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise ConfigurationError(f"endpoint {display} is not an http(s) URL of a host.")
    if parts.scheme == "http" and not _is_loopback(host) and not allow_insecure_http:
        raise ConfigurationError(
            f"endpoint {display} is plain HTTP outside loopback: credentials and tokens "
            f"would travel in clear. Use https://, or opt in with "
            f"ClientSettings(allow_insecure_http=True) or {INSECURE_HTTP_ENV}=1."
        )
    return f"{parts.scheme}://{endpoint.split('://', 1)[1]}".rstrip("/")


def tried(steps: list[str]) -> str:
    return "; ".join(steps)


def read_text_file(path: Path) -> str:
    """A config file's text; a one-line ConfigurationError (never its content) otherwise."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigurationError(f"{path} is not UTF-8 text.") from None
    except OSError as exc:
        raise ConfigurationError(f"{path} cannot be read: {exc.strerror or exc}.") from None


def read_ini(path: Path, *, inline_comments: bool) -> ConfigParser:
    """An INI file, parsed; a malformed one is a ConfigurationError naming the line only
    (configparser quotes the offending line, which may hold a secret)."""
    import configparser  # loaded when a file is read, not at import

    prefixes = ("#", ";") if inline_comments else None
    parser = configparser.ConfigParser(inline_comment_prefixes=prefixes, interpolation=None)
    try:
        parser.read_string(read_text_file(path), source=str(path))
    except configparser.Error as exc:
        lineno = getattr(exc, "lineno", None)
        if lineno is None and isinstance(exc, configparser.ParsingError) and exc.errors:
            lineno = exc.errors[0][0]
        where = f" (line {lineno})" if lineno else ""
        raise ConfigurationError(f"{path} is not a valid INI file{where}.") from None
    return parser


def env_true(env: Mapping[str, str], name: str) -> bool:
    """An official SDK's switch: on only when it says ``true`` (any case), as they read it."""
    return env.get(name, "").strip().lower() == "true"


_MAX_TOKEN_FILE = 64 * 1024


def read_token_file(path: Path, what: str) -> Secret:
    """A token file's content, stripped, as a Secret; a ConfigurationError (never its content)
    when it is missing, empty, too large or not text."""
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_TOKEN_FILE + 1)
    except OSError as exc:
        raise ConfigurationError(f"{what} {path} cannot be read: {exc.strerror or exc}") from None
    if len(data) > _MAX_TOKEN_FILE:
        raise ConfigurationError(f"{what} {path} is larger than {_MAX_TOKEN_FILE} bytes")
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigurationError(f"{what} {path} is not UTF-8 text") from None
    if not text:
        raise ConfigurationError(f"{what} {path} is empty")
    return Secret(text, temporary=True)


def metadata_url(
    given: str | None, env: Mapping[str, str], env_name: str, default: str, allow_insecure: bool
) -> str:
    """Instance metadata's base URL: ``given``, the environment's (tests point it at the
    emulator: loopback, or plain HTTP elsewhere only when allowed), else the cloud's address."""
    found = given or (first_env(env, env_name) or (None, ""))[1]
    if not found:
        return default
    return check_endpoint(found, allow_insecure_http=allow_insecure or found == default)
