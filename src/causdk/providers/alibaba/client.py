"""``AlibabaRevoker`` and ``AsyncAlibabaRevoker``: the shells, configured for Alibaba Cloud."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TypedDict

from typing_extensions import Unpack

from causdk._config import check_endpoint, first_env, insecure_http_allowed
from causdk.client import AsyncCARevoker, CARevoker, ShellOptions, open_shell
from causdk.providers.alibaba.adapter import AlibabaAdapter
from causdk.providers.alibaba.credentials import AlibabaCredentials, resolve_credentials
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
    from causdk._transport import user_agent

    env = os.environ if env is None else env
    settings = settings or ClientSettings()
    credentials = options.get("credentials") or resolve_credentials(
        access_key_id=options.get("access_key_id"),
        access_key_secret=options.get("access_key_secret"),
        security_token=options.get("security_token"),
        profile=options.get("profile"),
        env=env,
        home=home,
    )
    endpoint = options.get("endpoint") or _env(env, "ALIBABA_CLOUD_CAS_ENDPOINT")
    if endpoint:
        allow = insecure_http_allowed(settings.allow_insecure_http, env)
        endpoint = check_endpoint(endpoint, allow_insecure_http=allow)
    else:
        region = options.get("region") or _env(env, "ALIBABA_CLOUD_REGION_ID") or DEFAULT_REGION
        endpoint = endpoint_for(region)
    return AlibabaAdapter(
        credentials,
        endpoint=endpoint,
        user_agent=user_agent(settings),
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

    Credentials: arguments, else the environment, the credentials file or the aliyun CLI config.
    ``region`` picks the endpoint (``cn-hangzhou`` by default); ``endpoint`` overrides it (any
    scheme, for the emulator). ``signature_version`` is ``v3`` (default) or ``v1``.
    ``account_id`` names the account when several AccessKeys share its 10 QPS limit.
    The API takes no revocation reason: one given is kept in the result and the log only.
    """


class AsyncAlibabaRevoker(_AlibabaInit, AsyncCARevoker):
    """Revoke Alibaba Cloud private CAs with asyncio; see :class:`AlibabaRevoker`."""
