"""How a Huawei request is authorized: a token, an IAM-issued token, or an AK/SK signature.

:class:`HuaweiAuth` is the small interface (causdk's :class:`~causdk._auth.Authorizer` of
:class:`RequestSigner`); implement it (or pass a callable to :class:`TokenAuth`) to bring your
own token source. Tokens and keys that expire come through :class:`~causdk._auth.RefreshingAuth`.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from causdk._auth import (
    Authorizer,
    CredentialSource,
    Issued,
    RefreshingAuth,
    now_value,
    source_failure,
)
from causdk._flow import Attempt, Exchange, Flow, Runtime, call
from causdk._parse import unexpected
from causdk._wire import WireRequest, WireResponse, join_url
from causdk.errors import ConfigurationError
from causdk.providers.huawei import signing
from causdk.providers.huawei.errors import PROVIDER, error_from_response, request_id_of
from causdk.secret import Secret

__all__ = [
    "AkSkAuth",
    "AkSkSigner",
    "HuaweiAuth",
    "IamPasswordAuth",
    "RequestSigner",
    "TokenAuth",
]


class RequestSigner(ABC):
    """Adds the authorizing headers to one request attempt. Pure."""

    @abstractmethod
    def sign(
        self, method: str, url: str, headers: dict[str, str], body: bytes, now: datetime
    ) -> dict[str, str]:
        """The headers to send: ``headers`` plus whatever authorizes the request."""


class HuaweiAuth(Authorizer[RequestSigner]):
    """A source of :class:`RequestSigner`; may fetch (a token, keys) through the flow it returns."""


class _TokenSigner(RequestSigner):
    __slots__ = ("token",)

    def __init__(self, token: Secret) -> None:
        self.token = token

    def sign(
        self, method: str, url: str, headers: dict[str, str], body: bytes, now: datetime
    ) -> dict[str, str]:
        return {**headers, "X-Auth-Token": self.token.get_secret_value()}


class TokenAuth(HuaweiAuth):
    """An ``X-Auth-Token``: a fixed string, or a callable asked for one before every call.

    With a callable, a 401 makes causdk ask it again once and repeat the call.
    """

    source = "token"

    def __init__(self, token: str | Secret | Callable[[], str], *, source: str = "token") -> None:
        self.source = source
        self._source = token if callable(token) and not isinstance(token, Secret) else None
        if self._source is None:
            fixed = Secret(token)  # type: ignore[arg-type]
            if not fixed:
                raise ConfigurationError("the Huawei token is empty")
            self._fixed: _TokenSigner | None = _TokenSigner(fixed)

    def signer(self, rt: Runtime) -> Flow[RequestSigner]:
        if self._source is None:
            assert self._fixed is not None
            return now_value(self._fixed)
        return now_value(_TokenSigner(Secret(self._source(), temporary=True)))

    def invalidate(self, signer: RequestSigner) -> bool:
        return self._source is not None

    def __repr__(self) -> str:
        return "TokenAuth(token=**********)"


class AkSkSigner(RequestSigner):
    """``SDK-HMAC-SHA256`` as the official SDK signs CCM calls: with the account's
    ``X-Domain-Id`` (CCM is a global service) and ``X-Security-Token`` for temporary keys."""

    __slots__ = ("_secret", "_token", "access_key", "domain_id")

    def __init__(
        self,
        access_key: str,
        secret_key: str | Secret,
        *,
        domain_id: str | None,
        security_token: str | Secret | None = None,
    ) -> None:
        self.access_key = access_key
        self.domain_id = domain_id
        self._secret = Secret(secret_key)
        self._token = Secret(security_token) if security_token else None

    def with_domain(self, domain_id: str) -> AkSkSigner:
        return AkSkSigner(
            self.access_key, self._secret, domain_id=domain_id, security_token=self._token
        )

    def sign(
        self, method: str, url: str, headers: dict[str, str], body: bytes, now: datetime
    ) -> dict[str, str]:
        signed = {**headers, "X-Sdk-Date": signing.sdk_date(now)}
        if self.domain_id:
            signed["X-Domain-Id"] = self.domain_id
        if self._token is not None:
            signed["X-Security-Token"] = self._token.get_secret_value()
        signed["Authorization"] = signing.authorization(
            method=method,
            url=url,
            headers=signed,
            body=body,
            access_key=self.access_key,
            secret_key=self._secret.get_secret_value(),
        )
        return signed

    def __repr__(self) -> str:
        return f"AkSkSigner(access_key={self.access_key!r}, domain_id={self.domain_id!r})"


DEFAULT_IAM_ENDPOINT = "https://iam.myhuaweicloud.com"


def domain_lookup(rt: Runtime, signer: AkSkSigner, iam_endpoint: str, user_agent: str) -> Flow[str]:
    """The account (domain) id the keys belong to, as the official SDK finds it: a signed
    ``GET /v3/auth/domains``."""
    action = "KeystoneListAuthDomains"
    url = join_url(iam_endpoint, "/v3/auth/domains")
    host = url.split("://", 1)[1].split("/", 1)[0]
    headers = {"Host": host, "Content-Type": "application/json", "User-Agent": user_agent}

    def build(attempt: Attempt) -> WireRequest:
        signed = signer.sign("GET", url, headers, b"", attempt.now)
        return WireRequest("GET", url, tuple(signed.items()))

    def parse(response: WireResponse) -> str:
        if response.status_code != 200:
            raise error_from_response(action, response)
        body = response.json_object() or {}
        domains = body.get("domains")
        first = domains[0] if isinstance(domains, list) and domains else None
        domain_id = first.get("id") if isinstance(first, dict) else None
        if not isinstance(domain_id, str) or not domain_id.isalnum():
            message = "IAM listed no domain for these keys"
            raise unexpected(PROVIDER, action, response, request_id_of(response), message)
        return domain_id

    return call(rt, Exchange(action, build, parse, request_id_of))


class _KnownKeys(CredentialSource[RequestSigner]):
    """Keys given whole; the domain id looked up through IAM once when it is not given."""

    def __init__(self, signer: AkSkSigner, name: str, iam_endpoint: str, user_agent: str) -> None:
        self._signer = signer
        self.name = name
        self.iam_endpoint = iam_endpoint
        self.user_agent = user_agent

    @property
    def account_key(self) -> str:
        return self._signer.domain_id or self._signer.access_key

    def fetch(self, rt: Runtime) -> Flow[Issued[RequestSigner]]:
        signer = self._signer
        if not signer.domain_id:
            domain_id = yield from domain_lookup(rt, signer, self.iam_endpoint, self.user_agent)
            signer = self._signer = signer.with_domain(domain_id)
        return Issued(signer, None)


class AkSkAuth(RefreshingAuth[RequestSigner], HuaweiAuth):
    """AK/SK signing (``SDK-HMAC-SHA256``), with a security token for temporary keys.

    Without ``domain_id``, the account's id is looked up once through IAM (a signed
    ``GET /v3/auth/domains`` at ``iam_endpoint``), as the official SDK does.
    """

    def __init__(
        self,
        access_key: str,
        secret_key: str | Secret,
        *,
        domain_id: str | None = None,
        security_token: str | Secret | None = None,
        iam_endpoint: str = DEFAULT_IAM_ENDPOINT,
        source: str = "explicit",
        user_agent: str = "causdk",
    ) -> None:
        if not (access_key and secret_key):
            raise ConfigurationError("AK/SK signing needs an access key and a secret key")
        self.access_key = access_key
        signer = AkSkSigner(
            access_key, secret_key, domain_id=domain_id, security_token=security_token
        )
        fetcher = _KnownKeys(signer, source, iam_endpoint, user_agent)
        super().__init__(
            fetcher, failure_error=source_failure(PROVIDER, source, "KeystoneListAuthDomains")
        )

    @property
    def domain_id(self) -> str | None:
        return self._known.domain_id

    @property
    def _known(self) -> AkSkSigner:
        return self._source._signer  # type: ignore[attr-defined, no-any-return]

    def invalidate(self, signer: RequestSigner) -> bool:
        return False  # the same keys again would be refused again

    def __repr__(self) -> str:
        return f"AkSkAuth(access_key={self.access_key!r}, domain_id={self.domain_id!r})"


class _PasswordToken(CredentialSource[RequestSigner]):
    name = "iam_password"

    def __init__(self, auth: IamPasswordAuth) -> None:
        self._auth = auth

    @property
    def account_key(self) -> str:
        return f"{self._auth.domain_name}/{self._auth.user_name}"

    def fetch(self, rt: Runtime) -> Flow[Issued[RequestSigner]]:
        issued: Issued[RequestSigner] = yield from call(rt, self._auth._token_exchange())
        return issued


class IamPasswordAuth(RefreshingAuth[RequestSigner], HuaweiAuth):
    """A token that IAM issues for a user's password (``POST /v3/auth/tokens``), scoped to a
    project (by id, or by the region's name). It is cached until ``refresh_margin`` before it
    expires; concurrent calls share one fetch; a 401 drops it and the call is repeated once."""

    def __init__(
        self,
        *,
        user_name: str,
        password: str | Secret,
        domain_name: str,
        iam_endpoint: str,
        project_name: str | None = None,
        project_id: str | None = None,
        refresh_margin: timedelta = timedelta(minutes=10),
        user_agent: str = "causdk",
    ) -> None:
        if not (user_name and password and domain_name):
            raise ConfigurationError(
                "IAM password auth needs a user name, password and domain name"
            )
        if not (project_name or project_id):
            raise ConfigurationError("IAM password auth needs a project name (region) or id")
        self.user_name = user_name
        self.domain_name = domain_name
        self.iam_endpoint = iam_endpoint
        self.project_name = project_name
        self.project_id = project_id
        self.user_agent = user_agent
        self._password = Secret(password)
        super().__init__(_PasswordToken(self), refresh_margin=refresh_margin)

    def _token_exchange(self) -> Exchange[Issued[RequestSigner]]:
        scope: dict[str, Any] = (
            {"project": {"id": self.project_id}}
            if self.project_id
            else {"project": {"name": self.project_name}}
        )
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": self.user_name,
                            "password": self._password.get_secret_value(),
                            "domain": {"name": self.domain_name},
                        }
                    },
                },
                "scope": scope,
            }
        }
        payload = json.dumps(body).encode()
        url = join_url(self.iam_endpoint, "/v3/auth/tokens")
        headers = (
            ("Content-Type", "application/json;charset=utf8"),
            ("User-Agent", self.user_agent),
        )

        def build(_attempt: Attempt) -> WireRequest:
            return WireRequest("POST", url, headers, payload)

        return Exchange("KeystoneCreateUserTokenByPassword", build, _parse_token, request_id_of)

    def __repr__(self) -> str:
        return f"IamPasswordAuth(user_name={self.user_name!r}, domain_name={self.domain_name!r})"


def _parse_token(response: WireResponse) -> Issued[RequestSigner]:
    action = "KeystoneCreateUserTokenByPassword"
    if response.status_code not in (200, 201):
        raise error_from_response(action, response)
    token = response.headers.get("x-subject-token")
    body = response.json_object() or {}
    expires = (body.get("token") or {}).get("expires_at") if isinstance(body, dict) else None
    try:
        if not token or not isinstance(expires, str):
            raise ValueError("no X-Subject-Token header or token.expires_at")
        expires_at = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    except ValueError as exc:
        message = f"IAM answered without a usable token ({exc})"
        raise unexpected(PROVIDER, action, response, request_id_of(response), message) from None
    return Issued(_TokenSigner(Secret(token, temporary=True)), expires_at)
