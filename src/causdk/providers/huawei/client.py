"""``HuaweiRevoker`` and ``AsyncHuaweiRevoker``: the shells, configured for Huawei Cloud CCM."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TypedDict

from typing_extensions import Unpack

from causdk._agent import user_agent
from causdk._config import insecure_http_allowed
from causdk.client import AsyncCARevoker, CARevoker, ShellOptions, open_shell
from causdk.providers.huawei.adapter import HuaweiAdapter
from causdk.providers.huawei.auth import HuaweiAuth
from causdk.providers.huawei.config import resolve_auth, resolve_endpoints
from causdk.settings import ClientSettings

__all__ = ["AsyncHuaweiRevoker", "HuaweiOptions", "HuaweiRevoker", "build_adapter"]


class HuaweiOptions(TypedDict, total=False):
    """How to reach and authenticate to Huawei Cloud; every key is optional."""

    auth: HuaweiAuth
    token: str
    access_key: str
    secret_key: str
    domain_id: str
    security_token: str
    iam_user: str
    iam_password: str
    iam_domain: str
    project_id: str
    region: str
    endpoint: str
    iam_endpoint: str
    idp_id: str
    """With ``id_token_file``: keys IAM issues for an OIDC ID token (federation)."""
    id_token_file: str
    metadata_url: str
    """The ECS instance metadata's base URL (tests); also ``CAUSDK_HUAWEI_METADATA_URL``."""


def build_adapter(
    *,
    settings: ClientSettings | None = None,
    env: Mapping[str, str] | None = None,
    **options: Unpack[HuaweiOptions],
) -> HuaweiAdapter:
    """A HuaweiAdapter from explicit options, then the environment (see the README)."""
    env = os.environ if env is None else env
    settings = settings or ClientSettings()
    agent = user_agent(settings)
    ccm, iam, region = resolve_endpoints(
        options.get("region"),
        options.get("endpoint"),
        options.get("iam_endpoint"),
        env,
        allow_insecure_http=settings.allow_insecure_http,
    )
    resolved = resolve_auth(
        auth=options.get("auth"),
        token=options.get("token"),
        access_key=options.get("access_key"),
        secret_key=options.get("secret_key"),
        domain_id=options.get("domain_id"),
        security_token=options.get("security_token"),
        iam_user=options.get("iam_user"),
        iam_password=options.get("iam_password"),
        iam_domain=options.get("iam_domain"),
        project_id=options.get("project_id"),
        region=region,
        iam_endpoint=iam,
        user_agent=agent,
        env=env,
        idp_id=options.get("idp_id"),
        id_token_file=options.get("id_token_file"),
        metadata_url=options.get("metadata_url"),
        allow_insecure_http=insecure_http_allowed(settings.allow_insecure_http, env),
    )
    return HuaweiAdapter(resolved, endpoint=ccm, user_agent=agent, region=region)


class HuaweiRevokerOptions(HuaweiOptions, ShellOptions, total=False):
    """Every keyword option of ``HuaweiRevoker`` and ``AsyncHuaweiRevoker``."""


class _HuaweiInit:
    """The one constructor both Huawei shells share."""

    def __init__(self, **options: Unpack[HuaweiRevokerOptions]) -> None:
        open_shell(self, build_adapter, options)  # type: ignore[arg-type]


class HuaweiRevoker(_HuaweiInit, CARevoker):
    """Revoke Huawei Cloud CCM private CAs (subordinate CAs only), with blocking calls.

    Authenticate with one of: ``token`` (an X-Auth-Token), ``access_key``/``secret_key``
    (AK/SK signing; ``domain_id`` is looked up through IAM when not given), ``idp_id``/
    ``id_token_file`` (federation), ``iam_user``/``iam_password``/``iam_domain`` (a token IAM
    issues and causdk refreshes), or your own ``auth``
    (:class:`causdk.providers.huawei.HuaweiAuth`).
    Without any, the official SDK's chain is followed: the environment, the profile file, the
    ECS instance's metadata (see the README). ``region`` picks the endpoint; ``endpoint``
    overrides it.
    """


class AsyncHuaweiRevoker(_HuaweiInit, AsyncCARevoker):
    """Revoke Huawei Cloud CCM private CAs with asyncio; see :class:`HuaweiRevoker`."""
