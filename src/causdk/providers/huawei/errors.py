"""Huawei error answers → causdk's typed errors.

CCM answers ``{"error_code": "PCA.XXX", "error_msg": "..."}``; IAM answers
``{"error": {"code": 401, "message": "...", "title": "..."}}``; the API gateway uses
``APIGW.*`` codes (``APIGW.0308`` is throttling). The codes CCM gives a CA in the wrong state
are not published; a 400 whose code or message speaks of the CA's status, a root CA or a
revoked CA is :class:`InvalidStateError`.
"""

from __future__ import annotations

import re
from typing import Any

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

PROVIDER = "huawei"
THROTTLING_CODES = frozenset({"APIGW.0308"})
_STATE_WORDS = re.compile(r"status|state|revoked|root ca|not active|actived", re.IGNORECASE)


def request_id_of(response: WireResponse) -> str | None:
    return response.headers.get("x-request-id") or response.headers.get("x-openstack-request-id")


def _code_and_message(body: dict[str, Any] | None) -> tuple[str | None, str | None]:
    if body is None:
        return None, None
    if "error_code" in body or "error_msg" in body:
        return _str(body.get("error_code")), _str(body.get("error_msg"))
    error = body.get("error")
    if isinstance(error, dict):  # IAM's shape
        return _str(error.get("code") or error.get("title")), _str(error.get("message"))
    return None, None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _class_for(status: int, code: str, message: str) -> type[APIError]:
    if status == 429 or code in THROTTLING_CODES:
        return RateLimitedError
    if status >= 500:
        return ServerError
    if status == 401:
        return AuthenticationError
    if status == 403:
        return PermissionDeniedError
    if status == 404:
        return NotFoundError
    if status in (400, 409) and (_STATE_WORDS.search(message) or "STATE" in code.upper()):
        return InvalidStateError
    return BadRequestError


def error_from_response(action: str, response: WireResponse) -> APIError:
    """The typed error for an answer that is not the call's success."""
    body = response.json_object()
    code, message = _code_and_message(body)
    common = dict(
        provider=PROVIDER,
        action=action,
        status_code=response.status_code,
        request_id=request_id_of(response),
        retry_after=parse_retry_after(response.headers.get("retry-after")),
    )
    if code is None and message is None:
        snippet = response.body[:200].decode("utf-8", "replace").strip()
        text = f"unexpected answer: {snippet}" if snippet else "unexpected empty answer"
        cls: type[APIError] = UnexpectedResponseError
        if response.status_code >= 500:
            cls = ServerError
        elif response.status_code in (401, 403, 404, 429):
            cls = _class_for(response.status_code, "", "")
        return cls(code=None, message=text, **common)  # type: ignore[arg-type]
    cls = _class_for(response.status_code, code or "", message or "")
    return cls(code=code, message=message, **common)  # type: ignore[arg-type]
