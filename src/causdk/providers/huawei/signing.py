"""Huawei Cloud AK/SK request signing (``SDK-HMAC-SHA256``), as pure functions.

The tests hold it to the official ``huaweicloudsdkcore`` signer on random input; the emulator
verifies with these same functions.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timezone
from urllib.parse import parse_qsl, unquote, urlsplit

from causdk._parse import parse_auth_header
from causdk._wire import percent_encode

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def sdk_date(now: datetime) -> str:
    """The ``X-Sdk-Date`` value: UTC, ``YYYYMMDDTHHMMSSZ``."""
    return now.astimezone(timezone.utc).strftime(DATE_FORMAT)


def canonical_uri(path: str) -> str:
    """Each path segment percent-encoded, with a trailing slash."""
    encoded = "/".join(percent_encode(segment) for segment in unquote(path).split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def canonical_query_of(query: str) -> str:
    """The query's pairs, sorted by name then value, both percent-encoded."""
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in pairs)


def signed_header_names(headers: Mapping[str, str]) -> list[str]:
    """Every header name, lower case and sorted (the official signer skips names with ``_``)."""
    return sorted(name.lower() for name in headers if "_" not in name)


def canonical_request(
    method: str, url: str, headers: Mapping[str, str], signed: list[str], body: bytes
) -> str:
    lowered = {k.lower(): str(v).strip() for k, v in headers.items()}
    parts = urlsplit(url)
    payload_hash = lowered.get("x-sdk-content-sha256") or (
        hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
    )
    return "\n".join(
        [
            method.upper(),
            canonical_uri(parts.path or "/"),
            canonical_query_of(parts.query),
            "".join(f"{name}:{lowered[name]}\n" for name in signed),
            ";".join(signed),
            payload_hash,
        ]
    )


def signature(canonical: str, date: str, secret_key: str) -> str:
    string_to_sign = f"{ALGORITHM}\n{date}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.new(secret_key.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def authorization(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    access_key: str,
    secret_key: str,
) -> str:
    """The ``Authorization`` value; ``headers`` must hold ``X-Sdk-Date`` and ``Host``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    signed = signed_header_names(headers)
    canonical = canonical_request(method, url, headers, signed, body)
    sig = signature(canonical, lowered["x-sdk-date"], secret_key)
    return f"{ALGORITHM} Access={access_key}, SignedHeaders={';'.join(signed)}, Signature={sig}"


def parse_authorization(value: str) -> tuple[str, list[str], str] | None:
    """(access key, signed header names, signature) from an Authorization header."""
    return parse_auth_header(value, ALGORITHM, ("Access", "SignedHeaders", "Signature"))
