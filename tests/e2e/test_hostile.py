"""Against servers that lie, stall and flood, over real sockets on 127.0.0.1.

Every case asserts three things: a typed error, never a false success; time bounded by the
deadline; memory bounded by the body cap (measured with tracemalloc). The bounds are generous
limits, not speed figures: speed lives in the benchmarks.
"""

from __future__ import annotations

import asyncio
import json
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from causdk import (
    AlibabaRevoker,
    AsyncAlibabaRevoker,
    AsyncHuaweiRevoker,
    CausdkError,
    ClientSettings,
    DeadlineExceededError,
    HuaweiRevoker,
    RetrySettings,
    UnexpectedResponseError,
)
from causdk.providers.huawei import IamPasswordAuth, TokenAuth
from causdk.ratelimit import shared_limiter
from tests import hostile, runners
from tests.hostile import Behaviour, Conn, Request

HUAWEI_CA = "0123abcd-0123-4567-89ab-0123456789ab"
ALIBABA_CA = "cas-hostile-1"
TOKEN = "hostile-test-token-value"
SECRET = "hostile-test-secret-value"
DEADLINE = 3.0
SLACK = 2.0  # scheduling on a loaded 2-core machine; far below what an unbounded call takes
MEMORY_CAP = 24 * 1024 * 1024  # the body cap is 1 MiB; a gzip bomb here holds 128 MiB


def _settings(**overrides: Any) -> ClientSettings:
    options: dict[str, Any] = {
        "deadline": DEADLINE,
        "read_timeout": 30.0,  # only the deadline may end a stalled call
        "retry": RetrySettings(initial_backoff=0.02, max_backoff=0.1),
        "rate_limit": 0,
    }
    options.update(overrides)
    return ClientSettings(**options)


def huawei(url: str, **overrides: Any) -> HuaweiRevoker:
    return HuaweiRevoker(token=TOKEN, endpoint=url, settings=_settings(**overrides))


def alibaba(url: str, **overrides: Any) -> AlibabaRevoker:
    key = f"AKID{uuid.uuid4().hex[:12]}"  # a fresh account: no shared rate-limit budget
    return AlibabaRevoker(
        access_key_id=key, access_key_secret=SECRET, endpoint=url, settings=_settings(**overrides)
    )


@contextmanager
def bounded() -> Iterator[dict[str, float]]:
    """Measures the block's wall time and its peak Python memory."""
    figures: dict[str, float] = {}
    tracemalloc.start()
    started = time.monotonic()
    try:
        yield figures
    finally:
        figures["seconds"] = time.monotonic() - started
        figures["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


CALLS: dict[str, Callable[[str], object]] = {
    "huawei revoke": lambda url: huawei(url).revoke(HUAWEI_CA),
    "huawei get": lambda url: huawei(url).get(HUAWEI_CA),
    "huawei list": lambda url: list(huawei(url).list()),
    "alibaba revoke": lambda url: alibaba(url).revoke(ALIBABA_CA),
    "alibaba get": lambda url: alibaba(url).get(ALIBABA_CA),
    "alibaba list": lambda url: list(alibaba(url).list()),
}

LIARS: dict[str, Behaviour] = {
    "captive portal 200": hostile.captive_portal,
    "invalid JSON 200": hostile.invalid_json,
    "100k-deep JSON 200": hostile.deep_json,
    "error JSON 200": hostile.error_json_200,
    "gzip bomb": hostile.gzip_bomb,
    "4 GB body": hostile.huge_declared_body,
    "endless chunked body": hostile.endless_chunked,
    "redirect": hostile.redirects,
}


@pytest.mark.parametrize("liar", LIARS, ids=list(LIARS))
@pytest.mark.parametrize("call", CALLS, ids=list(CALLS))
def test_a_lying_server_never_gives_a_success(call: str, liar: str) -> None:
    with (
        hostile.hostile(LIARS[liar]) as server,
        bounded() as spent,
        pytest.raises(CausdkError) as info,
    ):
        CALLS[call](server.url)
    # An unreadable answer is "unexpected"; a revoke that keeps meeting one runs into its
    # deadline at worst. Never anything else, never a success.
    assert isinstance(info.value, UnexpectedResponseError | DeadlineExceededError)
    assert spent["seconds"] < DEADLINE + SLACK
    assert spent["peak"] < MEMORY_CAP


def test_alibaba_200_without_request_id_is_not_success() -> None:
    with hostile.hostile(hostile.alibaba_200_without_request_id) as server:
        with pytest.raises(UnexpectedResponseError, match="RequestId"):
            alibaba(server.url).revoke(ALIBABA_CA)
        # Unreadable, so retried (the same ClientToken makes it safe), then read back.
        posts = [r for r in server.requests if "UpdateCACertificateStatus" in str(r.headers)]
        assert len(posts) == 5
        assert len({r.path for r in posts}) == 1  # one ClientToken, every attempt


STALLERS: dict[str, Behaviour] = {
    "never answers": hostile.never_answers,
    "trickles headers": hostile.trickles_headers,
    "trickles the body": hostile.trickles_body,
}


@pytest.mark.parametrize("staller", STALLERS, ids=list(STALLERS))
def test_a_stalling_server_is_cut_off_at_the_deadline(staller: str) -> None:
    with (
        hostile.hostile(STALLERS[staller]) as server,
        bounded() as spent,
        pytest.raises(DeadlineExceededError) as info,
    ):
        huawei(server.url, deadline=2.0).revoke(HUAWEI_CA)
    assert info.value.may_have_been_sent  # the request was written before the stall
    assert "deadline of 2s" in str(info.value)
    assert spent["seconds"] < 2.0 + SLACK


@pytest.mark.parametrize("staller", STALLERS, ids=list(STALLERS))
async def test_async_calls_are_cut_off_at_the_deadline_too(staller: str) -> None:
    with hostile.hostile(STALLERS[staller]) as server:
        settings = _settings(deadline=2.0)
        started = time.monotonic()
        async with AsyncHuaweiRevoker(token=TOKEN, endpoint=server.url, settings=settings) as c:
            with pytest.raises(DeadlineExceededError):
                await c.get(HUAWEI_CA)
        assert time.monotonic() - started < 2.0 + SLACK


async def test_sixty_concurrent_calls_all_end_by_their_deadline() -> None:
    with hostile.hostile(hostile.never_answers) as server:
        settings = _settings(deadline=2.0)
        async with AsyncHuaweiRevoker(token=TOKEN, endpoint=server.url, settings=settings) as c:

            async def one() -> float:
                started = time.monotonic()
                with pytest.raises(DeadlineExceededError):
                    await c.revoke(HUAWEI_CA)
                return time.monotonic() - started

            spent = await asyncio.gather(*(one() for _ in range(60)))
    assert max(spent) < 2.0 + SLACK


def test_the_deadline_covers_the_read_back() -> None:
    """A 503 after the change makes the revoke ambiguous; the read that follows stalls. One
    deadline covers both, so the call ends on time and says the revoke may have happened."""

    def behaviour(conn: Conn, request: Request) -> bool:
        if request.method == "POST":
            conn.answer(503, b'{"error_code": "PCA.1", "error_msg": "busy"}')
            return True
        return hostile.never_answers(conn, request)

    with (
        hostile.hostile(behaviour) as server,
        bounded() as spent,
        pytest.raises(DeadlineExceededError) as info,
    ):
        huawei(server.url).revoke(HUAWEI_CA)
    assert info.value.may_have_been_sent
    assert spent["seconds"] < DEADLINE + SLACK


def test_the_deadline_covers_a_token_refresh_after_401() -> None:
    asked: list[int] = []

    def token() -> str:
        asked.append(1)
        return f"token-{len(asked)}"

    def behaviour(conn: Conn, request: Request) -> bool:
        if request.headers.get("x-auth-token") == "token-1":
            conn.answer(401, b'{"error_code": "APIGW.0307", "error_msg": "expired"}')
            return True
        return hostile.never_answers(conn, request)

    with hostile.hostile(behaviour) as server, bounded() as spent:
        revoker = HuaweiRevoker(auth=TokenAuth(token), endpoint=server.url, settings=_settings())
        with pytest.raises(DeadlineExceededError):
            revoker.revoke(HUAWEI_CA)
    assert len(asked) == 2
    assert spent["seconds"] < DEADLINE + SLACK


def test_the_deadline_covers_the_iam_token_fetch() -> None:
    with hostile.hostile(hostile.never_answers) as server, bounded() as spent:
        auth = IamPasswordAuth(
            user_name="u", password="iam-password-value", domain_name="d",
            iam_endpoint=server.url, project_name="cn-north-4",
        )  # fmt: skip
        revoker = HuaweiRevoker(auth=auth, endpoint=server.url, settings=_settings())
        with pytest.raises(DeadlineExceededError):
            revoker.revoke(HUAWEI_CA)
    assert spent["seconds"] < DEADLINE + SLACK


def test_a_rate_limit_wait_past_the_deadline_fails_at_once_having_sent_nothing() -> None:
    ok = hostile.json_answer({"RequestId": "REQ-OK"})
    with hostile.hostile(ok) as server:
        revoker = alibaba(server.url, rate_limit=0.1, deadline=2.0)  # one slot per 10 s
        revoker.revoke(ALIBABA_CA)
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError) as info:
            revoker.revoke(ALIBABA_CA)
        waited = time.monotonic() - started
        assert len(server.requests) == 1
    assert not info.value.may_have_been_sent
    assert waited < 1.0  # refused up front, not after sleeping toward the slot


async def test_slots_of_cancelled_calls_delay_nobody() -> None:
    ok = hostile.json_answer({"RequestId": "REQ-OK"})
    account = f"AKID{uuid.uuid4().hex[:12]}"
    with hostile.hostile(ok) as server:
        settings = _settings(rate_limit=10)
        async with AsyncAlibabaRevoker(
            access_key_id=account, access_key_secret=SECRET, endpoint=server.url,
            settings=settings,
        ) as revoker:  # fmt: skip
            tasks = [asyncio.create_task(revoker.revoke(ALIBABA_CA)) for _ in range(50)]
            await asyncio.sleep(0.15)  # the first one or two are sent; the rest wait for slots
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            sent = len(server.requests)
    # 50 slots were taken at 10 per second: 5 s of schedule. Given back, the next is now.
    reservation = shared_limiter("alibaba", account, 10).reserve()
    assert reservation is not None
    assert sent <= 3
    assert reservation.wait < 2 / 10  # one slot away at most, not the 5 s of cancelled ones


def _endless_pages(same_page: bool) -> Behaviour:
    """Huawei list pages that never end: a fresh CA on each (or the same page each time)."""
    served = [0]

    def behaviour(conn: Conn, request: Request) -> bool:
        served[0] += 1
        n = 0 if same_page else served[0]
        record = {"ca_id": f"{n:08x}-0123-4567-89ab-0123456789ab", "status": "ACTIVED"}
        body = {"total": 10**9, "certificate_authorities": [record]}
        conn.answer(200, json.dumps(body).encode(), {"Content-Type": "application/json"})
        return True

    return behaviour


def test_a_listing_that_never_ends_stops_at_max_pages() -> None:
    with hostile.hostile(_endless_pages(same_page=False)) as server:
        revoker = huawei(server.url, max_pages=40)
        seen: list[str] = []
        listing = revoker.list(page_size=1)
        with pytest.raises(UnexpectedResponseError, match="max_pages"):
            seen.extend(ca.id for ca in listing)
        assert len(server.requests) == 40
    assert len(seen) == 40 and len(set(seen)) == 40


def test_a_listing_that_makes_no_progress_stops_at_once() -> None:
    with hostile.hostile(_endless_pages(same_page=True)) as server:
        with pytest.raises(UnexpectedResponseError, match="nothing new"):
            list(huawei(server.url).list(page_size=1))
        assert len(server.requests) == 2


def test_the_cli_list_against_an_endless_listing_ends() -> None:
    from click.testing import CliRunner

    from causdk.cli import _commands

    with hostile.hostile(_endless_pages(same_page=False)) as server:
        env = {"CAUSDK_HUAWEI_ENDPOINT": server.url, "CAUSDK_HUAWEI_AUTH_TOKEN": TOKEN}
        result = CliRunner().invoke(_commands.cli, ["list", "huawei"], env=env)
        requests = len(server.requests)
    assert result.exit_code == 1
    assert "max_pages" in result.output
    assert requests == 1000  # the default cap: 50,000 CAs at 50 a page


def _huawei_revoke(kind: str, url: str) -> object:
    with runners.huawei(kind, token=TOKEN, endpoint=url, settings=_settings()) as revoker:
        return revoker.revoke(HUAWEI_CA)


def _alibaba_get(kind: str, url: str) -> object:
    key = f"AKID{uuid.uuid4().hex[:12]}"
    with runners.alibaba(kind, access_key_id=key, access_key_secret=SECRET, endpoint=url,
                         settings=_settings()) as revoker:  # fmt: skip
        return revoker.get(ALIBABA_CA)


ASYNC_CALLS: dict[str, Callable[[str, str], object]] = {
    "huawei revoke": _huawei_revoke,
    "alibaba get": _alibaba_get,
}


@pytest.mark.parametrize("kind", ["httpx", "aiohttp"])
@pytest.mark.parametrize("liar", LIARS, ids=list(LIARS))
@pytest.mark.parametrize("call", ASYNC_CALLS, ids=list(ASYNC_CALLS))
def test_a_lying_server_never_gives_a_success_on_any_async_runner(
    call: str, liar: str, kind: str
) -> None:
    """The same liars, the same verdicts, bounds of time and memory, on each async runner."""
    with (
        hostile.hostile(LIARS[liar]) as server,
        bounded() as spent,
        pytest.raises(CausdkError) as info,
    ):
        ASYNC_CALLS[call](kind, server.url)
    assert isinstance(info.value, UnexpectedResponseError | DeadlineExceededError)
    assert spent["seconds"] < DEADLINE + SLACK
    assert spent["peak"] < MEMORY_CAP
