"""The emulated credential services of both clouds, issuing credentials that last seconds:

- Alibaba STS ``AssumeRole`` (V1-signed with known keys) and ``AssumeRoleWithOIDC``;
- Alibaba ECS instance metadata, with IMDSv2 session tokens, and a credentials URI;
- Huawei ECS instance metadata (``/openstack/latest/securitykey``, with session tokens);
- Huawei IAM federation (an OIDC ID token → an unscoped token → temporary keys).

Every key issued is accepted by the emulated CAS and CCM APIs until it expires; after that they
answer as the clouds do (``InvalidSecurityToken.Expired``, HTTP 401).
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, unquote

from causdk.testing._http import HttpRequest, HttpResponse
from causdk.testing._state import EmulatorState, LoggedRequest

ROLE_ARN = "acs:ram::1234567890123456:role/causdk-emulator"
OIDC_PROVIDER_ARN = "acs:ram::1234567890123456:oidc-provider/causdk-emulator"
ECS_ROLE_NAME = "causdk-emulator-role"
HUAWEI_IDP_ID = "causdk-emulator-idp"
_ALIBABA_DATE = "%Y-%m-%dT%H:%M:%SZ"
_HUAWEI_DATE = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass
class Issued:
    """One set of temporary credentials the emulator handed out."""

    source: str  # "AssumeRole", "AssumeRoleWithOIDC", "alibaba-ecs", "alibaba-uri", ...
    key_id: str
    expires: float  # time.time()
    at: float = field(default_factory=time.monotonic)


def _json(
    status: int, body: dict[str, Any], extra: list[tuple[str, str]] | None = None
) -> HttpResponse:
    headers = [("content-type", "application/json;charset=utf-8"), *(extra or [])]
    return HttpResponse(status, json.dumps(body).encode(), headers)


class PlatformServices:
    """Credential endpoints; grants what it issues through ``grant_alibaba`` / ``grant_huawei``."""

    def __init__(
        self,
        state: EmulatorState,
        *,
        ttl: float,
        alibaba_keys: dict[str, str],
        grant_alibaba: Any,
        grant_huawei: Any,
        huawei_domain_id: str,
        oidc_token: str,
        id_token: str,
    ) -> None:
        self.state = state
        self.ttl = ttl
        self.alibaba_keys = alibaba_keys  # the keys AssumeRole accepts: id -> secret
        self._grant_alibaba = grant_alibaba
        self._grant_huawei = grant_huawei
        self.huawei_domain_id = huawei_domain_id
        self.oidc_token = oidc_token
        self.id_token = id_token
        self.imdsv2_required = False
        """Alibaba and Huawei metadata refuse reads without a session token (hardened mode)."""
        self.issued: list[Issued] = []
        self._sessions: dict[str, float] = {}
        self._unscoped: dict[str, float] = {}

    def rotations(self, source: str | None = None) -> int:
        """How many credentials were issued (by one source, if named)."""
        with self.state.lock:
            return sum(1 for i in self.issued if source is None or i.source == source)

    def _issue(self, source: str, key_id: str, grant: Any) -> tuple[str, str, datetime]:
        """A new secret and token for ``key_id``, granted until ``ttl`` from now."""
        secret, token = secrets.token_urlsafe(30), secrets.token_urlsafe(60)
        expires = time.time() + self.ttl
        grant(key_id, secret, token, expires)
        with self.state.lock:
            self.issued.append(Issued(source, key_id, expires))
        return secret, token, datetime.fromtimestamp(expires, tz=timezone.utc)

    def _issue_alibaba(self, source: str) -> dict[str, Any]:
        key_id = "STS." + secrets.token_hex(10)
        secret, token, when = self._issue(source, key_id, self._grant_alibaba)
        return {"AccessKeyId": key_id, "AccessKeySecret": secret, "SecurityToken": token,
                "Expiration": when.strftime(_ALIBABA_DATE)}  # fmt: skip

    def _issue_huawei(self, source: str) -> dict[str, Any]:
        access = "HWTEMP" + secrets.token_hex(8).upper()
        secret, token, when = self._issue(source, access, self._grant_huawei)
        return {"access": access, "secret": secret, "securitytoken": token,
                "expires_at": when.strftime(_HUAWEI_DATE)}  # fmt: skip

    def _log(self, cloud: str, action: str, response: HttpResponse) -> HttpResponse:
        self.state.record(LoggedRequest(cloud, action, response.status))  # type: ignore[arg-type]
        return response

    # -- sessions (both clouds' IMDSv2) -------------------------------------------------------

    def _session(self, request: HttpRequest, ttl_header: str) -> HttpResponse:
        ttl = request.headers.get(ttl_header, "")
        if request.method != "PUT" or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return HttpResponse(400, b"missing or invalid token TTL header")
        token = secrets.token_urlsafe(32)
        with self.state.lock:
            self._sessions[token] = time.time() + int(ttl)
        return HttpResponse(200, token.encode(), [("content-type", "text/plain")])

    def _session_ok(self, token: str | None) -> bool:
        if token is None:
            return not self.imdsv2_required
        with self.state.lock:
            expires = self._sessions.get(token)
        return expires is not None and expires > time.time()

    # -- Alibaba --------------------------------------------------------------------------------

    def alibaba_metadata(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path == "/latest/api/token":
            session = self._session(request, "x-aliyun-ecs-metadata-token-ttl-seconds")
            return self._log("alibaba", "MetadataToken", session)
        if not self._session_ok(request.headers.get("x-aliyun-ecs-metadata-token")):
            return self._log("alibaba", "Metadata", HttpResponse(403, b"Forbidden"))
        prefix = "/latest/meta-data/ram/security-credentials/"
        if path == prefix:
            return self._log("alibaba", "MetadataRoleName",
                             HttpResponse(200, ECS_ROLE_NAME.encode()))  # fmt: skip
        if path.startswith(prefix) and unquote(path[len(prefix) :]) == ECS_ROLE_NAME:
            updated = datetime.now(timezone.utc).strftime(_ALIBABA_DATE)
            body = {"Code": "Success", "LastUpdated": updated, **self._issue_alibaba("alibaba-ecs")}
            return self._log("alibaba", "MetadataRoleCredentials", _json(200, body))
        return self._log("alibaba", "Metadata", HttpResponse(404, b"Not Found"))

    def credentials_uri(self) -> HttpResponse:
        body = {"Code": "Success", **self._issue_alibaba("alibaba-uri")}
        return self._log("alibaba", "CredentialsURI", _json(200, body))

    def alibaba_sts(
        self, action: str, params: dict[str, str], caller: str | None, request_id: str
    ) -> HttpResponse:
        """``caller`` is the AccessKeyId of a verified AssumeRole signature (None: anonymous)."""

        def refuse(status: int, code: str, message: str) -> HttpResponse:
            body = {"RequestId": request_id, "Code": code, "Message": message}
            return self._log("alibaba", action, _json(status, body))

        if params.get("Version") != "2015-04-01":
            return refuse(400, "InvalidVersion", "Specified version is not 2015-04-01.")
        if params.get("RoleArn") != ROLE_ARN:
            return refuse(404, "EntityNotExist.Role", "The specified Role not exists.")
        if not params.get("RoleSessionName"):
            return refuse(400, "MissingRoleSessionName", "RoleSessionName is mandatory.")
        if action == "AssumeRoleWithOIDC":
            if params.get("OIDCProviderArn") != OIDC_PROVIDER_ARN:
                return refuse(
                    404, "EntityNotExist.OIDCProvider", "The OIDC provider does not exist."
                )
            if not hmac.compare_digest(params.get("OIDCToken", ""), self.oidc_token):
                return refuse(
                    400, "AuthenticationFail.OIDCToken.Invalid", "The OIDC token is invalid."
                )
        elif caller is None:
            return refuse(400, "MissingAccessKeyId", "AccessKeyId is mandatory.")
        body = {"RequestId": request_id, "Credentials": self._issue_alibaba(action),
                "AssumedRoleUser": {"Arn": ROLE_ARN + "/" + params["RoleSessionName"]}}  # fmt: skip
        return self._log("alibaba", action, _json(200, body))

    # -- Huawei ---------------------------------------------------------------------------------

    def huawei_metadata(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/meta-data/latest/api/token":
            return self._log("huawei", "MetadataToken",
                             self._session(request, "x-metadata-token-ttl-seconds"))  # fmt: skip
        if request.path != "/openstack/latest/securitykey" or request.method != "GET":
            return self._log("huawei", "Metadata", HttpResponse(404, b"Not Found"))
        if not self._session_ok(request.headers.get("x-metadata-token")):
            return self._log("huawei", "MetadataSecurityKey", HttpResponse(401, b"Unauthorized"))
        body = {"credential": self._issue_huawei("huawei-ecs")}
        return self._log("huawei", "MetadataSecurityKey", _json(200, body))

    def huawei_federation(self, request: HttpRequest) -> HttpResponse:
        def refuse(status: int, message: str) -> HttpResponse:
            return _json(status, {"error": {"code": status, "message": message, "title": "Error"}})

        try:
            auth = json.loads(request.body)["auth"]
        except (ValueError, KeyError, TypeError):
            return self._log("huawei", "Federation", refuse(400, "Invalid request body"))
        if request.path == "/v3.0/OS-AUTH/id-token/tokens":
            action = "CreateTokenWithIdToken"
            id_token = (auth.get("id_token") or {}).get("id") if isinstance(auth, dict) else None
            if request.headers.get("x-idp-id") != HUAWEI_IDP_ID:
                return self._log(
                    "huawei", action, refuse(404, "The identity provider does not exist.")
                )
            if not isinstance(id_token, str) or not hmac.compare_digest(id_token, self.id_token):
                return self._log("huawei", action, refuse(401, "The ID token is invalid."))
            token = "MIIfed" + secrets.token_urlsafe(64)
            with self.state.lock:
                self._unscoped[token] = time.time() + 3600
            body = {"token": {"expires_at": datetime.now(timezone.utc).strftime(_HUAWEI_DATE)}}
            return self._log("huawei", action, _json(201, body, [("x-subject-token", token)]))
        action = "CreateTemporaryAccessKeyByToken"
        try:
            token = auth["identity"]["token"]["id"]
        except (KeyError, TypeError):
            return self._log("huawei", action, refuse(400, "Invalid request body"))
        with self.state.lock:
            valid = self._unscoped.get(str(token), 0) > time.time()
        if not valid:
            return self._log("huawei", action, refuse(401, "The token is invalid."))
        body = {"credential": self._issue_huawei("huawei-federation")}
        return self._log("huawei", action, _json(201, body))


def form_params(request: HttpRequest) -> dict[str, str]:
    """The query's parameters and, for a form POST, the body's (an RPC call may send either)."""
    params = dict(parse_qsl(request.query, keep_blank_values=True))
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    return params
