from __future__ import annotations

import pickle

from causdk._redact import redact_headers, redact_url, register_secret, scrub
from causdk.errors import APIError, InvalidStateError, RateLimitedError, ServerError, TransportError


def test_api_error_says_what_happened_and_what_to_do() -> None:
    err = InvalidStateError(
        provider="huawei", action="RevokeCertificateAuthority", status_code=400,
        code="PCA.10010004", message="The CA has been revoked.", request_id="req-1",
    )  # fmt: skip
    text = str(err)
    assert "huawei RevokeCertificateAuthority failed: HTTP 400 PCA.10010004" in text
    assert "req-1" in text
    assert "get()" in text  # the hint
    assert not err.retryable


def test_retryable_defaults() -> None:
    common = dict(provider="p", action="a", code=None, message=None, request_id=None)
    assert ServerError(status_code=500, **common).retryable  # type: ignore[arg-type]
    assert RateLimitedError(status_code=429, **common).retryable  # type: ignore[arg-type]
    assert TransportError("boom", kind="ReadTimeout", may_have_been_sent=True).retryable


def test_errors_pickle_round_trip() -> None:
    err = ServerError(
        provider="alibaba", action="X", status_code=503, code="ServiceUnavailable",
        message="busy", request_id="r",
    )  # fmt: skip
    copy = pickle.loads(pickle.dumps(err))
    assert isinstance(copy, APIError)
    assert copy.request_id == "r" and copy.code == "ServiceUnavailable"


def test_registered_secrets_never_reach_error_text() -> None:
    register_secret("sts-token-value-42")
    err = APIError(
        provider="alibaba", action="X", status_code=400, code="SignatureDoesNotMatch",
        message="server string to sign: ...SecurityToken=sts-token-value-42...", request_id=None,
    )  # fmt: skip
    assert "sts-token-value-42" not in str(err)
    assert "[redacted]" in str(err)
    assert scrub("a sts-token-value-42 b") == "a [redacted] b"


def test_header_and_url_redaction() -> None:
    headers = redact_headers({"Authorization": "ACS3 x", "X-Auth-Token": "t", "Host": "h"})
    assert headers == {"Authorization": "[redacted]", "X-Auth-Token": "[redacted]", "Host": "h"}
    url = redact_url("https://h/?AccessKeyId=a&Signature=abc%3D&SecurityToken=t&Action=X")
    assert "abc" not in url and "SecurityToken=[redacted]" in url and "Action=X" in url


def test_secret_query_parameters_are_masked_in_any_text() -> None:
    text = scrub("POST http://h/?AccessKeyId=AK&Signature=abc%2Bdef%3D&SecurityToken=tok&X=1")
    assert "abc%2Bdef" not in text and "tok&" not in text
    assert "Signature=[redacted]" in text and "AccessKeyId=AK" in text and "X=1" in text


def test_settings_repr_hides_a_proxy_password() -> None:
    from causdk import ClientSettings

    settings = ClientSettings(proxy="http://ops:proxy-password-1@proxy.internal:3128")
    assert "proxy-password-1" not in repr(settings) and "proxy-password-1" not in str(settings)
