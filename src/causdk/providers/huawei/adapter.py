"""The Huawei Cloud CCM private CA API as a pure adapter: build, authorize, parse."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from causdk._adapter import ProviderAdapter, RevokeRequest
from causdk._auth import authorized
from causdk._flow import Attempt, Exchange, Flow, Runtime, Trace
from causdk._parse import epoch_ms, read_json, unexpected
from causdk._redact import shown
from causdk._wire import WireRequest, WireResponse, join_url
from causdk.errors import ValidationError
from causdk.models import (
    CAKind,
    Capabilities,
    CAStatus,
    CertificateAuthority,
    IdempotencyKind,
    Page,
    Provider,
    RevocationReason,
)
from causdk.providers.huawei.auth import HuaweiAuth, RequestSigner
from causdk.providers.huawei.errors import PROVIDER, error_from_response, request_id_of

T = TypeVar("T")

BASE_PATH = "/v1/private-certificate-authorities"
# The documented CA id: a lower-case hex UUID, exactly 36 characters (PCA.00020201).
_CA_ID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")

STATUS_FROM_WIRE = {
    "ACTIVED": CAStatus.ACTIVE,
    "REVOKED": CAStatus.REVOKED,
    "DISABLED": CAStatus.DISABLED,
    "DELETED": CAStatus.DELETED,
    "EXPIRED": CAStatus.EXPIRED,
    "PENDING": CAStatus.PENDING,
}
STATUS_TO_WIRE = {status: wire for wire, status in STATUS_FROM_WIRE.items()}
KIND_FROM_WIRE = {"ROOT": CAKind.ROOT, "SUBORDINATE": CAKind.SUBORDINATE}
_DN_ORDER = (("common_name", "CN"), ("organizational_unit", "OU"), ("organization", "O"),
             ("locality", "L"), ("state", "ST"), ("country", "C"))  # fmt: skip

CAPABILITIES = Capabilities(
    provider=Provider.HUAWEI,
    supports_reason=True,
    reasons=tuple(RevocationReason),
    idempotency=IdempotencyKind.NONE,
    default_rate_limit=None,
    revocable_kinds=(CAKind.SUBORDINATE,),
)


def revoke_body(reason: RevocationReason | None) -> bytes:
    """Exactly ``{}`` without a reason (anything else is an error, per the API doc)."""
    if reason is None:
        return b"{}"
    return json.dumps({"reason": RevocationReason(reason).value}, separators=(",", ":")).encode()


def ca_from_record(record: dict[str, Any]) -> CertificateAuthority:
    """A CertificateAuthority from a CCM ``certificate_authorities`` entry."""
    raw_status = str(record.get("status") or "")
    dn_field = record.get("distinguished_name")
    dn: dict[str, Any] = dn_field if isinstance(dn_field, dict) else {}
    subject = ",".join(f"{tag}={dn[key]}" for key, tag in _DN_ORDER if dn.get(key)) or None
    return CertificateAuthority(
        id=str(record["ca_id"]),
        provider=Provider.HUAWEI,
        status=STATUS_FROM_WIRE.get(raw_status.upper(), CAStatus.UNKNOWN),
        raw_status=raw_status,
        kind=KIND_FROM_WIRE.get(str(record.get("type") or "").upper(), CAKind.UNKNOWN),
        common_name=dn.get("common_name"),
        subject=subject,
        issuer_id=record.get("issuer_id"),
        serial_number=record.get("serial_number"),
        not_before=epoch_ms(record.get("not_before")),
        not_after=epoch_ms(record.get("not_after")),
        raw=record,
    )


class HuaweiAdapter(ProviderAdapter):
    """Builds, authorizes and parses CCM private CA calls. Pure: no I/O."""

    provider = Provider.HUAWEI
    capabilities = CAPABILITIES

    def __init__(
        self, auth: HuaweiAuth, *, endpoint: str, user_agent: str, region: str | None = None
    ) -> None:
        self.auth = auth
        self.endpoint = endpoint
        self.user_agent = user_agent
        self.region = region

    @property
    def account_key(self) -> str:
        return self.auth.account_key

    @property
    def first_cursor(self) -> int:
        return 0

    def validate_ca_id(self, ca_id: str) -> str:
        if not isinstance(ca_id, str) or not _CA_ID.fullmatch(ca_id):
            raise ValidationError(
                f"{shown(ca_id)} is not a Huawei CA id (36 characters: lower-case hex "
                "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)."
            )
        return ca_id

    def prepare_client_token(self, client_token: str | None) -> None:
        if client_token is not None:
            raise ValidationError(
                "Huawei's revoke API takes no client token; leave client_token out (causdk "
                "reads the CA back instead of repeating a revoke blindly)."
            )

    def _exchange(
        self,
        signer: RequestSigner,
        action: str,
        method: str,
        path: str,
        parse: Callable[[WireResponse], T],
        *,
        query: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Exchange[T]:
        url = join_url(self.endpoint, path, urlencode(sorted((query or {}).items())))
        host = url.split("://", 1)[1].split("/", 1)[0]
        headers = {"Host": host, "Content-Type": "application/json", "User-Agent": self.user_agent}

        def build(attempt: Attempt) -> WireRequest:
            signed = signer.sign(method, url, headers, body, attempt.now)
            return WireRequest(method, url, tuple(signed.items()), body)

        return Exchange(action, build, parse, request_id_of)

    def _authorized(
        self, rt: Runtime, make: Callable[[RequestSigner], Exchange[T]], trace: Trace | None = None
    ) -> Flow[T]:
        return authorized(rt, self.auth, make, trace)

    def revoke(self, rt: Runtime, request: RevokeRequest, trace: Trace) -> Flow[str | None]:
        action = "RevokeCertificateAuthority"

        def parse(response: WireResponse) -> str | None:
            if response.status_code == 204:  # the documented success: 204, no body
                return request_id_of(response)
            if 200 <= response.status_code < 300:  # a 2xx that is not it: maybe a portal page
                message = f"HTTP {response.status_code} is not the documented 204 success"
                raise unexpected(PROVIDER, action, response, request_id_of(response), message)
            raise error_from_response(action, response)

        path = f"{BASE_PATH}/{request.ca_id}/revoke"
        body = revoke_body(request.reason)
        return self._authorized(
            rt, lambda s: self._exchange(s, action, "POST", path, parse, body=body), trace
        )

    def _json_parser(
        self, action: str, read: Callable[[dict[str, Any]], T]
    ) -> Callable[[WireResponse], T]:
        def parse(response: WireResponse) -> T:
            if response.status_code != 200:
                raise error_from_response(action, response)
            body = response.json_object()
            if body is not None and ("error_code" in body or "error" in body):
                code = str(body.get("error_code") or "")[:64] or None
                message = f"HTTP 200 carrying an error: {str(body.get('error_msg') or '')[:200]}"
                error = unexpected(PROVIDER, action, response, request_id_of(response), message)
                error.code = code
                raise error
            return read_json(PROVIDER, action, response, request_id_of(response), read)

        return parse

    def get(self, rt: Runtime, ca_id: str) -> Flow[CertificateAuthority]:
        action = "ShowCertificateAuthority"

        def read(body: dict[str, Any]) -> CertificateAuthority:
            ca = ca_from_record(body)
            if ca.id != ca_id:
                raise ValueError(f"the answer is about CA {shown(ca.id, 60)}, not the one asked")
            return ca

        parse = self._json_parser(action, read)
        path = f"{BASE_PATH}/{ca_id}"
        return self._authorized(rt, lambda s: self._exchange(s, action, "GET", path, parse))

    def list_page(
        self, rt: Runtime, cursor: int, status: CAStatus | None, page_size: int
    ) -> Flow[Page]:
        action = "ListCertificateAuthority"
        query = {"limit": str(page_size), "offset": str(cursor)}
        if status is not None:
            if status not in STATUS_TO_WIRE:
                raise ValidationError(f"Huawei cannot filter CAs by status {status.value!r}")
            query["status"] = STATUS_TO_WIRE[status]

        def read(body: dict[str, Any]) -> Page:
            records = body.get("certificate_authorities") or []
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                raise TypeError("certificate_authorities is not a list of objects")
            items = tuple(ca_from_record(r) for r in records)
            total = body.get("total", 0)
            if not isinstance(total, int) or isinstance(total, bool) or total < 0:
                raise TypeError("total is not a count")
            end = cursor + len(items)
            return Page(
                items=items, next_cursor=end if items and end < total else None, total=total
            )

        parse = self._json_parser(action, read)
        return self._authorized(
            rt, lambda s: self._exchange(s, action, "GET", BASE_PATH, parse, query=query)
        )
