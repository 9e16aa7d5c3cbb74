"""Temporary Huawei keys: from ECS instance metadata (the instance's agency), or from IAM for
an OIDC ID token (federation, ``HUAWEICLOUD_SDK_IDP_ID`` + ``HUAWEICLOUD_SDK_ID_TOKEN_FILE``).

Both give an AK, an SK and a security token that expire; the account (domain) id is looked up
through IAM once, when not given, as the official SDK does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from causdk._auth import CredentialSource, Issued, bounded
from causdk._config import read_token_file
from causdk._flow import Attempt, Exchange, Flow, Runtime, call
from causdk._parse import parse_expiry, read_json, unexpected
from causdk._wire import WireRequest, WireResponse, join_url
from causdk.errors import CausdkError
from causdk.providers.huawei.auth import AkSkSigner, RequestSigner, domain_lookup
from causdk.providers.huawei.errors import PROVIDER, error_from_response, request_id_of
from causdk.secret import Secret

METADATA_URL = "http://169.254.169.254"
METADATA_URL_ENV = "CAUSDK_HUAWEI_METADATA_URL"
METADATA_BUDGET = 5.0
_SESSION_TTL = 21600
_NO_AGENCY = "Please configure Cloud Service Agency first"
_JSON = "application/json;charset=UTF-8"


def _first(body: dict[str, Any], *names: str) -> Any:
    for name in names:
        if body.get(name):
            return body[name]
    raise KeyError(names[0])


def keys_from(body: dict[str, Any]) -> tuple[str, Secret, Secret, datetime]:
    """(AK, SK, security token, expiry) from a ``credential`` answer, in any of the spellings
    the official SDK reads; the expiry with or without fractions of a second, as UTC."""
    inner = body.get("credential") or body.get("credentials") or body
    if not isinstance(inner, dict):
        raise TypeError("credential is not an object")
    access = _first(inner, "access", "accessKeyId", "access_key_id")
    secret = _first(inner, "secret", "secretAccessKey", "secret_access_key")
    token = _first(inner, "securitytoken", "securityToken", "security_token")
    if not all(isinstance(v, str) for v in (access, secret, token)):
        raise TypeError("a key, secret or token is not a string")
    expiry = parse_expiry(_first(inner, "expires_at", "expiration"))
    return access, Secret(secret, temporary=True), Secret(token, temporary=True), expiry


class _TemporaryKeys(CredentialSource[RequestSigner]):
    """What both sources share: keys that expire, and the domain id found once."""

    def __init__(self, *, domain_id: str | None, iam_endpoint: str, user_agent: str) -> None:
        self.domain_id = domain_id
        self.iam_endpoint = iam_endpoint
        self.user_agent = user_agent

    def _signer(
        self, rt: Runtime, keys: tuple[str, Secret, Secret, datetime]
    ) -> Flow[Issued[RequestSigner]]:
        access, secret, token, expiry = keys
        signer = AkSkSigner(access, secret, domain_id=self.domain_id, security_token=token)
        if self.domain_id is None:
            domain = yield from domain_lookup(rt, signer, self.iam_endpoint, self.user_agent)
            self.domain_id = domain  # the same account at every rotation
            signer = signer.with_domain(domain)
        return Issued(signer, expiry)


def _json_exchange(
    action: str,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
    parse: Callable[[WireResponse], Any],
) -> Exchange[Any]:
    def build(_attempt: Attempt) -> WireRequest:
        return WireRequest(method, url, tuple(headers), body)

    return Exchange(action, build, parse, request_id_of)


class MetadataKeys(_TemporaryKeys):
    """The ECS instance's agency keys: ``GET /openstack/latest/securitykey``, with a metadata
    session token (``PUT /meta-data/latest/api/token``) when the instance gives one; the session
    token is kept and renewed before its six hours run out, or after a 401."""

    name = "ecs_metadata"

    def __init__(
        self,
        *,
        base_url: str = METADATA_URL,
        domain_id: str | None,
        iam_endpoint: str,
        user_agent: str,
        attempts: int = 1,
    ) -> None:
        super().__init__(domain_id=domain_id, iam_endpoint=iam_endpoint, user_agent=user_agent)
        self.base_url = base_url.rstrip("/")
        self.attempts = attempts
        self._session: tuple[Secret, datetime] | None = None

    @property
    def account_key(self) -> str:
        return self.domain_id or self.name

    def _session_token(self, rt: Runtime, renew: bool) -> Flow[Secret | None]:
        now = rt.clock.now()
        if not renew and self._session is not None and now < self._session[1]:
            return self._session[0]
        action = "MetadataToken"

        def parse(response: WireResponse) -> Secret | None:
            if response.status_code in (404, 405, 503):
                return None  # no session tokens here: IMDSv1
            if response.status_code != 200 or not response.body.strip():
                raise error_from_response(action, response)
            return Secret(response.body.decode("utf-8", "replace").strip(), temporary=True)

        url = join_url(self.base_url, "/meta-data/latest/api/token")
        headers = [("X-Metadata-Token-Ttl-Seconds", str(_SESSION_TTL)),
                   ("User-Agent", self.user_agent)]  # fmt: skip
        token: Secret | None = yield from call(
            rt, _json_exchange(action, "PUT", url, headers, b"", parse)
        )
        renew_at = now + timedelta(seconds=_SESSION_TTL * 0.9)
        self._session = (token, renew_at) if token is not None else None
        return token

    def _read_keys(self, rt: Runtime, token: Secret | None) -> Flow[Any]:
        action = "MetadataSecurityKey"
        url = join_url(self.base_url, "/openstack/latest/securitykey")
        headers = [("User-Agent", self.user_agent)]
        if token is not None:
            headers.append(("X-Metadata-Token", token.get_secret_value()))

        def parse(response: WireResponse) -> Any:
            if response.status_code != 200:
                raise error_from_response(action, response)
            return read_json(PROVIDER, action, response, request_id_of(response), keys_from)

        return (yield from call(rt, _json_exchange(action, "GET", url, headers, b"", parse)))

    def _fetch(self, rt: Runtime) -> Flow[Issued[RequestSigner]]:
        token = yield from self._session_token(rt, renew=False)
        try:
            keys = yield from self._read_keys(rt, token)
        except CausdkError as error:
            no_agency = _NO_AGENCY in getattr(error, "provider_message", "")
            if getattr(error, "status_code", None) != 401 or no_agency:
                raise
            token = yield from self._session_token(rt, renew=True)
            keys = yield from self._read_keys(rt, token)
        return (yield from self._signer(rt, keys))

    def fetch(self, rt: Runtime) -> Flow[Issued[RequestSigner]]:
        return bounded(
            rt, METADATA_BUDGET, self._fetch, "ECS instance metadata", attempts=self.attempts
        )


class FederatedKeys(_TemporaryKeys):
    """Keys IAM issues for an OIDC ID token: ``POST /v3.0/OS-AUTH/id-token/tokens`` (with
    ``X-Idp-Id``) gives a token, ``POST /v3.0/OS-CREDENTIAL/securitytokens`` trades it for keys.
    The ID token file is read anew at each fetch, since the platform rotates it."""

    name = "idp_federation"
    DURATION = 21600

    def __init__(
        self,
        *,
        idp_id: str,
        id_token_file: str,
        domain_id: str | None,
        iam_endpoint: str,
        user_agent: str,
        name: str = "idp_federation",
    ) -> None:
        super().__init__(domain_id=domain_id, iam_endpoint=iam_endpoint, user_agent=user_agent)
        self.idp_id = idp_id
        self.id_token_file = Path(id_token_file).expanduser()
        self.name = name

    @property
    def account_key(self) -> str:
        return self.domain_id or f"idp:{self.idp_id}"

    def fetch(self, rt: Runtime) -> Flow[Issued[RequestSigner]]:
        id_token = read_token_file(self.id_token_file, "the ID token file")
        headers = [("Content-Type", _JSON), ("User-Agent", self.user_agent)]
        action = "CreateTokenWithIdToken"
        url = join_url(self.iam_endpoint, "/v3.0/OS-AUTH/id-token/tokens")
        body = json.dumps({"auth": {"id_token": {"id": id_token.get_secret_value()}}}).encode()

        def parse_token(response: WireResponse) -> Secret:
            if response.status_code not in (200, 201):
                raise error_from_response(action, response)
            token = response.headers.get("x-subject-token")
            if not token:
                message = "IAM answered without an X-Subject-Token"
                raise unexpected(PROVIDER, action, response, request_id_of(response), message)
            return Secret(token, temporary=True)

        exchange = _json_exchange(action, "POST", url, [*headers, ("X-Idp-Id", self.idp_id)],
                                  body, parse_token)  # fmt: skip
        token: Secret = yield from call(rt, exchange)

        action2 = "CreateTemporaryAccessKeyByToken"
        url2 = join_url(self.iam_endpoint, "/v3.0/OS-CREDENTIAL/securitytokens")
        trade = {"id": token.get_secret_value(), "duration_seconds": self.DURATION}
        body2 = json.dumps({"auth": {"identity": {"methods": ["token"], "token": trade}}}).encode()

        def parse_keys(response: WireResponse) -> Any:
            if response.status_code not in (200, 201):
                raise error_from_response(action2, response)
            return read_json(PROVIDER, action2, response, request_id_of(response), keys_from)

        keys = yield from call(
            rt, _json_exchange(action2, "POST", url2, headers, body2, parse_keys)
        )
        return (yield from self._signer(rt, keys))
