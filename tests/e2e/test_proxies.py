"""Proxies, as README promises and corporate networks need, through a real proxy process (pproxy).

pproxy logs every connection it carries (``http <client> -> <target>``): that log is the proof
that a request went through it, or did not.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from causdk import (
    AsyncHuaweiRevoker,
    ClientSettings,
    TransportError,
)
from causdk.testing import Emulator
from tests import hostile
from tests.runners import KINDS, huawei

CA = "0123abcd-0123-4567-89ab-0123456789ab"
TOKEN = "proxy-test-token-value"

pytest.importorskip("pproxy")


@dataclass
class Proxy:
    url: str
    log: Path

    def carried(self, port: int) -> bool:
        """True when the proxy carried a connection to 127.0.0.1:``port``."""
        time.sleep(0.2)  # pproxy writes its log line as the tunnel closes
        return f"127.0.0.1:{port}" in self.log.read_text()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_proxy(tmp_path: Path, scheme: str, extra: list[str]) -> Iterator[Proxy]:
    port = _free_port()
    log = tmp_path / f"pproxy-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pproxy", "-l", f"{scheme}://127.0.0.1:{port}", "-v", *extra],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("pproxy did not start")
        yield Proxy(f"{'https' if 'ssl' in scheme else 'http'}://127.0.0.1:{port}", log)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[Proxy]:
    yield from _start_proxy(tmp_path, "http", [])


@pytest.fixture
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_bundle(authority: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "corporate-ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def tls_server(authority: trustme.CA) -> Iterator[hostile.HostileServer]:
    """A Huawei stand-in over TLS whose certificate only the test CA vouches for."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with hostile.hostile(
        hostile.answers(204, headers={"X-Request-Id": "tls-ok"}), tls=context
    ) as s:
        yield s


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "ALL_PROXY"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_proxy_from_the_environment_is_honoured(
    kind: str, variable: str, proxy: Proxy, no_proxy_env: pytest.MonkeyPatch
) -> None:
    with Emulator() as emu:
        ca_id = emu.add_subordinates("huawei", 1)[0]
        no_proxy_env.setenv(variable, proxy.url)
        with huawei(kind, **emu.huawei_options()) as revoker:
            assert revoker.revoke(ca_id).request_id
        assert proxy.carried(_port(emu.url))


@pytest.mark.parametrize("kind", KINDS)
def test_no_proxy_bypasses_the_proxy(
    kind: str, proxy: Proxy, no_proxy_env: pytest.MonkeyPatch
) -> None:
    with Emulator() as emu:
        no_proxy_env.setenv("HTTP_PROXY", proxy.url)
        no_proxy_env.setenv("NO_PROXY", "127.0.0.1")
        with huawei(kind, **emu.huawei_options()) as revoker:
            list(revoker.list())
        assert not proxy.carried(_port(emu.url))


@pytest.mark.parametrize("kind", KINDS)
def test_trust_env_false_ignores_proxy_variables(
    kind: str, proxy: Proxy, no_proxy_env: pytest.MonkeyPatch
) -> None:
    with Emulator() as emu:
        no_proxy_env.setenv("HTTP_PROXY", proxy.url)
        settings = ClientSettings(trust_env=False)
        with huawei(kind, **emu.huawei_options(), settings=settings) as revoker:
            list(revoker.list())
        assert not proxy.carried(_port(emu.url))


@pytest.mark.parametrize("kind", KINDS)
def test_https_proxy_from_the_environment_tunnels_tls(
    kind: str,
    proxy: Proxy, no_proxy_env: pytest.MonkeyPatch, tls_server: hostile.HostileServer,
    ca_bundle: Path,
) -> None:  # fmt: skip
    no_proxy_env.setenv("HTTPS_PROXY", proxy.url)
    settings = ClientSettings(ca_bundle=ca_bundle)
    with huawei(kind, token=TOKEN, endpoint=tls_server.url, settings=settings) as revoker:
        assert revoker.revoke(CA).request_id == "tls-ok"
    assert proxy.carried(tls_server.port)


@pytest.mark.parametrize("kind", KINDS)
def test_explicit_proxy_verifies_the_target_with_ca_bundle(
    kind: str, proxy: Proxy, tls_server: hostile.HostileServer, ca_bundle: Path
) -> None:
    """A TLS-inspecting corporate proxy presents certificates of the corporate CA: through an
    explicit proxy, ``ca_bundle`` is what verifies the far end (not certifi's bundle)."""
    settings = ClientSettings(proxy=proxy.url, ca_bundle=ca_bundle, trust_env=False)
    with huawei(kind, token=TOKEN, endpoint=tls_server.url, settings=settings) as revoker:
        assert revoker.revoke(CA).request_id == "tls-ok"
    assert proxy.carried(tls_server.port)


async def test_explicit_proxy_with_ca_bundle_async(
    proxy: Proxy, tls_server: hostile.HostileServer, ca_bundle: Path
) -> None:
    settings = ClientSettings(proxy=proxy.url, ca_bundle=ca_bundle, trust_env=False)
    async with AsyncHuaweiRevoker(token=TOKEN, endpoint=tls_server.url, settings=settings) as r:
        assert (await r.revoke(CA)).request_id == "tls-ok"
    assert proxy.carried(tls_server.port)


@pytest.mark.parametrize("kind", KINDS)
def test_explicit_proxy_honours_verify_tls_false(
    kind: str, proxy: Proxy, tls_server: hostile.HostileServer
) -> None:
    settings = ClientSettings(proxy=proxy.url, verify_tls=False, trust_env=False)
    with huawei(kind, token=TOKEN, endpoint=tls_server.url, settings=settings) as revoker:
        assert revoker.revoke(CA).request_id == "tls-ok"


@pytest.mark.parametrize("kind", KINDS)
def test_without_the_ca_bundle_the_target_is_not_trusted(
    kind: str, proxy: Proxy, tls_server: hostile.HostileServer
) -> None:
    settings = ClientSettings(proxy=proxy.url, trust_env=False)
    with (
        huawei(kind, token=TOKEN, endpoint=tls_server.url, settings=settings) as revoker,
        pytest.raises(TransportError) as info,
    ):
        revoker.get(CA)
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    assert not info.value.may_have_been_sent


@pytest.mark.parametrize("kind", KINDS)
def test_a_tls_proxy_is_verified_with_ca_bundle(
    kind: str, tmp_path: Path, authority: trustme.CA, ca_bundle: Path
) -> None:
    """The proxy itself speaks TLS with a corporate certificate: the same bundle verifies it."""
    cert = authority.issue_cert("127.0.0.1")
    pem = tmp_path / "proxy.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(pem))
    with Emulator() as emu:
        ca_id = emu.add_subordinates("huawei", 1)[0]
        for tls_proxy in _start_proxy(tmp_path, "http+ssl", ["--ssl", str(pem)]):
            settings = ClientSettings(proxy=tls_proxy.url, ca_bundle=ca_bundle, trust_env=False)
            with huawei(kind, **emu.huawei_options(), settings=settings) as revoker:
                assert revoker.revoke(ca_id).request_id
            assert tls_proxy.carried(_port(emu.url))
