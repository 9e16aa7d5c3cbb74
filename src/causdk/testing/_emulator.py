"""The local emulator of both clouds: what users point causdk (or the official SDKs) at."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from causdk.testing._alibaba import AlibabaApi
from causdk.testing._alibaba import throttled as alibaba_throttled
from causdk.testing._http import HttpRequest, HttpResponse, HttpServer
from causdk.testing._huawei import HuaweiApi
from causdk.testing._huawei import throttled as huawei_throttled
from causdk.testing._platform import (
    ECS_ROLE_NAME,
    HUAWEI_IDP_ID,
    OIDC_PROVIDER_ARN,
    ROLE_ARN,
    PlatformServices,
)
from causdk.testing._state import (
    Cloud,
    EmulatedCA,
    EmulatorState,
    Fault,
    Kind,
    LoggedRequest,
    StateChange,
)

_HTML = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"


@dataclass(frozen=True)
class EmulatorCredentials:
    """The credentials the emulator accepts (none of them is a secret anywhere else)."""

    alibaba_access_key_id: str = "emulator-ak"
    alibaba_access_key_secret: str = "emulator-secret"  # noqa: S105 - a fixture value
    alibaba_sts_access_key_id: str = "STS.emulator-ak"
    alibaba_sts_secret: str = "emulator-sts-secret"  # noqa: S105
    alibaba_sts_token: str = "emulator-sts-token"  # noqa: S105
    huawei_token: str = "emulator-huawei-token"  # noqa: S105
    huawei_access_key: str = "EMULATORAK"
    huawei_secret_key: str = "emulator-sk"  # noqa: S105
    huawei_domain_id: str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
    huawei_domain_name: str = "emulator-domain"
    huawei_user: str = "emulator-user"
    huawei_password: str = "emulator-password"  # noqa: S105
    alibaba_oidc_token: str = "emulator-oidc-token-eyJhbGciOiJSUzI1NiJ9"  # noqa: S105
    huawei_id_token: str = "emulator-id-token-eyJhbGciOiJSUzI1NiJ9"  # noqa: S105


class Emulator:
    """A stand-in for Alibaba Cloud CAS and Huawei Cloud CCM on 127.0.0.1, over real HTTP.

    Use it as a context manager (sync or async)::

        with Emulator() as emu:
            revoker = AlibabaRevoker(**emu.alibaba_options())

    ``rate_limit`` is Alibaba's 10 requests per second per AccessKeyId (None lifts it);
    ``huawei_rate_limit`` throttles Huawei with 429 (off by default). The seed makes a few
    root and subordinate CAs per cloud; ``seed=False`` starts empty.

    It also serves what platforms hand out, for testing role credentials and their rotation:
    Alibaba STS (``AssumeRole``, ``AssumeRoleWithOIDC``), both clouds' ECS instance metadata
    (with IMDSv2 session tokens), a credentials URI, and Huawei IAM federation. What they issue
    lasts ``credential_ttl`` seconds; :meth:`alibaba_env` and :meth:`huawei_env` give the
    environment that points each source here.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        rate_limit: float | None = 10,
        huawei_rate_limit: float | None = None,
        seed: bool = True,
        credentials: EmulatorCredentials | None = None,
        random_seed: int = 2026,
        credential_ttl: float = 3600,
    ) -> None:
        self.credentials = creds = credentials or EmulatorCredentials()
        self.state = EmulatorState()
        self._rng = random.Random(random_seed)  # noqa: S311 - repeatable ids, not secrets
        self.alibaba = AlibabaApi(
            self.state,
            credentials={
                creds.alibaba_access_key_id: creds.alibaba_access_key_secret,
                creds.alibaba_sts_access_key_id: creds.alibaba_sts_secret,
            },
            sts_tokens={creds.alibaba_sts_access_key_id: creds.alibaba_sts_token},
            rate_limit=rate_limit,
        )
        self.huawei = HuaweiApi(
            self.state,
            tokens={creds.huawei_token},
            aksk={creds.huawei_access_key: (creds.huawei_secret_key, creds.huawei_domain_id)},
            iam_users={(creds.huawei_domain_name, creds.huawei_user): creds.huawei_password},
            rate_limit=huawei_rate_limit,
        )
        self.platform = PlatformServices(
            self.state,
            ttl=credential_ttl,
            alibaba_keys={creds.alibaba_access_key_id: creds.alibaba_access_key_secret},
            grant_alibaba=self.alibaba.grant,
            grant_huawei=self.huawei.grant,
            huawei_domain_id=creds.huawei_domain_id,
            oidc_token=creds.alibaba_oidc_token,
            id_token=creds.huawei_id_token,
        )
        self.alibaba.sts = self.platform
        self._server = HttpServer(self.handle, port=port)
        if seed:
            self.seed_defaults()

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: the endpoint of both clouds (and of IAM)."""
        return self._server.url

    def start(self) -> Emulator:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Emulator:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)

    # -- client options ---------------------------------------------------------------------------

    def alibaba_options(self, *, sts: bool = False) -> dict[str, Any]:
        """Keyword arguments for ``AlibabaRevoker`` pointed at this emulator."""
        c = self.credentials
        if sts:
            return {
                "access_key_id": c.alibaba_sts_access_key_id,
                "access_key_secret": c.alibaba_sts_secret,
                "security_token": c.alibaba_sts_token,
                "endpoint": self.url,
            }
        return {
            "access_key_id": c.alibaba_access_key_id,
            "access_key_secret": c.alibaba_access_key_secret,
            "endpoint": self.url,
        }

    def huawei_options(self, auth: str = "token") -> dict[str, Any]:
        """Keyword arguments for ``HuaweiRevoker``: ``auth`` is ``token``, ``aksk`` or ``iam``."""
        c = self.credentials
        if auth == "aksk":
            creds: dict[str, Any] = {
                "access_key": c.huawei_access_key,
                "secret_key": c.huawei_secret_key,
                "domain_id": c.huawei_domain_id,
            }
        elif auth == "iam":
            creds = {
                "iam_user": c.huawei_user,
                "iam_password": c.huawei_password,
                "iam_domain": c.huawei_domain_name,
                "iam_endpoint": self.url,
                "region": "cn-north-4",
            }
        else:
            creds = {"token": c.huawei_token}
        return {**creds, "endpoint": self.url}

    def alibaba_env(self, source: str, *, token_file: str | None = None) -> dict[str, str]:
        """Environment variables that make the default chain pick ``source`` and reach it here:
        ``oidc`` (needs ``token_file``, holding :attr:`credentials.alibaba_oidc_token`),
        ``ecs_ram_role``, ``credentials_uri`` or ``ram_role_arn`` (the latter as options:
        see :meth:`alibaba_role_options`)."""
        common = {"ALIBABA_CLOUD_CAS_ENDPOINT": self.url, "CAUSDK_ALIBABA_STS_ENDPOINT": self.url,
                  "CAUSDK_ALIBABA_METADATA_URL": self.url}  # fmt: skip
        if source == "oidc":
            if token_file is None:
                raise ValueError("the oidc source needs token_file")
            return {**common, "ALIBABA_CLOUD_ROLE_ARN": ROLE_ARN,
                    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": OIDC_PROVIDER_ARN,
                    "ALIBABA_CLOUD_OIDC_TOKEN_FILE": token_file}  # fmt: skip
        if source == "ecs_ram_role":
            return {**common, "ALIBABA_CLOUD_ECS_METADATA": ECS_ROLE_NAME}
        if source == "credentials_uri":
            uri = f"{self.url}/_emulator/credentials"
            return {**common, "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
                    "ALIBABA_CLOUD_CREDENTIALS_URI": uri}  # fmt: skip
        raise ValueError(f"unknown source {source!r}")

    def alibaba_role_options(self) -> dict[str, Any]:
        """``AlibabaRevoker`` options that assume the emulator's role with its AccessKey."""
        return {**self.alibaba_options(), "role_arn": ROLE_ARN, "sts_endpoint": self.url}

    def huawei_env(self, source: str, *, token_file: str | None = None) -> dict[str, str]:
        """Environment variables for ``ecs_metadata`` or ``federation`` (needs ``token_file``,
        holding :attr:`credentials.huawei_id_token`), pointed here."""
        common = {"CAUSDK_HUAWEI_ENDPOINT": self.url, "CAUSDK_HUAWEI_IAM_ENDPOINT": self.url,
                  "CAUSDK_HUAWEI_METADATA_URL": self.url}  # fmt: skip
        if source == "ecs_metadata":
            return common
        if source == "federation":
            if token_file is None:
                raise ValueError("the federation source needs token_file")
            return {**common, "HUAWEICLOUD_SDK_IDP_ID": HUAWEI_IDP_ID,
                    "HUAWEICLOUD_SDK_ID_TOKEN_FILE": token_file}  # fmt: skip
        raise ValueError(f"unknown source {source!r}")

    # -- state ----------------------------------------------------------------------------------

    def _new_id(self, cloud: Cloud) -> str:
        value = uuid.UUID(int=self._rng.getrandbits(128), version=4)
        return value.hex if cloud == "alibaba" else str(value)

    def add_ca(
        self,
        cloud: Cloud,
        *,
        kind: Kind = "subordinate",
        status: str | None = None,
        common_name: str | None = None,
        parent_id: str | None = None,
        ca_id: str | None = None,
    ) -> EmulatedCA:
        """Add a CA; ``kind`` is a ``CAKind`` value (``"root"`` or ``"subordinate"``, the enum
        too); ``status`` defaults to the cloud's active word (ISSUE or ACTIVED)."""
        kind = kind.lower()  # type: ignore[assignment]  # CAKind.ROOT, "ROOT": both mean root
        if kind not in ("root", "subordinate"):
            raise ValueError(f"kind must be 'root' or 'subordinate', not {kind!r}")
        active = "ISSUE" if cloud == "alibaba" else "ACTIVED"
        ca_id = ca_id or self._new_id(cloud)
        name = common_name or f"{cloud}-{kind}-{ca_id[:8]}"
        ca = EmulatedCA(cloud, ca_id, kind, status or active, name, parent_id)
        return self.state.add(ca)

    def seed_defaults(self) -> None:
        """Per cloud: one root and three active subordinates, one revoked or disabled sub."""
        for cloud, off in (("alibaba", "REVOKE"), ("huawei", "DISABLED")):
            root = self.add_ca(cloud, kind="root", common_name=f"{cloud} emulator root")  # type: ignore[arg-type]
            for n in range(3):
                self.add_ca(cloud, parent_id=root.id, common_name=f"{cloud} issuing CA {n + 1}")  # type: ignore[arg-type]
            self.add_ca(cloud, parent_id=root.id, status=off, common_name=f"{cloud} retired CA")  # type: ignore[arg-type]

    def add_subordinates(self, cloud: Cloud, count: int) -> list[str]:
        """Add ``count`` active subordinate CAs; return their ids."""
        return [self.add_ca(cloud).id for _ in range(count)]

    def cas(self, cloud: Cloud) -> list[EmulatedCA]:
        return self.state.of(cloud)

    def ca(self, cloud: Cloud, ca_id: str) -> EmulatedCA | None:
        return self.state.find(cloud, ca_id)

    @property
    def changes(self) -> list[StateChange]:
        """Every state change, in order: exactly one per CA revoked."""
        with self.state.lock:
            return list(self.state.changes)

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request answered (status 0: dropped)."""
        return list(self.state.log)

    @property
    def throttled(self) -> int:
        """How many requests the emulator throttled."""
        return sum(1 for r in self.state.log if r.code in ("Throttling.User", "APIGW.0308"))

    # -- faults ---------------------------------------------------------------------------------

    def fail_next(
        self, count: int = 1, *, status: int = 503, after: bool = False, cloud: Cloud | None = None
    ) -> None:
        """Answer the next ``count`` requests with ``status``; ``after`` applies them first."""
        self._fault(Fault("status", count, status, after, cloud))

    def drop_next(self, count: int = 1, *, after: bool = False, cloud: Cloud | None = None) -> None:
        """Close the connection on the next ``count`` requests; ``after`` applies them first."""
        self._fault(Fault("drop", count, 0, after, cloud))

    def html_next(self, count: int = 1, *, status: int = 502, cloud: Cloud | None = None) -> None:
        """Answer the next ``count`` requests with a gateway's HTML page."""
        self._fault(Fault("html", count, status, False, cloud))

    def throttle_next(self, count: int = 1, *, cloud: Cloud | None = None) -> None:
        """Throttle the next ``count`` requests (Throttling.User, or 429 APIGW.0308)."""
        self._fault(Fault("throttle", count, 0, False, cloud))

    def set_latency(self, seconds: float) -> None:
        """Delay every answer by ``seconds``."""
        self.state.latency = seconds

    def _fault(self, fault: Fault) -> None:
        with self.state.lock:
            self.state.faults.append(fault)

    # -- dispatch ---------------------------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        """Counts: requests answered, throttled answers, state changes."""
        return {
            "requests": len(self.state.log),
            "throttled": self.throttled,
            "changes": len(self.state.changes),
        }

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request (called on the server's thread)."""
        if request.path == "/_emulator/stats":  # for tools in another process (benchmarks)
            body = json.dumps(self.stats()).encode()
            return HttpResponse(200, body, [("content-type", "application/json")])
        huawei = ("/v1/", "/v3/", "/v3.0/", "/openstack/", "/meta-data/")
        cloud: Cloud = "huawei" if request.path.startswith(huawei) else "alibaba"
        fault = self.state.take_fault(cloud)
        if fault is not None and not fault.after:
            response = self._faulty(fault, cloud)
            code = "Throttling.User" if fault.kind == "throttle" and cloud == "alibaba" else None
            self.state.record(
                LoggedRequest(cloud, "fault:" + fault.kind, response.status, code=code)
            )
        else:
            response = self._answer(request, cloud)
            if fault is not None:
                response = self._faulty(fault, cloud)
        response.delay = self.state.latency
        return response

    def _answer(self, request: HttpRequest, cloud: Cloud) -> HttpResponse:
        path = request.path
        if path.startswith("/latest/"):
            return self.platform.alibaba_metadata(request)
        if path == "/_emulator/credentials":
            return self.platform.credentials_uri()
        if path.startswith(("/openstack/", "/meta-data/")):
            return self.platform.huawei_metadata(request)
        if path.startswith("/v3.0/") and request.method == "POST":
            return self.platform.huawei_federation(request)
        api = self.huawei if cloud == "huawei" else self.alibaba
        return api.handle(request)

    @staticmethod
    def _faulty(fault: Fault, cloud: Cloud) -> HttpResponse:
        request_id = uuid.uuid4().hex
        if fault.kind == "drop":
            return HttpResponse(0, drop=True)
        if fault.kind == "html":
            return HttpResponse(fault.status, _HTML, [("content-type", "text/html")])
        if fault.kind == "throttle":
            return (
                huawei_throttled(request_id) if cloud == "huawei" else alibaba_throttled(request_id)
            )
        if cloud == "huawei":
            body = b'{"error_code":"PCA.00010001","error_msg":"Internal server error."}'
        else:
            body = (
                b'{"RequestId":"%s","Code":"ServiceUnavailable",'
                b'"Message":"The request has failed due to a temporary failure of the server."}'
                % request_id.encode()
            )
        return HttpResponse(fault.status, body, [("content-type", "application/json")])
