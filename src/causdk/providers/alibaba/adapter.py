"""The Alibaba Cloud private CA API (CAS 2020-06-30) as a pure adapter: build, sign, parse."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timezone
from typing import Any, TypeVar

from causdk._adapter import ProviderAdapter, RevokeRequest
from causdk._auth import Authorizer, StaticAuth, authorized
from causdk._flow import Attempt, Exchange, Flow, Runtime, Trace
from causdk._parse import epoch_ms, read_json, unexpected
from causdk._redact import shown
from causdk._wire import WireRequest, WireResponse, canonical_query, join_url
from causdk.errors import UnexpectedResponseError, ValidationError
from causdk.models import (
    CAKind,
    Capabilities,
    CAStatus,
    CertificateAuthority,
    IdempotencyKind,
    Page,
    Provider,
)
from causdk.providers.alibaba.credentials import AlibabaCredentials
from causdk.providers.alibaba.errors import PROVIDER, error_from_response, request_id_of
from causdk.providers.alibaba.signing import EMPTY_SHA256, SignatureVersion, sign_v1, sign_v3

T = TypeVar("T")

API_VERSION = "2020-06-30"
DEFAULT_RATE_LIMIT = 10.0
"""UpdateCACertificateStatus and the two Describe calls: 10 requests per second per account."""

_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_CLIENT_TOKEN = re.compile(r"[\x21-\x7e]{1,64}")  # ASCII without spaces, at most 64

STATUS_FROM_WIRE = {
    "ISSUE": CAStatus.ACTIVE,
    "REVOKE": CAStatus.REVOKED,
    "FORBIDDEN": CAStatus.DISABLED,
}
# DescribeCACertificateList filters are lower case, unlike the statuses it returns.
STATUS_FILTER = {
    CAStatus.ACTIVE: "issue",
    CAStatus.REVOKED: "revoke",
    CAStatus.DISABLED: "forbidden",
}
KIND_FROM_WIRE = {"ROOT": CAKind.ROOT, "SUB_ROOT": CAKind.SUBORDINATE}

CAPABILITIES = Capabilities(
    provider=Provider.ALIBABA,
    supports_reason=False,
    reasons=(),
    idempotency=IdempotencyKind.CLIENT_TOKEN,
    default_rate_limit=DEFAULT_RATE_LIMIT,
    revocable_kinds=(CAKind.ROOT, CAKind.SUBORDINATE),
)


def ca_from_record(record: dict[str, Any]) -> CertificateAuthority:
    """A CertificateAuthority from a ``Certificate`` / ``CertificateList`` entry."""
    raw_status = str(record.get("Status") or "")
    return CertificateAuthority(
        id=str(record["Identifier"]),
        provider=Provider.ALIBABA,
        status=STATUS_FROM_WIRE.get(raw_status.upper(), CAStatus.UNKNOWN),
        raw_status=raw_status,
        kind=KIND_FROM_WIRE.get(str(record.get("CertificateType") or "").upper(), CAKind.UNKNOWN),
        common_name=record.get("CommonName"),
        subject=record.get("SubjectDN"),
        issuer_id=record.get("ParentIdentifier"),
        serial_number=record.get("SerialNumber"),
        not_before=epoch_ms(record.get("BeforeDate")),
        not_after=epoch_ms(record.get("AfterDate")),
        raw=record,
    )


class AlibabaAdapter(ProviderAdapter):
    """Builds, signs and parses CAS 2020-06-30 calls. Pure: no I/O."""

    provider = Provider.ALIBABA
    capabilities = CAPABILITIES

    def __init__(
        self,
        auth: Authorizer[AlibabaCredentials] | AlibabaCredentials,
        *,
        endpoint: str,
        user_agent: str,
        signature_version: SignatureVersion = SignatureVersion.V3,
        account_id: str | None = None,
        region: str | None = None,
    ) -> None:
        if isinstance(auth, AlibabaCredentials):
            auth = StaticAuth(auth, source=auth.source, account_key=auth.access_key_id)
        self.auth = auth
        self.region = region
        self.endpoint = endpoint
        self.user_agent = user_agent
        self.signature_version = SignatureVersion(signature_version)
        self._account_id = account_id

    @property
    def account_key(self) -> str:
        # Alibaba counts the limit per account across its AccessKeys; the caller may name it.
        # Otherwise the role or the AccessKey: never a temporary key id, which rotates.
        return self._account_id or self.auth.account_key

    @property
    def first_cursor(self) -> int:
        return 1

    def validate_ca_id(self, ca_id: str) -> str:
        if not isinstance(ca_id, str) or not _IDENTIFIER.fullmatch(ca_id):
            raise ValidationError(
                f"{shown(ca_id)} is not an Alibaba CA identifier (1 to 128 letters, digits, "
                "'.', '_', '-')."
            )
        return ca_id

    def prepare_client_token(self, client_token: str | None) -> str:
        if client_token is None:
            return str(uuid.uuid4())  # once per logical revoke: every retry sends this same token
        if not isinstance(client_token, str) or not _CLIENT_TOKEN.fullmatch(client_token):
            raise ValidationError(
                f"client_token {shown(client_token)} is not 1 to 64 printable ASCII characters "
                "without spaces."
            )
        return client_token

    # -- requests ---------------------------------------------------------------------------

    def build(
        self,
        action: str,
        params: dict[str, str],
        attempt: Attempt,
        creds: AlibabaCredentials,
    ) -> WireRequest:
        """A POST for ``action`` signed with ``creds``, with a fresh timestamp and nonce."""
        timestamp = attempt.now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        nonce = uuid.uuid4().hex
        if self.signature_version is SignatureVersion.V1:
            return self._build_v1(action, params, timestamp, nonce, creds)
        return self._build_v3(action, params, timestamp, nonce, creds)

    def _base_headers(self, action: str) -> dict[str, str]:
        host = self.endpoint.split("://", 1)[1].split("/", 1)[0]
        return {
            "host": host,
            "x-acs-action": action,
            "x-acs-version": API_VERSION,
            "accept": "application/json",
            "user-agent": self.user_agent,
        }

    def _build_v3(
        self, action: str, params: dict[str, str], ts: str, nonce: str, creds: AlibabaCredentials
    ) -> WireRequest:
        headers = self._base_headers(action)
        headers.update(
            {"x-acs-date": ts, "x-acs-signature-nonce": nonce, "x-acs-content-sha256": EMPTY_SHA256}
        )
        if creds.security_token is not None:
            headers["x-acs-security-token"] = creds.security_token.get_secret_value()
            headers["x-acs-accesskey-id"] = creds.access_key_id
        headers["authorization"] = sign_v3(
            method="POST",
            path=_path_of(self.endpoint),
            query=params,
            headers=headers,
            access_key_id=creds.access_key_id,
            secret=creds.access_key_secret.get_secret_value(),
        )
        url = join_url(self.endpoint, "/", canonical_query(params))
        return WireRequest("POST", url, tuple(headers.items()))

    def _build_v1(
        self, action: str, params: dict[str, str], ts: str, nonce: str, creds: AlibabaCredentials
    ) -> WireRequest:
        signed = dict(params)
        signed.update(
            Action=action,
            Format="JSON",
            Version=API_VERSION,
            Timestamp=ts,
            SignatureNonce=nonce,
            SignatureMethod="HMAC-SHA1",
            SignatureVersion="1.0",
            AccessKeyId=creds.access_key_id,
        )
        if creds.security_token is not None:
            signed["SecurityToken"] = creds.security_token.get_secret_value()
        signed["Signature"] = sign_v1("POST", signed, creds.access_key_secret.get_secret_value())
        url = join_url(self.endpoint, "/", canonical_query(signed))
        return WireRequest("POST", url, tuple(self._base_headers(action).items()))

    def _call(
        self,
        rt: Runtime,
        action: str,
        params: dict[str, str],
        parse: Callable[[dict[str, Any], str | None], T],
        trace: Trace | None = None,
        *,
        retry_unreadable: bool = False,
    ) -> Flow[T]:
        """One call, signed with the current credentials (fetched anew once if refused)."""
        return authorized(
            rt,
            self.auth,
            lambda creds: self._exchange(action, params, parse, creds, retry_unreadable),
            trace,
        )

    def _exchange(
        self,
        action: str,
        params: dict[str, str],
        parse: Callable[[dict[str, Any], str | None], T],
        creds: AlibabaCredentials,
        retry_unreadable: bool,
    ) -> Exchange[T]:
        def read(response: WireResponse) -> T:
            try:
                return _read_success(action, response, parse)
            except UnexpectedResponseError as error:
                error.retryable = error.retryable or retry_unreadable
                raise

        return Exchange(
            action=action,
            build=lambda attempt: self.build(action, params, attempt, creds),
            parse=read,
            request_id=request_id_of,
        )

    # -- operations ---------------------------------------------------------------------------

    def revoke(self, rt: Runtime, request: RevokeRequest, trace: Trace) -> Flow[str | None]:
        # The API takes no reason: it stays in the result and the log only.
        params = {"Identifier": request.ca_id, "Status": "REVOKE"}
        if request.client_token:
            params["ClientToken"] = request.client_token
        # An unreadable answer is retried: the same ClientToken makes a repeat safe by design.
        return self._call(
            rt, "UpdateCACertificateStatus", params, _request_id_only, trace, retry_unreadable=True
        )

    def get(self, rt: Runtime, ca_id: str) -> Flow[CertificateAuthority]:
        def parse(body: dict[str, Any], _rid: str | None) -> CertificateAuthority:
            ca = ca_from_record(_record(body["Certificate"]))
            if ca.id != ca_id:
                raise ValueError(f"the answer is about CA {shown(ca.id, 60)}, not the one asked")
            return ca

        return self._call(rt, "DescribeCACertificate", {"Identifier": ca_id}, parse)

    def list_page(
        self, rt: Runtime, cursor: int, status: CAStatus | None, page_size: int
    ) -> Flow[Page]:
        params = {"CurrentPage": str(cursor), "ShowSize": str(page_size)}
        server_filter = STATUS_FILTER.get(status) if status else None
        if server_filter:
            params["CaStatus"] = server_filter

        def parse(body: dict[str, Any], _rid: str | None) -> Page:
            records = body.get("CertificateList") or []
            if not isinstance(records, list):
                raise TypeError("CertificateList is not a list")
            items = tuple(ca_from_record(_record(r)) for r in records)
            page_count = int(body.get("PageCount") or 0)
            more = bool(items) and cursor < page_count
            if status is not None and not server_filter:
                items = tuple(ca for ca in items if ca.status is status)
            total = body.get("TotalCount")
            return Page(
                items=items,
                next_cursor=cursor + 1 if more else None,
                total=int(total) if total is not None else None,
            )

        return self._call(rt, "DescribeCACertificateList", params, parse)


def _read_success(
    action: str, response: WireResponse, parse: Callable[[dict[str, Any], str | None], T]
) -> T:
    """``parse`` applied to the documented success: HTTP 2xx and a JSON object with a RequestId
    and no error ``Code``. Anything else is a typed error; a 2xx that is not this is an
    UnexpectedResponseError (the call may have happened)."""
    if not 200 <= response.status_code < 300:
        raise error_from_response(action, response)
    body = response.json_object()
    request_id = request_id_of(response)
    if body is not None and body.get("Code"):
        code = str(body["Code"])[:64]
        message = f"HTTP {response.status_code} carrying error {code}: {body.get('Message') or ''}"
        error = unexpected(PROVIDER, action, response, request_id, message)
        error.code = code
        raise error
    rid = body.get("RequestId") if body is not None else None
    if body is not None and not (isinstance(rid, str) and rid):
        raise unexpected(PROVIDER, action, response, request_id, "the answer has no RequestId")
    return read_json(PROVIDER, action, response, request_id, lambda b: parse(b, request_id))


def _record(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("a CA record is not a JSON object")
    return value


def _request_id_only(body: dict[str, Any], request_id: str | None) -> str | None:
    return request_id


def _path_of(endpoint: str) -> str:
    rest = endpoint.split("://", 1)[1]
    return "/" + rest.split("/", 1)[1].rstrip("/") + "/" if "/" in rest else "/"
