"""Alibaba error answers → causdk's typed errors.

Alibaba answers errors as JSON ``{"RequestId", "HostId", "Code", "Message", "Recommend"}``. The
code for revoking a CA that is not in ISSUE is not published; causdk treats a code or message
that speaks of a status or state as :class:`InvalidStateError`, and reads the CA back where an
earlier attempt may have gone through.
"""

from __future__ import annotations

import re

from causdk._retry import parse_retry_after
from causdk._wire import WireResponse
from causdk.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    UnexpectedResponseError,
)

PROVIDER = "alibaba"

_AUTH = ("SignatureDoesNotMatch", "IncompleteSignature", "InvalidAccessKeyId",
         "InvalidSecurityToken", "InvalidSignatureMethod", "InvalidCredentials",
         "MissingSecurityToken")  # fmt: skip
_PERMISSION = ("Forbidden", "NoPermission", "AccessDenied", "Unauthorized")
# A fresh timestamp and nonce cure these, so a re-signed retry is worth it.
_RESIGN = ("InvalidTimeStamp.Expired", "SignatureNonceUsed")
_SERVER = ("InternalError", "ServiceUnavailable", "UnknownError")
_WRONG_API = ("InvalidApi.NotFound", "InvalidAction.NotFound", "InvalidProduct.NotFound",
              "InvalidVersion", "UnsupportedHTTPMethod")  # fmt: skip
_PARAMETER = ("InvalidParameter", "MissingParameter", "IdempotentParameterMismatch")
_STATE_WORDS = re.compile(r"status|state|revoked", re.IGNORECASE)


def request_id_of(response: WireResponse) -> str | None:
    """The request id from the body, else from the ``x-acs-request-id`` header."""
    body = response.json_object()
    rid = body.get("RequestId") if body else None
    return str(rid) if rid else response.headers.get("x-acs-request-id")


def _starts(code: str, prefixes: tuple[str, ...]) -> bool:
    return any(code == p or code.startswith(p + ".") for p in prefixes)


def _class_for(status: int, code: str, message: str) -> tuple[type[APIError], bool | None]:
    """The error class and, where it differs from the class default, whether to retry."""
    if code.startswith("Throttling") or status == 429:
        return RateLimitedError, None
    if _starts(code, _RESIGN):
        return BadRequestError, True
    if _starts(code, _AUTH):
        return AuthenticationError, None
    if _starts(code, _SERVER) or status >= 500:
        return ServerError, None
    if _starts(code, _WRONG_API):
        return BadRequestError, None
    if _starts(code, _PERMISSION) or status == 403:
        return PermissionDeniedError, None
    if code == "NotFound" or code.endswith(".NotFound") or "NotExist" in code or status == 404:
        return NotFoundError, None
    if _starts(code, _PARAMETER) or code.startswith("Missing"):
        return BadRequestError, None
    if _STATE_WORDS.search(code) or (status == 400 and _STATE_WORDS.search(message)):
        return InvalidStateError, None
    if status == 401:
        return AuthenticationError, None
    return BadRequestError, None


def error_from_response(action: str, response: WireResponse) -> APIError:
    """The typed error for a non-2xx answer (or a 2xx answer that is not the documented JSON)."""
    body = response.json_object()
    headers = response.headers
    retry_after_ms = parse_retry_after(headers.get("x-acs-retry-after"))
    retry_after = (
        retry_after_ms / 1000 if retry_after_ms else parse_retry_after(headers.get("retry-after"))
    )
    common = dict(
        provider=PROVIDER,
        action=action,
        status_code=response.status_code,
        request_id=request_id_of(response),
        retry_after=retry_after,
    )
    if body is None or not body.get("Code"):
        snippet = response.body[:200].decode("utf-8", "replace").strip()
        message = f"unexpected {'empty ' if not snippet else ''}answer: {snippet}".strip()
        cls: type[APIError] = (
            ServerError if response.status_code >= 500 else UnexpectedResponseError
        )
        if response.status_code == 429:
            cls = RateLimitedError
        return cls(code=None, message=message, **common)  # type: ignore[arg-type]
    code, message = str(body["Code"]), str(body.get("Message") or "")
    cls, retryable = _class_for(response.status_code, code, message)
    return cls(
        code=code,
        message=message,
        retryable=retryable,
        recommend=str(body["Recommend"]) if body.get("Recommend") else None,
        **common,  # type: ignore[arg-type]
    )
