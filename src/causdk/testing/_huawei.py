"""The emulated Huawei CCM private CA API, and the IAM token call it needs.

It accepts a configured X-Auth-Token, tokens it issued itself from ``/v3/auth/tokens``, and
AK/SK signatures (verified with causdk's signer, which the tests hold to the official one);
revokes only an active subordinate CA, with ``{}`` or a valid reason; answers 204 on success and
the documented ``{"error_code", "error_msg"}`` bodies otherwise.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import time
import uuid
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

from causdk.models import RevocationReason
from causdk.providers.huawei import signing
from causdk.testing._http import HttpRequest, HttpResponse
from causdk.testing._state import EmulatedCA, EmulatorState, LoggedRequest

BASE = "/v1/private-certificate-authorities"
_CA_ID = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")
_REVOKE = re.compile(rf"^{BASE}/([^/]+)/revoke/?$")
_SHOW = re.compile(rf"^{BASE}/([^/]+)/?$")
MAX_SKEW = 15 * 60
TOKEN_LIFETIME = timedelta(hours=24)
_BAD_AUTH = "Incorrect IAM authentication information"
REASONS = frozenset(r.value for r in RevocationReason)


class _Reject(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message


def answer(status: int, body: dict[str, Any] | None, request_id: str) -> HttpResponse:
    headers = [("x-request-id", request_id)]
    if body is None:
        return HttpResponse(status, b"", headers)
    headers.append(("content-type", "application/json;charset=UTF-8"))
    return HttpResponse(status, json.dumps(body).encode(), headers)


def throttled(request_id: str) -> HttpResponse:
    body = {"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached"}
    return answer(429, body, request_id)


def record_of(ca: EmulatedCA) -> dict[str, Any]:
    return {
        "ca_id": ca.id,
        "type": ca.kind.upper(),
        "status": ca.status,
        "path_length": 0 if ca.kind == "subordinate" else 7,
        "issuer_id": ca.parent_id,
        "issuer_name": None,
        "key_algorithm": "RSA2048",
        "signature_algorithm": "SHA256",
        "freeze_flag": 0,
        "gen_mode": "GENERATE",
        "serial_number": ca.serial_number,
        "create_time": ca.not_before_ms,
        "delete_time": None,
        "not_before": ca.not_before_ms,
        "not_after": ca.not_after_ms,
        "distinguished_name": {
            "common_name": ca.common_name,
            "country": "CN",
            "state": "GD",
            "locality": "SZ",
            "organization": "causdk emulator",
            "organizational_unit": "PKI",
        },
        "crl_configuration": {"enabled": False},
        "enterprise_project_id": "0",
    }


class HuaweiApi:
    """Handles one Huawei request (CCM or IAM) against the shared state."""

    def __init__(
        self,
        state: EmulatorState,
        *,
        tokens: set[str],
        aksk: dict[str, tuple[str, str]],
        iam_users: dict[tuple[str, str], str],
        rate_limit: float | None,
    ) -> None:
        self.state = state
        self.tokens = tokens
        self.aksk = aksk  # ak -> (sk, domain id)
        self.iam_users = iam_users  # (domain name, user name) -> password
        self.rate_limit = rate_limit
        self.issued: dict[str, datetime] = {}
        self.temporary: dict[str, tuple[str, float]] = {}  # ak -> (security token, expiry)
        self.tokens_issued = 0
        self._window: deque[float] = deque()

    def expire_issued_tokens(self) -> None:
        """Make every IAM-issued token invalid (the next call with one gets a 401)."""
        with self.state.lock:
            self.issued.clear()

    def grant(self, access: str, secret: str, token: str, expires: float) -> None:
        """Accept temporary keys (with their security token) until ``expires``."""
        with self.state.lock:
            domain = next(iter(self.aksk.values()))[1]
            self.aksk[access] = (secret, domain)
            self.temporary[access] = (token, expires)

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        action, ca_id, code = "?", None, None
        try:
            if request.path.rstrip("/") == "/v3/auth/tokens" and request.method == "POST":
                action = "KeystoneCreateUserTokenByPassword"
                response = self._issue_token(request, request_id)
            elif request.path.rstrip("/") == "/v3/auth/domains" and request.method == "GET":
                action = "KeystoneListAuthDomains"
                access_key = self._authenticate(request, require_domain=False)
                domain = self.aksk[access_key][1]
                listed = [{"id": domain, "name": "emulator-domain", "enabled": True}]
                response = answer(200, {"domains": listed}, request_id)
            else:
                action, ca_id, route = self._route(request)
                self._authenticate(request)
                if self._admit():
                    response = route(request, ca_id, request_id)
                else:
                    response, code = throttled(request_id), "APIGW.0308"
        except _Reject as reject:
            body = {"error_code": reject.code, "error_msg": reject.message}
            response, code = answer(reject.status, body, request_id), reject.code
        self.state.record(LoggedRequest("huawei", action, response.status, ca_id, code=code))
        return response

    # -- IAM ----------------------------------------------------------------------------------

    def _issue_token(self, request: HttpRequest, request_id: str) -> HttpResponse:
        try:
            auth = json.loads(request.body)["auth"]
            user = auth["identity"]["password"]["user"]
            key = (user["domain"]["name"], user["name"])
            password = user["password"]
        except (ValueError, KeyError, TypeError):
            body = {
                "error": {"code": 400, "message": "Invalid request body", "title": "Bad Request"}
            }
            return answer(400, body, request_id)
        expected = self.iam_users.get(key)
        if expected is None or not hmac.compare_digest(expected, str(password)):
            body = {
                "error": {
                    "code": 401,
                    "message": "The username or password is wrong.",
                    "title": "Unauthorized",
                }
            }
            return answer(401, body, request_id)
        token = "MII" + secrets.token_urlsafe(96)  # real ones are several KB; this will do
        expires = datetime.now(timezone.utc) + TOKEN_LIFETIME
        with self.state.lock:
            self.issued[token] = expires
            self.tokens_issued += 1
        body = {
            "token": {
                "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "methods": ["password"],
            }
        }
        response = answer(201, body, request_id)
        response.headers.append(("x-subject-token", token))
        return response

    # -- CCM ----------------------------------------------------------------------------------

    def _route(self, request: HttpRequest) -> tuple[str, str | None, Any]:
        path, method = request.path, request.method
        if method == "POST" and (m := _REVOKE.match(path)):
            return "RevokeCertificateAuthority", m.group(1), self._revoke
        if method == "GET" and path.rstrip("/") == BASE:
            return "ListCertificateAuthority", None, self._list
        if method == "GET" and (m := _SHOW.match(path)):
            return "ShowCertificateAuthority", m.group(1), self._show
        raise _Reject(404, "APIGW.0101", "The API does not exist or has not been published.")

    def _authenticate(self, request: HttpRequest, *, require_domain: bool = True) -> str:
        headers = request.headers
        token = headers.get("x-auth-token")
        if token:
            with self.state.lock:
                expires = self.issued.get(token)
            if token in self.tokens or (expires and expires > datetime.now(timezone.utc)):
                return "token"
            raise _Reject(401, "APIGW.0307", "The token must be updated.")
        authorization = headers.get("authorization", "")
        parsed = signing.parse_authorization(authorization)
        if parsed is None:
            raise _Reject(401, "APIGW.0301", "Incorrect IAM authentication information.")
        access_key, signed, signature = parsed
        if access_key not in self.aksk:
            raise _Reject(
                401, "APIGW.0301", "Incorrect IAM authentication information: ak not found."
            )
        secret_key, domain_id = self.aksk[access_key]
        try:
            canonical = signing.canonical_request(
                request.method,
                request.target,
                {h: headers[h] for h in signed},
                signed,
                request.body,
            )
            date = headers["x-sdk-date"]
            when = datetime.strptime(date, signing.DATE_FORMAT).replace(tzinfo=timezone.utc)
        except (KeyError, ValueError):
            raise _Reject(401, "APIGW.0301", "Incorrect IAM authentication information.") from None
        if not hmac.compare_digest(signing.signature(canonical, date, secret_key), signature):
            raise _Reject(
                401,
                "APIGW.0301",
                "Incorrect IAM authentication information: verify aksk signature fail.",
            )
        if abs(when.timestamp() - time.time()) > MAX_SKEW:
            raise _Reject(
                401, "APIGW.0301", "Incorrect IAM authentication information: x-sdk-date expired."
            )
        temporary = self.temporary.get(access_key)
        if temporary is not None:
            given = headers.get("x-security-token", "")
            if not hmac.compare_digest(given, temporary[0]):
                raise _Reject(401, "APIGW.0301", "Incorrect IAM authentication information.")
            if temporary[1] <= time.time():
                message = "Incorrect IAM authentication information: the token expired."
                raise _Reject(401, "APIGW.0301", message)
        if require_domain and headers.get("x-domain-id") != domain_id:
            raise _Reject(403, "APIGW.0302", "The IAM user is not authorized to access the API.")
        return access_key

    def _admit(self) -> bool:
        if not self.rate_limit:
            return True
        now = time.monotonic()
        with self.state.lock:
            while self._window and now - self._window[0] >= 1.0:
                self._window.popleft()
            if len(self._window) >= self.rate_limit:
                return False
            self._window.append(now)
            return True

    def _ca(self, ca_id: str | None) -> EmulatedCA:
        if not ca_id or not _CA_ID.match(ca_id):
            raise _Reject(
                400,
                "PCA.00020201",
                "Invalid CA ID. Valid CA IDs use a hexadecimal "
                "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx format.",
            )
        ca = self.state.find("huawei", ca_id)
        if ca is None:
            raise _Reject(404, "PCA.10010002", "The CA does not exist.")
        return ca

    def _revoke(self, request: HttpRequest, ca_id: str | None, request_id: str) -> HttpResponse:
        try:
            body = json.loads(request.body)
        except ValueError:
            raise _Reject(
                400, "PCA.00020001", 'Incorrect parameter: the body must be {} or {"reason": ...}.'
            ) from None
        if not isinstance(body, dict) or set(body) - {"reason"}:
            raise _Reject(400, "PCA.00020001", "Incorrect parameter.")
        reason = body.get("reason", "UNSPECIFIED")
        if reason not in REASONS:
            raise _Reject(400, "PCA.00020001", f"Incorrect parameter: reason {reason!r}.")
        with self.state.lock:
            ca = self._ca(ca_id)
            if ca.kind == "root":
                raise _Reject(400, "PCA.10010005", "A root CA cannot be revoked.")
            if ca.status == "REVOKED":
                raise _Reject(400, "PCA.10010004", "The CA has been revoked.")
            if ca.status != "ACTIVED":
                raise _Reject(
                    400,
                    "PCA.10010003",
                    f"Only an activated CA can be revoked; the CA status is {ca.status}.",
                )
            self.state.change(ca, "REVOKED", reason)
        return answer(204, None, request_id)

    def _show(self, request: HttpRequest, ca_id: str | None, request_id: str) -> HttpResponse:
        return answer(200, record_of(self._ca(ca_id)), request_id)

    def _list(self, request: HttpRequest, ca_id: str | None, request_id: str) -> HttpResponse:
        query = dict(parse_qsl(request.query))
        try:
            limit = min(max(int(query.get("limit", "10")), 0), 1000)
            offset = max(int(query.get("offset", "0")), 0)
        except ValueError:
            raise _Reject(400, "PCA.00020001", "limit and offset are numbers.") from None
        cas = self.state.of("huawei")
        if query.get("status"):
            cas = [ca for ca in cas if ca.status == query["status"]]
        if query.get("type"):
            cas = [ca for ca in cas if ca.kind.upper() == query["type"].upper()]
        chunk = cas[offset : offset + limit]
        body = {"total": len(cas), "certificate_authorities": [record_of(ca) for ca in chunk]}
        return answer(200, body, request_id)
