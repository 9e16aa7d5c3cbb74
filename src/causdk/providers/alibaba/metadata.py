"""Credentials an Alibaba platform hands out: the ECS instance's RAM role (instance metadata,
IMDSv2 by default) and a credentials URI (``ALIBABA_CLOUD_CREDENTIALS_URI``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from causdk._auth import CredentialSource, Issued
from causdk._flow import Attempt, Exchange, Flow, Runtime, call
from causdk._parse import read_json, unexpected
from causdk._wire import WireRequest, WireResponse, join_url
from causdk.errors import CausdkError, ConfigurationError
from causdk.providers.alibaba.credentials import AlibabaCredentials
from causdk.providers.alibaba.errors import PROVIDER, error_from_response
from causdk.providers.alibaba.sts import credentials_from

METADATA_URL = "http://100.100.100.200"
METADATA_URL_ENV = "CAUSDK_ALIBABA_METADATA_URL"
_ROLES = "/latest/meta-data/ram/security-credentials/"
_SESSION_TTL = "21600"  # six hours, as the official library asks
_REFUSED = (401, 403)


def _no_request_id(_response: WireResponse) -> str | None:
    return None


def _flat_credentials(action: str, source: str) -> Any:
    """The metadata/URI answer: a flat JSON object with ``Code: Success`` and the keys."""

    def parse(response: WireResponse) -> Issued[AlibabaCredentials]:
        if response.status_code != 200:
            raise error_from_response(action, response)

        def read(body: dict[str, Any]) -> Issued[AlibabaCredentials]:
            if body.get("Code") != "Success":
                raise ValueError(f"Code is {str(body.get('Code'))[:40]!r}, not 'Success'")
            return credentials_from(body, source)

        return read_json(PROVIDER, action, response, None, read)

    return parse


def _text(action: str) -> Any:
    def parse(response: WireResponse) -> str:
        if response.status_code != 200:
            raise error_from_response(action, response)
        text = response.body.decode("utf-8", "replace").strip()
        if not text or len(text) > 4096 or any(c.isspace() for c in text):
            raise unexpected(PROVIDER, action, response, None, "not a single word of text")
        return text

    return parse


class EcsRamRole(CredentialSource[AlibabaCredentials]):
    """The RAM role attached to this ECS instance, from instance metadata.

    IMDSv2 first: a session token from ``PUT /latest/api/token``, sent with each read. If no
    token can be had, the reads go without one (IMDSv1) unless ``imds_v1_disabled``; a read
    refused with a token is tried once without it, on the same condition. The role name is
    ``role_name`` or, if not given, looked up at each fetch (the role may change).
    """

    name = "ecs_ram_role"

    def __init__(
        self,
        *,
        role_name: str | None = None,
        base_url: str = METADATA_URL,
        imds_v1_disabled: bool = False,
        user_agent: str = "causdk",
    ) -> None:
        self.role_name = role_name or None
        self.base_url = base_url.rstrip("/")
        self.imds_v1_disabled = imds_v1_disabled
        self.user_agent = user_agent

    @property
    def account_key(self) -> str:
        return f"ecs_ram_role:{self.role_name or 'instance'}"

    def _exchange(self, action: str, method: str, path: str, token: str | None, parse: Any) -> Any:
        url = join_url(self.base_url, path)
        headers = [("User-Agent", self.user_agent)]
        if method == "PUT":
            headers.append(("X-aliyun-ecs-metadata-token-ttl-seconds", _SESSION_TTL))
        elif token is not None:
            headers.append(("X-aliyun-ecs-metadata-token", token))

        def build(_attempt: Attempt) -> WireRequest:
            return WireRequest(method, url, tuple(headers))

        return Exchange(action, build, parse, _no_request_id)

    def _token(self, rt: Runtime) -> Flow[str | None]:
        action = "MetadataToken"
        try:
            token: str = yield from call(rt, self._exchange(action, "PUT", "/latest/api/token",
                                                            None, _text(action)))  # fmt: skip
        except CausdkError:
            if self.imds_v1_disabled:
                raise
            return None  # IMDSv1: the reads go without a token
        return token

    def _read(
        self, rt: Runtime, action: str, path: str, token: str | None, parse: Any
    ) -> Flow[Any]:
        try:
            return (yield from call(rt, self._exchange(action, "GET", path, token, parse)))
        except CausdkError as error:
            refused = getattr(error, "status_code", None) in _REFUSED
            if token is None or not refused or self.imds_v1_disabled:
                raise
        return (yield from call(rt, self._exchange(action, "GET", path, None, parse)))

    def fetch(self, rt: Runtime) -> Flow[Issued[AlibabaCredentials]]:
        token = yield from self._token(rt)
        role = self.role_name
        if role is None:
            action = "MetadataRoleName"
            role = yield from self._read(rt, action, _ROLES, token, _text(action))
        action = "MetadataRoleCredentials"
        path = _ROLES + quote(role, safe="")
        issued: Issued[AlibabaCredentials] = yield from self._read(
            rt, action, path, token, _flat_credentials(action, self.name)
        )
        return issued


class CredentialsUri(CredentialSource[AlibabaCredentials]):
    """``GET`` a URI that answers ``{Code: Success, AccessKeyId, AccessKeySecret,
    SecurityToken, Expiration}`` (a sidecar, a credentials broker)."""

    name = "credential_uri"

    def __init__(self, uri: str, *, user_agent: str = "causdk") -> None:
        parts = urlsplit(uri if "://" in uri else f"http://{uri}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError("ALIBABA_CLOUD_CREDENTIALS_URI is not an http(s) URL")
        self.uri = parts.geturl()
        self._where = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{parts.path}"
        self.user_agent = user_agent

    @property
    def account_key(self) -> str:
        return f"credential_uri:{self._where}"

    def fetch(self, rt: Runtime) -> Flow[Issued[AlibabaCredentials]]:
        action = "CredentialsURI"
        headers = (("User-Agent", self.user_agent), ("Accept", "application/json"))

        def build(_attempt: Attempt) -> WireRequest:
            return WireRequest("GET", self.uri, headers)

        exchange = Exchange(action, build, _flat_credentials(action, self.name), _no_request_id)
        issued: Issued[AlibabaCredentials] = yield from call(rt, exchange)
        return issued
