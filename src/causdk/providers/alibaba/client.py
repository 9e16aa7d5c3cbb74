"""``AlibabaRevoker`` and ``AsyncAlibabaRevoker``: the shells, configured for Alibaba Cloud."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TypedDict

from typing_extensions import Unpack

from causdk._agent import user_agent
from causdk._config import check_endpoint, first_env, insecure_http_allowed
from causdk.client import AsyncCARevoker, CARevoker, ShellOptions, open_shell
from causdk.providers.alibaba.adapter import AlibabaAdapter
from causdk.providers.alibaba.chain import resolve_auth
from causdk.providers.alibaba.credentials import AlibabaCredentials
from causdk.providers.alibaba.endpoints import DEFAULT_REGION, endpoint_for
from causdk.providers.alibaba.signing import SignatureVersion
from causdk.settings import ClientSettings

__all__ = ["AlibabaOptions", "AlibabaRevoker", "AsyncAlibabaRevoker", "build_adapter"]


class AlibabaOptions(TypedDict, total=False):
    """How to reach and authenticate to Alibaba Cloud; every key is optional."""

    access_key_id: str
    access_key_secret: str
    security_token: str
    credentials: AlibabaCredentials
    profile: str
    region: str
    endpoint: str
    signature_version: SignatureVersion | str
    account_id: str
    role_arn: str
    """Assume this RAM role (STS AssumeRole) with the credentials given or found."""
    role_session_name: str
    external_id: str
    policy: str
    sts_endpoint: str
    """STS's endpoint (a host or URL); also ``CAUSDK_ALIBABA_STS_ENDPOINT``."""
    metadata_url: str
    """The ECS instance metadata's base URL (tests); also ``CAUSDK_ALIBABA_METADATA_URL``."""


def build_adapter(
    *,
    settings: ClientSettings | None = None,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    **options: Unpack[AlibabaOptions],
) -> AlibabaAdapter:
    """An AlibabaAdapter from explicit options, then the environment (see the README).

    ``endpoint`` (or ``ALIBABA_CLOUD_CAS_ENDPOINT``) wins over ``region`` (or
    ``ALIBABA_CLOUD_REGION_ID``, default ``cn-hangzhou``).
    """
    env = os.environ if env is None else env
    settings = settings or ClientSettings()
    allow = insecure_http_allowed(settings.allow_insecure_http, env)
    agent = user_agent(settings)
    resolved = resolve_auth(
        access_key_id=options.get("access_key_id"),
        access_key_secret=options.get("access_key_secret"),
        security_token=options.get("security_token"),
        credentials=options.get("credentials"),
        role_arn=options.get("role_arn"),
        role_session_name=options.get("role_session_name"),
        external_id=options.get("external_id"),
        policy=options.get("policy"),
        profile=options.get("profile"),
        sts_endpoint=options.get("sts_endpoint"),
        metadata_url=options.get("metadata_url"),
        allow_insecure_http=allow,
        user_agent=agent,
        env=env,
        home=home,
    )
    region = (
        options.get("region")
        or _env(env, "ALIBABA_CLOUD_REGION_ID")
        or resolved.region
        or DEFAULT_REGION
    )
    endpoint = options.get("endpoint") or _env(env, "ALIBABA_CLOUD_CAS_ENDPOINT")
    if endpoint:
        endpoint = check_endpoint(endpoint, allow_insecure_http=allow)
    else:
        endpoint = endpoint_for(region)
    return AlibabaAdapter(
        resolved.auth,
        region=region,
        endpoint=endpoint,
        user_agent=agent,
        signature_version=SignatureVersion(options.get("signature_version", SignatureVersion.V3)),
        account_id=options.get("account_id") or _env(env, "ALIBABA_CLOUD_ACCOUNT_ID"),
    )


def _env(env: Mapping[str, str], name: str) -> str | None:
    found = first_env(env, name)
    return found[1] if found else None


class AlibabaRevokerOptions(AlibabaOptions, ShellOptions, total=False):
    """Every keyword option of ``AlibabaRevoker`` and ``AsyncAlibabaRevoker``."""


class _AlibabaInit:
    """The one constructor both Alibaba shells share."""

    def __init__(self, **options: Unpack[AlibabaRevokerOptions]) -> None:
        open_shell(self, build_adapter, options)  # type: ignore[arg-type]


class AlibabaRevoker(_AlibabaInit, CARevoker):
    """Revoke Alibaba Cloud private CAs (CAS 2020-06-30), with blocking calls.

    Credentials: arguments, else the official default chain: the environment, OIDC (RRSA), the
    aliyun CLI config, the credentials file, the ECS instance's RAM role, a credentials URI
    (see the README). Temporary credentials are refreshed before they expire.
    ``region`` picks the endpoint (``cn-hangzhou`` by default); ``endpoint`` overrides it (any
    scheme, for the emulator). ``signature_version`` is ``v3`` (default) or ``v1``.
    ``account_id`` names the account when several AccessKeys share its 10 QPS limit.
    The API takes no revocation reason: one given is kept in the result and the log only.
    """


class AsyncAlibabaRevoker(_AlibabaInit, AsyncCARevoker):
    """Revoke Alibaba Cloud private CAs with asyncio; see :class:`AlibabaRevoker`."""
