"""Alibaba Cloud request signatures, as pure functions.

- V3, ``ACS3-HMAC-SHA256``: what the official SDK sends today; the default.
- V1, ``HMAC-SHA1`` with ``SignatureVersion=1.0``: the classic RPC signature (Alibaba's docs call
  it "V2" and mark it discontinued); kept for gateways and accounts that still need it.

The emulator verifies with these same functions, and the tests hold them to Alibaba's published
example and to the official ``alibabacloud_openapi_util`` on random input.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
from collections.abc import Mapping

from causdk._parse import parse_auth_header
from causdk._wire import canonical_query, percent_encode

V3_ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class SignatureVersion(str, enum.Enum):
    """Which Alibaba signature to send."""

    V3 = "v3"
    """ACS3-HMAC-SHA256 in the Authorization header (default)."""
    V1 = "v1"
    """HMAC-SHA1 in the query string (``SignatureVersion=1.0``); legacy."""


def v1_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """``METHOD&%2F&pe(canonical query)``; ``Signature`` itself is never signed."""
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    return f"{method.upper()}&%2F&{percent_encode(canonical_query(unsigned))}"


def sign_v1(method: str, params: Mapping[str, str], secret: str) -> str:
    """The base64 HMAC-SHA1 of the string to sign, keyed by ``secret + "&"``."""
    digest = hmac.new(
        f"{secret}&".encode(), v1_string_to_sign(method, params).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


def v3_canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    signed_headers: list[str],
    payload_hash: str,
) -> str:
    """The canonical request of ACS3-HMAC-SHA256 (header names already lower case)."""
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed_headers)
    return "\n".join(
        [
            method.upper(),
            path or "/",
            canonical_query(query),
            canonical_headers,
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def v3_signature(canonical_request: str, secret: str) -> str:
    """Hex HMAC-SHA256 (keyed by the bare secret) of ``ALGORITHM\\nhex(sha256(canonical))``."""
    hashed = hashlib.sha256(canonical_request.encode()).hexdigest()
    string_to_sign = f"{V3_ALGORITHM}\n{hashed}"
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def sign_v3(
    *,
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    access_key_id: str,
    secret: str,
) -> str:
    """The ``Authorization`` value for a request; signs every header given (lower-cased).

    ``headers`` must already hold ``x-acs-content-sha256``, the hash of the body.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    signed = sorted(lowered)
    canonical = v3_canonical_request(
        method, path, query, lowered, signed, lowered.get("x-acs-content-sha256", EMPTY_SHA256)
    )
    signature = v3_signature(canonical, secret)
    return (
        f"{V3_ALGORITHM} Credential={access_key_id},"
        f"SignedHeaders={';'.join(signed)},Signature={signature}"
    )


def parse_v3_authorization(value: str) -> tuple[str, list[str], str] | None:
    """(access key id, signed header names, signature) from an Authorization header."""
    return parse_auth_header(value, V3_ALGORITHM, ("Credential", "SignedHeaders", "Signature"))
