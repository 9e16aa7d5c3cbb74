"""Property-based tests (hypothesis): every validator and every response parser, on any input.

Validators accept exactly what the providers document and refuse the rest with a typed error;
parsers turn any bytes, status and headers into a result or a CausdkError, never another
exception, and never into a revoke reported done without the documented success or a read
that shows the CA revoked.
"""

from __future__ import annotations

import ipaddress
import json
import re
import zlib
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from causdk import (
    AlibabaRevoker,
    CausdkError,
    ClientSettings,
    ConfigurationError,
    HuaweiRevoker,
    RevocationReason,
    ValidationError,
)
from causdk._body import BodyReader
from causdk._config import check_endpoint, check_region
from causdk._flow import Driver, Send, Sleep
from causdk._wire import WireResponse
from causdk.client import _coerce_reason
from tests.conftest import FakeClock

HW_CA = "0123abcd-0123-4567-89ab-0123456789ab"
HW_ID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")
ALI_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
QUICK = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _huawei() -> HuaweiRevoker:
    return HuaweiRevoker(
        token="property-token-value", endpoint="https://ccm.test", clock=FakeClock(),
        settings=ClientSettings(rate_limit=0),
    )  # fmt: skip


def _alibaba() -> AlibabaRevoker:
    return AlibabaRevoker(
        access_key_id="AKIDproperty", access_key_secret="property-secret",
        endpoint="https://cas.test", clock=FakeClock(), settings=ClientSettings(rate_limit=0),
    )  # fmt: skip


HUAWEI, ALIBABA = _huawei(), _alibaba()


# -- validators ---------------------------------------------------------------------------------


@QUICK
@given(st.one_of(st.text(), st.from_regex(HW_ID, fullmatch=True), st.integers(), st.none()))
def test_huawei_ids_are_exactly_the_documented_uuid(value: Any) -> None:
    try:
        accepted = HUAWEI._core.adapter.validate_ca_id(value)
    except ValidationError as error:
        assert len(str(error)) < 400  # noqa: PT017 - either outcome is asserted on
        return
    assert accepted == value and HW_ID.fullmatch(accepted)


@QUICK
@given(st.one_of(st.text(), st.from_regex(ALI_ID, fullmatch=True), st.binary(), st.none()))
def test_alibaba_ids_are_letters_digits_and_dot_dash_underscore(value: Any) -> None:
    try:
        accepted = ALIBABA._core.adapter.validate_ca_id(value)
    except ValidationError:
        return
    assert accepted == value and ALI_ID.fullmatch(accepted)


@QUICK
@given(
    st.one_of(st.text(), st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E)))
)
def test_client_tokens_are_printable_ascii_without_spaces(value: str) -> None:
    try:
        accepted = ALIBABA._core.adapter.prepare_client_token(value)
    except ValidationError:
        assert not (1 <= len(value) <= 64 and all(0x21 <= ord(c) <= 0x7E for c in value))
        return
    assert accepted == value and 1 <= len(value) <= 64


@QUICK
@given(st.one_of(st.text(), st.from_regex(r"[a-z]{2,4}(-[a-z0-9]{1,8}){1,3}", fullmatch=True)))
def test_regions_are_matched_whole(value: str) -> None:
    try:
        accepted = check_region(value)
    except ConfigurationError:
        return
    assert accepted == value and "\n" not in value and value == value.strip()


@QUICK
@given(
    st.one_of(
        st.text(),
        st.builds(
            lambda scheme, user, host, port, path: f"{scheme}://{user}{host}{port}{path}",
            st.sampled_from(["http", "https", "ftp", "HTTP", ""]),
            st.sampled_from(["", "u:p@", "user@"]),
            st.sampled_from(["127.0.0.1", "localhost", "cas.aliyuncs.com", "10.0.0.1", "[::1]"]),
            st.sampled_from(["", ":8999", ":0", ":99999"]),
            st.sampled_from(["", "/", "/base", "/?q=1", "/#f", "/a b"]),
        ),
    )
)
def test_endpoints_are_http_urls_of_a_host_without_credentials(value: str) -> None:
    try:
        accepted = check_endpoint(value)
    except ConfigurationError as error:
        assert "u:p@" not in str(error)  # noqa: PT017 - either outcome is asserted on
        return
    assert accepted.startswith(("http://", "https://"))
    assert "@" not in accepted and not any(c.isspace() for c in accepted)
    if accepted.startswith("http://"):  # plain HTTP only to loopback
        host = urlsplit(accepted).hostname or ""
        assert host == "localhost" or ipaddress.ip_address(host).is_loopback


@QUICK
@given(st.one_of(st.text(), st.sampled_from([r.value for r in RevocationReason])))
def test_reasons_are_the_nine_names(value: str) -> None:
    try:
        reason = _coerce_reason(value)
    except ValidationError:
        assert value.upper() not in {r.value for r in RevocationReason}
        return
    assert reason is not None and reason.value == value.upper()


# -- parsers ------------------------------------------------------------------------------------

STATUSES = st.one_of(st.sampled_from([200, 201, 202, 204, 302, 400, 401, 403, 404, 409, 429,
                                      500, 502, 503]), st.integers(100, 599))  # fmt: skip
HEADERS = st.dictionaries(
    st.sampled_from(["x-request-id", "x-acs-request-id", "content-type", "retry-after",
                     "x-acs-retry-after", "x-subject-token"]),
    st.text(max_size=40),
    max_size=4,
)  # fmt: skip
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip
PLAUSIBLE = st.fixed_dictionaries(
    {},
    optional={
        "RequestId": st.text(max_size=12), "Code": st.text(max_size=12),
        "Certificate": st.fixed_dictionaries({}, optional={
            "Identifier": st.sampled_from(["cas-1", "cas-2", 5]),
            "Status": st.sampled_from(["ISSUE", "REVOKE", "FORBIDDEN", 3])}),
        "ca_id": st.sampled_from([HW_CA, "ffffffff-0123-4567-89ab-0123456789ab", 7]),
        "status": st.sampled_from(["ACTIVED", "REVOKED", "DISABLED", None]),
        "error_code": st.text(max_size=8), "certificate_authorities": JSON_VALUES,
        "total": JSON_VALUES, "CertificateList": JSON_VALUES, "PageCount": JSON_VALUES,
    },
)  # fmt: skip
BODIES = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    PLAUSIBLE.map(lambda v: json.dumps(v).encode()),
)
RESPONSES = st.lists(st.builds(WireResponse, STATUSES, HEADERS, BODIES), min_size=1, max_size=12)


def _drive(flow: Any, responses: list[WireResponse]) -> tuple[Any, list[tuple[Send, WireResponse]]]:
    """Run a flow on canned responses (a dropped connection once they run out)."""
    from causdk.errors import TransportError

    seen: list[tuple[Send, WireResponse]] = []
    driver = Driver(flow)
    while driver.effect is not None:
        effect = driver.effect
        if isinstance(effect, Sleep):
            driver.resume(None)
        elif responses:
            response = responses.pop(0)
            seen.append((effect, response))
            driver.resume(response)
        else:
            driver.resume(TransportError("dropped", kind="ReadError", may_have_been_sent=True))
    return driver.result, seen


def _huawei_proof(seen: list[tuple[Send, WireResponse]]) -> bool:
    for send, response in seen:
        if send.request.method == "POST" and response.status_code == 204:
            return True
        body = response.json_object() or {}
        is_read = send.request.method == "GET" and body.get("ca_id") == HW_CA
        if is_read and str(body.get("status")).upper() == "REVOKED" and response.status_code == 200:
            return True
    return False


def _alibaba_proof(seen: list[tuple[Send, WireResponse]]) -> bool:
    for send, response in seen:
        body = response.json_object() or {}
        action = dict(send.request.headers).get("x-acs-action")
        ok = 200 <= response.status_code < 300 and not body.get("Code") and body.get("RequestId")
        if action == "UpdateCACertificateStatus" and ok:
            return True
        record = body.get("Certificate")
        is_read = action == "DescribeCACertificate" and ok and isinstance(record, dict)
        if is_read and record.get("Identifier") == "cas-1" and record.get("Status") == "REVOKE":
            return True
    return False


@QUICK
@given(RESPONSES)
def test_huawei_revoke_is_done_only_on_proof(responses: list[WireResponse]) -> None:
    try:
        result, seen = _drive(_huawei()._core.revoke_flow(HW_CA, {}), responses)
    except CausdkError:
        return
    assert result.ca_id == HW_CA
    assert _huawei_proof(seen)


@QUICK
@given(RESPONSES)
def test_alibaba_revoke_is_done_only_on_proof(responses: list[WireResponse]) -> None:
    try:
        result, seen = _drive(_alibaba()._core.revoke_flow("cas-1", {}), responses)
    except CausdkError:
        return
    assert result.ca_id == "cas-1"
    assert _alibaba_proof(seen)


@QUICK
@given(RESPONSES)
@pytest.mark.parametrize("revoker", [HUAWEI, ALIBABA], ids=["huawei", "alibaba"])
def test_reads_give_the_ca_asked_or_a_causdk_error(
    revoker: Any, responses: list[WireResponse]
) -> None:
    ca_id = HW_CA if revoker is HUAWEI else "cas-1"
    try:
        ca, _seen = _drive(revoker._core.get_flow(ca_id), responses)
    except CausdkError:
        return
    assert ca.id == ca_id


@QUICK
@given(RESPONSES)
@pytest.mark.parametrize("revoker", [HUAWEI, ALIBABA], ids=["huawei", "alibaba"])
def test_list_pages_parse_or_fail_typed(revoker: Any, responses: list[WireResponse]) -> None:
    pager = revoker._core.pager(None, 50)
    try:
        for _ in range(3):
            flow = pager.next_flow()
            if flow is None:
                break
            page, _seen = _drive(flow, responses)
            pager.accept(page)
    except CausdkError:
        return


@QUICK
@given(
    st.lists(st.binary(max_size=5000), max_size=8),
    st.sampled_from(["", "gzip", "deflate", "br", "identity", "gzip, gzip"]),
    st.integers(1024, 20000),
)
def test_the_body_reader_never_holds_more_than_its_cap(
    chunks: list[bytes], coding: str, cap: int
) -> None:
    if coding in ("gzip", "deflate") and chunks:  # make some of them real compressed bodies
        wbits = 16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS
        packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
        chunks = [packer.compress(b"".join(chunks) * 10) + packer.flush()]
    reader = BodyReader({"content-encoding": coding} if coding else {}, cap)
    for chunk in chunks:
        if not reader.feed(chunk):
            break
    body = reader.finish()
    assert len(body) <= cap
    assert (reader.problem is None) or body == b""
