"""The retry policy and both runners, through a provider-neutral view (a Huawei token client)."""

from __future__ import annotations

import httpx
import pytest
import respx

from causdk.errors import BadRequestError, DeadlineExceededError, ServerError, TransportError
from causdk.providers.huawei import AsyncHuaweiRevoker, HuaweiRevoker
from causdk.settings import ClientSettings, RetrySettings
from tests.conftest import FakeClock

ENDPOINT = "https://ccm.test.example"
CA = "0123abcd-0123-4567-89ab-0123456789ab"
REVOKE = f"{ENDPOINT}/v1/private-certificate-authorities/{CA}/revoke"
SHOW = f"{ENDPOINT}/v1/private-certificate-authorities/{CA}"


def _client(clock: FakeClock, **settings: object) -> HuaweiRevoker:
    return HuaweiRevoker(
        token="test-token-value", endpoint=ENDPOINT, clock=clock,
        settings=ClientSettings(**settings),  # type: ignore[arg-type]
    )  # fmt: skip


def _active() -> httpx.Response:
    return httpx.Response(200, json={"ca_id": CA, "status": "ACTIVED", "type": "SUBORDINATE"})


def _error(status: int, code: str = "PCA.X") -> httpx.Response:
    return httpx.Response(status, json={"error_code": code, "error_msg": "m"})


@respx.mock
def test_retries_5xx_then_succeeds(clock: FakeClock) -> None:
    route = respx.post(REVOKE).mock(side_effect=[_error(503), _error(500), httpx.Response(204)])
    with _client(clock) as client:
        result = client.revoke(CA)
    assert result.attempts == 3 and route.call_count == 3
    assert len(clock.sleeps) == 2  # two backoffs, taken on the injected clock


@respx.mock
def test_retries_transport_errors(clock: FakeClock) -> None:
    route = respx.post(REVOKE).mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(204)]
    )
    with _client(clock) as client:
        assert client.revoke(CA).attempts == 2
    assert route.call_count == 2


@respx.mock
def test_does_not_retry_client_errors(clock: FakeClock) -> None:
    route = respx.post(REVOKE).mock(return_value=_error(400, "PCA.00020001"))
    with _client(clock) as client, pytest.raises(BadRequestError) as info:
        client.revoke(CA)
    assert route.call_count == 1 and clock.sleeps == []
    assert info.value.code == "PCA.00020001"


@respx.mock
def test_gives_up_after_max_attempts_with_the_last_error(clock: FakeClock) -> None:
    route = respx.post(REVOKE).mock(return_value=_error(503))
    read = respx.get(SHOW).mock(return_value=_active())
    with _client(clock, retry=RetrySettings(max_attempts=3)) as client, pytest.raises(ServerError):
        client.revoke(CA)
    assert route.call_count == 3
    assert read.call_count == 1  # a 5xx may hide a change: the CA is read back, still active


@respx.mock
def test_read_timeouts_become_transport_errors_naming_the_call(clock: FakeClock) -> None:
    respx.post(REVOKE).mock(side_effect=httpx.ReadTimeout("slow"))
    respx.get(SHOW).mock(return_value=_active())
    settings = RetrySettings(max_attempts=2)
    with _client(clock, retry=settings) as client, pytest.raises(TransportError) as info:
        client.revoke(CA)
    assert info.value.may_have_been_sent
    assert "huawei RevokeCertificateAuthority" in str(info.value)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


@respx.mock
def test_honours_retry_after(clock: FakeClock) -> None:
    throttled = httpx.Response(
        429, headers={"Retry-After": "7"}, json={"error_code": "APIGW.0308", "error_msg": "t"}
    )
    respx.post(REVOKE).mock(side_effect=[throttled, httpx.Response(204)])
    with _client(clock) as client:
        client.revoke(CA)
    assert clock.sleeps == [7.0]


@respx.mock
def test_backoff_is_bounded_full_jitter(clock: FakeClock) -> None:
    respx.post(REVOKE).mock(side_effect=[_error(503)] * 5 + [httpx.Response(204)])
    retry = RetrySettings(max_attempts=6, initial_backoff=0.5, max_backoff=2.0)
    with _client(clock, retry=retry) as client:
        client.revoke(CA)
    ceilings = [0.5, 1.0, 2.0, 2.0, 2.0]
    assert all(0 <= s <= c for s, c in zip(clock.sleeps, ceilings, strict=True))


@respx.mock
def test_deadline_stops_retrying(clock: FakeClock) -> None:
    slow = httpx.Response(
        503, headers={"Retry-After": "30"}, json={"error_code": "X", "error_msg": "m"}
    )
    route = respx.post(REVOKE).mock(return_value=slow)
    with _client(clock, deadline=45.0) as client, pytest.raises(DeadlineExceededError) as info:
        client.revoke(CA)
    assert route.call_count == 2  # the third attempt would start after the deadline
    assert info.value.may_have_been_sent  # a 503 may hide a change: the error says so
    assert isinstance(info.value.last_error, ServerError)
    assert isinstance(info.value.__cause__, ServerError)


@respx.mock
async def test_async_runner_retries_the_same_way(clock: FakeClock) -> None:
    route = respx.post(REVOKE).mock(side_effect=[_error(502), httpx.Response(204)])
    async with AsyncHuaweiRevoker(token="test-token-value", endpoint=ENDPOINT, clock=clock) as c:
        result = await c.revoke(CA)
    assert result.attempts == 2 and route.call_count == 2


@respx.mock
def test_injected_http_client_is_used_and_left_open(clock: FakeClock) -> None:
    respx.get(SHOW).mock(
        return_value=httpx.Response(200, json={"ca_id": CA, "status": "ACTIVED", "type": "ROOT"})
    )
    http = httpx.Client()
    with HuaweiRevoker(token="test-token-value", endpoint=ENDPOINT, http_client=http) as client:
        assert client.get(CA).id == CA
    assert not http.is_closed
    http.close()
