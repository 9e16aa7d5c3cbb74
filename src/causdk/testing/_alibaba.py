"""The emulated Alibaba CAS 2020-06-30 private CA API.

It verifies V3 (ACS3-HMAC-SHA256) and V1 (HMAC-SHA1) signatures with causdk's own signing
functions (which the tests hold to the official SDK), answers with Alibaba's error codes, keeps
ClientToken idempotency, revokes only CAs in ISSUE, and throttles at 10 requests per second per
AccessKeyId with ``Throttling.User``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections import deque
from datetime import datetime, timezone
from typing import Any

from causdk.providers.alibaba.signing import (
    parse_v3_authorization,
    sign_v1,
    v3_canonical_request,
    v3_signature,
)
from causdk.testing._http import HttpRequest, HttpResponse
from causdk.testing._platform import form_params
from causdk.testing._state import EmulatedCA, EmulatorState, LoggedRequest

API_VERSION = "2020-06-30"
MAX_SKEW = 15 * 60
_REQUIRED_V3 = ("host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256")
_DATE = "%Y-%m-%dT%H:%M:%SZ"
_TROUBLESHOOT = "https://api.aliyun.com/troubleshoot"


class _Reject(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message


def answer(status: int, body: dict[str, Any], request_id: str) -> HttpResponse:
    return HttpResponse(
        status,
        json.dumps(body).encode(),
        [("content-type", "application/json;charset=utf-8"), ("x-acs-request-id", request_id)],
    )


def error(status: int, code: str, message: str, request_id: str) -> HttpResponse:
    return answer(
        status,
        {
            "RequestId": request_id,
            "HostId": "cas.aliyuncs.com",
            "Code": code,
            "Message": message,
            "Recommend": f"{_TROUBLESHOOT}?q={code}&product=cas&requestId={request_id}",
        },
        request_id,
    )


def throttled(request_id: str) -> HttpResponse:
    return error(400, "Throttling.User", "Request was denied due to user flow control.", request_id)


def record_of(ca: EmulatedCA) -> dict[str, Any]:
    record = {
        "Identifier": ca.id,
        "Status": ca.status,
        "CertificateType": "ROOT" if ca.kind == "root" else "SUB_ROOT",
        "CommonName": ca.common_name,
        "Organization": "causdk emulator",
        "CountryCode": "CN",
        "SubjectDN": f"CN={ca.common_name},O=causdk emulator,C=CN",
        "SerialNumber": ca.serial_number,
        "BeforeDate": ca.not_before_ms,
        "AfterDate": ca.not_after_ms,
        "Algorithm": "RSA",
        "KeySize": 2048,
        "SignAlgorithm": "SHA256WITHRSA",
        "CertIssuedCount": 0,
        "IssuerType": "local",
    }
    if ca.parent_id:
        record["ParentIdentifier"] = ca.parent_id
    return record


class AlibabaApi:
    """Handles one Alibaba request against the shared state."""

    def __init__(
        self,
        state: EmulatorState,
        *,
        credentials: dict[str, str],
        sts_tokens: dict[str, str],
        rate_limit: float | None,
    ) -> None:
        self.state = state
        self.credentials = credentials
        self.sts_tokens = sts_tokens
        self.rate_limit = rate_limit
        self.expires: dict[str, float] = {}  # temporary key id -> time.time() it expires
        self.sts: Any = None  # the emulator's PlatformServices, for STS actions
        self._windows: dict[str, deque[float]] = {}
        self._nonces: dict[str, float] = {}
        self._idempotent: dict[tuple[str, str], tuple[str, HttpResponse]] = {}

    def grant(self, key_id: str, secret: str, token: str, expires: float) -> None:
        """Accept temporary credentials until ``expires`` (``time.time()``)."""
        with self.state.lock:
            self.credentials[key_id] = secret
            self.sts_tokens[key_id] = token
            self.expires[key_id] = expires

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4()).upper()
        query = form_params(request)
        action = request.headers.get("x-acs-action") or query.get("Action") or "?"
        account, code = None, None
        if action in ("AssumeRole", "AssumeRoleWithOIDC") and self.sts is not None:
            try:
                caller = (
                    self._verify_v1(request, query, "2015-04-01") if "Signature" in query else None
                )
            except _Reject as reject:
                return error(reject.status, reject.code, reject.message, request_id)
            return self.sts.alibaba_sts(action, query, caller, request_id)  # type: ignore[no-any-return]
        try:
            account = self._authenticate(request, query)
            if not self._admit(account):
                response, code = throttled(request_id), "Throttling.User"
            else:
                response = self._dispatch(action, query, account, request_id)
        except _Reject as reject:
            response, code = (
                error(reject.status, reject.code, reject.message, request_id),
                reject.code,
            )
        self.state.record(
            LoggedRequest(
                "alibaba",
                action,
                response.status,
                query.get("Identifier"),
                query.get("ClientToken"),
                account,
                code,
            )
        )
        return response

    # -- authentication ---------------------------------------------------------------------

    def _authenticate(self, request: HttpRequest, query: dict[str, str]) -> str:
        authorization = request.headers.get("authorization", "")
        if authorization:
            return self._verify_v3(request, query, authorization)
        if "Signature" in query:
            return self._verify_v1(request, query)
        raise _Reject(400, "MissingParameter.Signature", "The request is not signed.")

    def _secret(self, key_id: str) -> str:
        secret = self.credentials.get(key_id)
        if secret is None:
            raise _Reject(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        return secret

    def _check_sts(self, key_id: str, token: str | None) -> None:
        expected = self.sts_tokens.get(key_id)
        if expected is not None and not (token and hmac.compare_digest(token, expected)):
            raise _Reject(400, "InvalidSecurityToken.Mismatch", "The security token is invalid.")
        if self.expires.get(key_id, float("inf")) <= time.time():
            raise _Reject(
                400, "InvalidSecurityToken.Expired", "The security token you provided has expired."
            )

    def _check_time_and_nonce(self, timestamp: str | None, nonce: str | None) -> None:
        try:
            when = datetime.strptime(timestamp or "", _DATE).replace(tzinfo=timezone.utc)
        except ValueError:
            raise _Reject(400, "InvalidTimeStamp.Format", "Timestamp is malformed.") from None
        if abs(when.timestamp() - time.time()) > MAX_SKEW:
            raise _Reject(400, "InvalidTimeStamp.Expired", "Timestamp is more than 15 min off.")
        if not nonce:
            raise _Reject(400, "MissingParameter.SignatureNonce", "SignatureNonce is missing.")
        with self.state.lock:
            if nonce in self._nonces:
                raise _Reject(400, "SignatureNonceUsed", "The nonce has been used.")
            now = time.monotonic()
            if len(self._nonces) > 100_000:
                self._nonces = {n: t for n, t in self._nonces.items() if now - t < MAX_SKEW}
            self._nonces[nonce] = now

    def _verify_v3(self, request: HttpRequest, query: dict[str, str], authorization: str) -> str:
        parsed = parse_v3_authorization(authorization)
        if parsed is None:
            raise _Reject(400, "IncompleteSignature", "The Authorization header is malformed.")
        key_id, signed, signature = parsed
        secret = self._secret(key_id)
        headers = request.headers
        missing = [h for h in _REQUIRED_V3 if h not in signed or h not in headers]
        if missing:
            raise _Reject(400, "IncompleteSignature", f"Unsigned or missing: {', '.join(missing)}.")
        body_hash = hashlib.sha256(request.body).hexdigest()
        if headers["x-acs-content-sha256"] != body_hash:
            raise _Reject(400, "SignatureDoesNotMatch", "x-acs-content-sha256 does not match.")
        try:
            canonical = v3_canonical_request(
                request.method, request.path, query, headers, signed, body_hash
            )
        except KeyError:
            raise _Reject(400, "IncompleteSignature", "A signed header is missing.") from None
        if not hmac.compare_digest(v3_signature(canonical, secret), signature):
            raise _Reject(400, "SignatureDoesNotMatch", "The request signature does not match.")
        self._check_time_and_nonce(headers.get("x-acs-date"), headers.get("x-acs-signature-nonce"))
        self._check_sts(key_id, headers.get("x-acs-security-token"))
        if headers.get("x-acs-version", API_VERSION) != API_VERSION:
            raise _Reject(400, "InvalidVersion", f"Specified version is not {API_VERSION}.")
        return key_id

    def _verify_v1(
        self, request: HttpRequest, query: dict[str, str], version: str = API_VERSION
    ) -> str:
        if query.get("SignatureMethod") != "HMAC-SHA1" or query.get("SignatureVersion") != "1.0":
            raise _Reject(400, "InvalidSignatureMethod", "Only HMAC-SHA1 version 1.0 is accepted.")
        key_id = query.get("AccessKeyId", "")
        expected = sign_v1(request.method, query, self._secret(key_id))
        if not hmac.compare_digest(expected, query["Signature"]):
            raise _Reject(400, "SignatureDoesNotMatch", "The request signature does not match.")
        self._check_time_and_nonce(query.get("Timestamp"), query.get("SignatureNonce"))
        self._check_sts(key_id, query.get("SecurityToken"))
        if query.get("Version") != version:
            raise _Reject(400, "InvalidVersion", f"Specified version is not {version}.")
        return key_id

    def _admit(self, account: str) -> bool:
        """A sliding one-second window per AccessKeyId."""
        if not self.rate_limit:
            return True
        now = time.monotonic()
        with self.state.lock:
            window = self._windows.setdefault(account, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= self.rate_limit:
                return False
            window.append(now)
            return True

    # -- actions ------------------------------------------------------------------------------

    def _dispatch(
        self, action: str, query: dict[str, str], account: str, request_id: str
    ) -> HttpResponse:
        if action == "UpdateCACertificateStatus":
            return self._update_status(query, account, request_id)
        if action == "DescribeCACertificate":
            ca = self._ca(query)
            return answer(200, {"RequestId": request_id, "Certificate": record_of(ca)}, request_id)
        if action == "DescribeCACertificateList":
            return self._list(query, request_id)
        raise _Reject(404, "InvalidAction.NotFound", f"Specified api {action} is not found.")

    def _ca(self, query: dict[str, str]) -> EmulatedCA:
        identifier = query.get("Identifier")
        if not identifier:
            raise _Reject(400, "MissingIdentifier", "Identifier is mandatory for this action.")
        ca = self.state.find("alibaba", identifier)
        if ca is None:
            raise _Reject(404, "NotFound", "The specified CA certificate does not exist.")
        return ca

    def _update_status(self, query: dict[str, str], account: str, request_id: str) -> HttpResponse:
        token = query.get("ClientToken")
        fingerprint = f"{query.get('Identifier')}|{query.get('Status')}"
        with self.state.lock:
            if token:
                seen = self._idempotent.get((account, token))
                if seen is not None:
                    if seen[0] != fingerprint:
                        raise _Reject(
                            400,
                            "IdempotentParameterMismatch",
                            "The ClientToken was used with other parameters.",
                        )
                    return seen[1]  # the first answer again, and no second change
            if query.get("Status") != "REVOKE":
                raise _Reject(400, "InvalidParameter.Status", "Status must be REVOKE.")
            ca = self._ca(query)
            if ca.status != "ISSUE":
                raise _Reject(
                    400,
                    "InvalidStatus.CACertificate",
                    f"The CA certificate is in {ca.status}, not ISSUE.",
                )
            self.state.change(ca, "REVOKE")
            response = answer(200, {"RequestId": request_id}, request_id)
            if token:
                self._idempotent[(account, token)] = (fingerprint, response)
            return response

    def _list(self, query: dict[str, str], request_id: str) -> HttpResponse:
        try:
            page = max(int(query.get("CurrentPage", "1")), 1)
            size = min(max(int(query.get("ShowSize", "20")), 1), 100)
        except ValueError:
            raise _Reject(
                400, "InvalidParameter", "CurrentPage and ShowSize are numbers."
            ) from None
        cas = self.state.of("alibaba")
        status = query.get("CaStatus")
        if status:
            cas = [ca for ca in cas if ca.status == status.upper()]
        page_count = max((len(cas) + size - 1) // size, 1)
        chunk = cas[(page - 1) * size : page * size]
        body = {
            "RequestId": request_id,
            "CurrentPage": page,
            "ShowSize": size,
            "PageCount": page_count,
            "TotalCount": len(cas),
            "CertificateList": [record_of(ca) for ca in chunk],
        }
        return answer(200, body, request_id)
