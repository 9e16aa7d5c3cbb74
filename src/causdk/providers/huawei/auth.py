"""How a Huawei request is authorized: a token, an IAM-issued token, or an AK/SK signature.

:class:`HuaweiAuth` is the small interface; implement it (or pass a callable to
:class:`TokenAuth`) to bring your own token source.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from causdk._flow import (
    Attempt,
    Exchange,
    Flow,
    Runtime,
    Sleep,
    Trace,
    call,
    deadline_error,
    remaining,
    with_budget,
)
from causdk._parse import unexpected
from causdk._wire import WireRequest, WireResponse, join_url
from causdk.errors import ConfigurationError
from causdk.providers.huawei import signing
from causdk.providers.huawei.errors import PROVIDER, error_from_response, request_id_of
from causdk.secret import Secret

__all__ = ["AkSkAuth", "HuaweiAuth", "IamPasswordAuth", "RequestSigner", "TokenAuth"]


class RequestSigner(ABC):
    """Adds the authorizing headers to one request attempt. Pure."""

    @abstractmethod
    def sign(
        self, method: str, url: str, headers: dict[str, str], body: bytes, now: datetime
    ) -> dict[str, str]:
        """The headers to send: ``headers`` plus whatever authorizes the request."""


class HuaweiAuth(ABC):
    """A source of :class:`RequestSigner`; may fetch (a token) through the flow it returns."""

    kind: str = "custom"

    @abstractmethod
    def signer(self, rt: Runtime) -> Flow[RequestSigner]:
        """A signer for the next call (fetching a token first if needed)."""

    def invalidate(self, signer: RequestSigner) -> bool:
        """The provider said 401 to ``signer``: drop it; True if a new signer may succeed."""
        return False

    @property
    def account_key(self) -> str:
        """What a rate limit is counted by."""
        return self.kind


def _now_signer(value: RequestSigner) -> Flow[RequestSigner]:
    """A flow that needs no I/O and returns ``value``."""
    return value
    yield  # pragma: no cover - makes this a generator


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

    kind = "token"

    def __init__(self, token: str | Secret | Callable[[], str]) -> None:
        self._source = token if callable(token) and not isinstance(token, Secret) else None
        if self._source is None:
            fixed = Secret(token)  # type: ignore[arg-type]
            if not fixed:
                raise ConfigurationError("the Huawei token is empty")
            self._fixed: _TokenSigner | None = _TokenSigner(fixed)

    def signer(self, rt: Runtime) -> Flow[RequestSigner]:
        if self._source is None:
            assert self._fixed is not None
            return _now_signer(self._fixed)
        return _now_signer(_TokenSigner(Secret(self._source())))

    def invalidate(self, signer: RequestSigner) -> bool:
        return self._source is not None

    def __repr__(self) -> str:
        return "TokenAuth(token=**********)"


class AkSkAuth(HuaweiAuth, RequestSigner):
    """AK/SK signing (``SDK-HMAC-SHA256``) as the official SDK signs CCM calls: with the
    account's ``X-Domain-Id`` (CCM is a global service) and ``X-Security-Token`` for temporary
    credentials."""

    kind = "aksk"

    def __init__(
        self,
        access_key: str,
        secret_key: str | Secret,
        *,
        domain_id: str,
        security_token: str | Secret | None = None,
    ) -> None:
        if not (access_key and secret_key and domain_id):
            raise ConfigurationError(
                "AK/SK signing needs an access key, a secret key and a domain id"
            )
        self.access_key = access_key
        self.domain_id = domain_id
        self._secret = Secret(secret_key)
        self._token = Secret(security_token) if security_token else None

    @property
    def account_key(self) -> str:
        return self.domain_id

    def signer(self, rt: Runtime) -> Flow[RequestSigner]:
        return _now_signer(self)

    def sign(
        self, method: str, url: str, headers: dict[str, str], body: bytes, now: datetime
    ) -> dict[str, str]:
        signed = {**headers, "X-Sdk-Date": signing.sdk_date(now), "X-Domain-Id": self.domain_id}
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
        return f"AkSkAuth(access_key={self.access_key!r}, domain_id={self.domain_id!r})"


class _IssuedToken:
    __slots__ = ("expires_at", "signer")

    def __init__(self, signer: _TokenSigner, expires_at: datetime) -> None:
        self.signer = signer
        self.expires_at = expires_at


class IamPasswordAuth(HuaweiAuth):
    """A token that IAM issues for a user's password (``POST /v3/auth/tokens``), scoped to a
    project (by id, or by the region's name). It is cached until ``refresh_margin`` before it
    expires; concurrent calls share one fetch; a 401 drops it and the call is repeated once."""

    kind = "iam"
    _WAIT_STEP = 0.02
    _STALE_FETCH = 30.0

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
        self.refresh_margin = refresh_margin
        self.user_agent = user_agent
        self._password = Secret(password)
        self._lock = threading.Lock()
        self._token: _IssuedToken | None = None
        self._fetch_started: float | None = None

    @property
    def account_key(self) -> str:
        return f"{self.domain_name}/{self.user_name}"

    def signer(self, rt: Runtime) -> Flow[RequestSigner]:
        rt = with_budget(rt)
        while True:
            with self._lock:
                now, tick = rt.clock.now(), rt.clock.monotonic()
                if self._token is not None and now < self._token.expires_at - self.refresh_margin:
                    return self._token.signer
                fetching = self._fetch_started is not None
                if not fetching or tick - self._fetch_started > self._STALE_FETCH:  # type: ignore[operator]
                    self._fetch_started = tick
                    break
            if remaining(rt) <= self._WAIT_STEP:
                raise deadline_error(rt, "token", Trace(), "another call's token fetch is late")
            yield Sleep(self._WAIT_STEP)  # another call is fetching: wait for its token
        try:
            issued: _IssuedToken = yield from call(rt, self._token_exchange())
        finally:
            with self._lock:
                self._fetch_started = None
        with self._lock:
            self._token = issued
        return issued.signer

    def invalidate(self, signer: RequestSigner) -> bool:
        with self._lock:
            if self._token is not None and self._token.signer is signer:
                self._token = None
        return True

    def _token_exchange(self) -> Exchange[_IssuedToken]:
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


def _parse_token(response: WireResponse) -> _IssuedToken:
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
    return _IssuedToken(_TokenSigner(Secret(token)), expires_at)
