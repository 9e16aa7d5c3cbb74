"""Provider-agnostic behaviour: revoke_many, the factory, capabilities, import cost, logging."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap

import httpx
import pytest
import respx

import causdk
from causdk import (
    CARevoker,
    ConfigurationError,
    IdempotencyKind,
    NotFoundError,
    Provider,
    RevocationReason,
    ValidationError,
    create_async_revoker,
    create_revoker,
)
from causdk.providers.huawei import HuaweiRevoker
from tests.conftest import FakeClock

ENDPOINT = "https://ccm.test.example"
BASE = f"{ENDPOINT}/v1/private-certificate-authorities"
IDS = [f"0123abcd-0123-4567-89ab-{i:012d}" for i in range(12)]


def _revoker(clock: FakeClock) -> HuaweiRevoker:
    return HuaweiRevoker(token="core-test-token", endpoint=ENDPOINT, clock=clock)


def _answer(request: httpx.Request) -> httpx.Response:
    ca_id = request.url.path.split("/")[-2]
    if ca_id == IDS[3]:
        return httpx.Response(404, json={"error_code": "PCA.10010002", "error_msg": "missing"})
    return httpx.Response(204)


@respx.mock
def test_revoke_many_keeps_going_and_reports_each_id_in_order(clock: FakeClock) -> None:
    route = respx.post(url__regex=rf"{BASE}/.*/revoke").mock(side_effect=_answer)
    with _revoker(clock) as client:
        outcomes = client.revoke_many([*IDS, IDS[0]], reason="KEY_COMPROMISE", concurrency=4)
    assert [o.ca_id for o in outcomes] == IDS  # a repeated id is revoked once
    assert route.call_count == len(IDS)
    failed = [o for o in outcomes if not o.ok]
    assert [o.ca_id for o in failed] == [IDS[3]] and isinstance(failed[0].error, NotFoundError)
    assert all(o.result.reason is RevocationReason.KEY_COMPROMISE for o in outcomes if o.result)


@respx.mock
async def test_async_revoke_many(clock: FakeClock) -> None:
    respx.post(url__regex=rf"{BASE}/.*/revoke").mock(side_effect=_answer)
    async with create_async_revoker("huawei", token="core-test-token", endpoint=ENDPOINT,
                                    clock=clock) as client:  # fmt: skip
        outcomes = await client.revoke_many(IDS, concurrency=5)
    assert [o.status for o in outcomes].count("failed") == 1 and len(outcomes) == len(IDS)


@respx.mock
def test_revoke_many_validates_every_id_before_sending_any(clock: FakeClock) -> None:
    route = respx.route().mock(return_value=httpx.Response(204))
    with _revoker(clock) as client, pytest.raises(ValidationError, match="none revoked"):
        client.revoke_many([IDS[0], "../../etc", IDS[1]])
    assert route.call_count == 0


@pytest.mark.parametrize("concurrency", [0, 1000])
def test_revoke_many_bounds_concurrency(clock: FakeClock, concurrency: int) -> None:
    with _revoker(clock) as client, pytest.raises(ValidationError):
        client.revoke_many(IDS, concurrency=concurrency)


def test_factory_builds_by_name_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with create_revoker("HUAWEI", token="core-test-token", endpoint=ENDPOINT) as client:
        assert isinstance(client, CARevoker) and client.provider is Provider.HUAWEI
    monkeypatch.setenv("CAUSDK_PROVIDER", "alibaba")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "AKFACTORY")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "factory-secret")
    with create_revoker() as client:
        assert client.provider is Provider.ALIBABA
    with pytest.raises(ConfigurationError, match="unknown provider"):
        create_revoker("gcp")


def test_capabilities_tell_what_each_provider_supports() -> None:
    with create_revoker("alibaba", access_key_id="AKCAP", access_key_secret="cap-secret") as ali:
        caps = ali.capabilities
        assert not caps.supports_reason and caps.idempotency is IdempotencyKind.CLIENT_TOKEN
        assert caps.default_rate_limit == 10
    with create_revoker("huawei", token="core-test-token", endpoint=ENDPOINT) as hw:
        caps = hw.capabilities
        assert caps.supports_reason and len(caps.reasons) == 9
        assert caps.idempotency is IdempotencyKind.NONE and caps.default_rate_limit is None


def test_list_rejects_bad_arguments_before_sending(clock: FakeClock) -> None:
    with _revoker(clock) as client:
        with pytest.raises(ValidationError):
            next(client.list(status="sleeping"))
        with pytest.raises(ValidationError):
            next(client.list(page_size=0))


def test_import_causdk_is_cheap() -> None:
    code = (
        "import sys, json, causdk; causdk.RevocationReason;"
        "print(json.dumps(sorted(m for m in ('httpx', 'tenacity', 'h11') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []  # the models need pydantic; the transport waits


def test_a_sync_revoke_never_loads_asyncio() -> None:
    """Start-up cost for the command line and scripts: asyncio is for async callers only."""
    code = textwrap.dedent(
        """
        import http.server, json, sys, threading
        class Answer(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(204); self.end_headers()
            def log_message(self, *args): pass
        server = http.server.HTTPServer(("127.0.0.1", 0), Answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        from causdk import HuaweiRevoker
        url = f"http://127.0.0.1:{server.server_port}"
        with HuaweiRevoker(token="t-value", endpoint=url) as revoker:
            revoker.revoke("0123abcd-0123-4567-89ab-0123456789ab")
        print(json.dumps([m for m in ("asyncio", "tenacity") if m in sys.modules]))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_the_pytest_plugin_imports_nothing_heavy() -> None:
    """pytest loads the plugin in every run of an environment with causdk installed."""
    code = (
        "import sys, json, causdk.testing.pytest_plugin;"
        "print(json.dumps(sorted(m for m in ('httpx', 'pydantic', 'h11', 'causdk.testing._emulator')"
        " if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_library_logs_nothing_unless_asked() -> None:
    logger = logging.getLogger("causdk")
    assert any(isinstance(h, logging.NullHandler) for h in logger.handlers)
    assert causdk.RedactingFilter in {type(f) for f in logger.filters}


@respx.mock
async def test_revoke_many_reports_each_outcome_as_it_settles(clock: FakeClock) -> None:
    respx.post(url__regex=rf"{BASE}/.*/revoke").mock(side_effect=_answer)
    seen: list[str] = []
    async with create_async_revoker(
        "huawei", token="core-test-token", endpoint=ENDPOINT, clock=clock
    ) as client:
        outcomes = await client.revoke_many(IDS[:5], on_outcome=lambda o: seen.append(o.ca_id))
    assert sorted(seen) == sorted(IDS[:5]) and len(outcomes) == 5
