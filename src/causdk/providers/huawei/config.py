"""Huawei endpoints and the credential chain.

Credentials, first match wins:

1. arguments: an ``auth`` object; a token; AK/SK; an IdP id and ID token file; an IAM user and
   password;
2. ``CAUSDK_HUAWEI_AUTH_TOKEN``;
3. the official SDK's environment: ``HUAWEICLOUD_SDK_IDP_ID`` + ``HUAWEICLOUD_SDK_ID_TOKEN_FILE``
   (federation; wins over AK/SK, as in the official SDK), else ``HUAWEICLOUD_SDK_AK`` / ``_SK``
   (+ ``_SECURITY_TOKEN``, ``_DOMAIN_ID``);
4. the official profile file, ``HUAWEICLOUD_SDK_CREDENTIALS_FILE`` or
   ``~/.huaweicloud/credentials``: its ``[globalcredentials]`` section (what the official default
   chain reads), else ``[global]`` (what its documentation shows);
5. ``CAUSDK_HUAWEI_IAM_USER`` / ``_PASSWORD`` / ``_DOMAIN`` (a token IAM issues);
6. the ECS instance's agency keys from instance metadata (off with
   ``CAUSDK_HUAWEI_METADATA_DISABLED=true``).

Without a domain id, AK/SK credentials look it up through IAM once, at the first call.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

from causdk._auth import RefreshingAuth, source_failure
from causdk._config import (
    check_endpoint,
    check_region,
    env_true,
    first_env,
    insecure_http_allowed,
    read_ini,
    tried,
)
from causdk._config import metadata_url as metadata_address
from causdk.errors import CausdkError, ConfigurationError, DeadlineExceededError
from causdk.providers.huawei.auth import (
    DEFAULT_IAM_ENDPOINT,
    AkSkAuth,
    HuaweiAuth,
    IamPasswordAuth,
    RequestSigner,
    TokenAuth,
)
from causdk.providers.huawei.errors import PROVIDER
from causdk.providers.huawei.sources import (
    METADATA_URL,
    METADATA_URL_ENV,
    FederatedKeys,
    MetadataKeys,
)

# The official SDK's table (huaweicloudsdkccm/v1/region/ccm_region.py).
KNOWN_ENDPOINTS = {
    "cn-north-4": "https://ccm.cn-north-4.myhuaweicloud.com",
    "ap-southeast-3": "https://ccm.ap-southeast-3.myhuaweicloud.com",
    "eu-west-101": "https://ccm.eu-west-101.myhuaweicloud.com",
    "ru-moscow-1": "https://ccm.ru-moscow-1.myhuaweicloud.com",
    "my-kualalumpur-1": "https://ccm.my-kualalumpur-1.myhuaweicloud.com",
    "sa-brazil-1": "https://ccm.myhuaweicloud.com",
}


def endpoint_for(region: str) -> str:
    """The CCM endpoint of ``region``; a region the table lacks follows its pattern
    (``ccm.<region>.myhuaweicloud.com``) rather than being refused."""
    check_region(region)
    return KNOWN_ENDPOINTS.get(region, f"https://ccm.{region}.myhuaweicloud.com")


def iam_endpoint_for(region: str) -> str:
    return f"https://iam.{check_region(region)}.myhuaweicloud.com"


def _official_iam(env: Mapping[str, str]) -> str | None:
    return _env(env, "CAUSDK_HUAWEI_IAM_ENDPOINT") or _env(env, "HUAWEICLOUD_SDK_IAM_ENDPOINT")


def resolve_endpoints(
    region: str | None,
    endpoint: str | None,
    iam_endpoint: str | None,
    env: Mapping[str, str],
    *,
    allow_insecure_http: bool = False,
) -> tuple[str, str | None, str | None]:
    """(CCM endpoint, IAM endpoint or None, region or None)."""
    allow = insecure_http_allowed(allow_insecure_http, env)
    region = region or _env(env, "HUAWEICLOUD_SDK_REGION")
    endpoint = endpoint or _env(env, "CAUSDK_HUAWEI_ENDPOINT")
    iam_endpoint = iam_endpoint or _official_iam(env)
    if endpoint:
        ccm = check_endpoint(endpoint, allow_insecure_http=allow)
    elif region:
        ccm = endpoint_for(region)
    else:
        raise ConfigurationError(
            "no Huawei region or endpoint: give a region (region=, --region; e.g. 'cn-north-4') "
            "or an endpoint (endpoint=, --endpoint), or set HUAWEICLOUD_SDK_REGION or "
            "CAUSDK_HUAWEI_ENDPOINT"
        )
    if iam_endpoint:
        iam: str | None = check_endpoint(iam_endpoint, allow_insecure_http=allow)
    else:
        iam = iam_endpoint_for(region) if region else None
    return ccm, iam, region


def _env(env: Mapping[str, str], name: str) -> str | None:
    found = first_env(env, name)
    return found[1] if found else None


class _Context(NamedTuple):
    env: Mapping[str, str]
    region: str | None
    iam_endpoint: str | None
    metadata_url: str
    user_agent: str

    def iam(self, override: str | None = None, *, allow_insecure_http: bool = False) -> str:
        if override:
            return check_endpoint(override, allow_insecure_http=allow_insecure_http)
        return self.iam_endpoint or DEFAULT_IAM_ENDPOINT


def _keys(
    ctx: _Context,
    source: str,
    access_key: str,
    secret_key: str,
    *,
    domain_id: str | None,
    security_token: str | None = None,
    iam_endpoint: str | None = None,
) -> AkSkAuth:
    return AkSkAuth(
        access_key, secret_key, domain_id=domain_id, security_token=security_token,
        iam_endpoint=iam_endpoint or ctx.iam(), source=source, user_agent=ctx.user_agent,
    )  # fmt: skip


def _federated(
    ctx: _Context,
    source: str,
    idp_id: str,
    id_token_file: str,
    domain_id: str | None,
    iam_endpoint: str | None = None,
) -> HuaweiAuth:
    keys = FederatedKeys(
        idp_id=idp_id, id_token_file=id_token_file, domain_id=domain_id,
        iam_endpoint=iam_endpoint or ctx.iam(), user_agent=ctx.user_agent, name=source,
    )  # fmt: skip
    return RefreshingHuaweiAuth(keys, refresh_margin=REFRESH_MARGIN)


class RefreshingHuaweiAuth(RefreshingAuth[RequestSigner], HuaweiAuth):
    """Huawei credentials from a source that fetches them (metadata, federation)."""


REFRESH_MARGIN = timedelta(minutes=40)
"""As the official SDK: temporary keys are renewed when less than 40 minutes remain (at most a
quarter of their lifetime ahead)."""
PROFILE_SECTIONS = ("globalcredentials", "global")


def _from_profile(ctx: _Context, steps: list[str]) -> HuaweiAuth | None:
    override = _env(ctx.env, "HUAWEICLOUD_SDK_CREDENTIALS_FILE")
    path = Path(override).expanduser() if override else Path.home() / ".huaweicloud" / "credentials"
    if not path.exists():
        steps.append(f"{path}: no such file")
        return None
    parser = read_ini(path, inline_comments=False)
    section = next((s for s in PROFILE_SECTIONS if parser.has_section(s)), None)
    if section is None:
        steps.append(f"{path}: no [globalcredentials] or [global] section")
        return None
    values = parser[section]
    where = f"profile:{path}[{section}]"
    iam = ctx.iam(values.get("iam_endpoint"), allow_insecure_http=False) if values.get(
        "iam_endpoint") else None  # fmt: skip
    domain_id = values.get("domain_id") or None
    if values.get("idp_id") and values.get("id_token_file"):
        return _federated(ctx, f"{where}/idp_federation", values["idp_id"],
                          values["id_token_file"], domain_id, iam)  # fmt: skip
    ak, sk = values.get("ak"), values.get("sk")
    if not (ak and sk):
        raise ConfigurationError(f"{where}: give ak and sk, or idp_id and id_token_file")
    return _keys(ctx, where, ak, sk, domain_id=domain_id,
                 security_token=values.get("security_token") or None, iam_endpoint=iam)  # fmt: skip


def resolve_auth(
    *,
    auth: HuaweiAuth | None,
    token: str | None,
    access_key: str | None,
    secret_key: str | None,
    domain_id: str | None,
    security_token: str | None,
    iam_user: str | None,
    iam_password: str | None,
    iam_domain: str | None,
    project_id: str | None,
    region: str | None,
    iam_endpoint: str | None,
    user_agent: str,
    env: Mapping[str, str],
    idp_id: str | None = None,
    id_token_file: str | None = None,
    metadata_url: str | None = None,
    allow_insecure_http: bool = False,
) -> HuaweiAuth:
    """The first way to authenticate that is configured; ConfigurationError lists the rest."""
    if auth is not None:
        return auth
    address = metadata_address(
        metadata_url, env, METADATA_URL_ENV, METADATA_URL, allow_insecure_http
    )
    ctx = _Context(env, region, iam_endpoint, address, user_agent)
    domain_id = domain_id or _env(env, "HUAWEICLOUD_SDK_DOMAIN_ID")
    if token:
        return TokenAuth(token, source="explicit")
    if access_key or secret_key:
        if not (access_key and secret_key):
            raise ConfigurationError("give both access_key and secret_key, or neither")
        return _keys(ctx, "explicit", access_key, secret_key, domain_id=domain_id,
                     security_token=security_token)  # fmt: skip
    if idp_id or id_token_file:
        if not (idp_id and id_token_file):
            raise ConfigurationError("give both idp_id and id_token_file, or neither")
        return _federated(ctx, "explicit/idp_federation", idp_id, id_token_file, domain_id)
    project_id = project_id or _env(env, "HUAWEICLOUD_SDK_PROJECT_ID")
    if iam_user or iam_password:
        return _iam(
            iam_user, iam_password, iam_domain, project_id, region, iam_endpoint, user_agent
        )
    steps = ["arguments: no auth, token, access_key, idp_id or iam_user given"]
    if _env(env, "HUAWEICLOUD_OIDC_PROVIDER_URN"):
        raise ConfigurationError(
            "HUAWEICLOUD_OIDC_PROVIDER_URN is set, and the official SDK would take credentials "
            "from OIDC STS (assume-with-oidc), which causdk does not support yet; use "
            "HUAWEICLOUD_SDK_IDP_ID and HUAWEICLOUD_SDK_ID_TOKEN_FILE, or unset it"
        )

    env_token = _env(env, "CAUSDK_HUAWEI_AUTH_TOKEN")
    if env_token:
        return TokenAuth(env_token, source="env:CAUSDK_HUAWEI_AUTH_TOKEN")
    steps.append("CAUSDK_HUAWEI_AUTH_TOKEN: not set")

    env_idp, env_file = (
        _env(env, "HUAWEICLOUD_SDK_IDP_ID"),
        _env(env, "HUAWEICLOUD_SDK_ID_TOKEN_FILE"),
    )
    if env_idp and env_file:
        return _federated(ctx, "env/idp_federation", env_idp, env_file, domain_id)
    ak, sk = _env(env, "HUAWEICLOUD_SDK_AK"), _env(env, "HUAWEICLOUD_SDK_SK")
    if ak and sk:
        return _keys(ctx, "env", ak, sk, domain_id=domain_id,
                     security_token=_env(env, "HUAWEICLOUD_SDK_SECURITY_TOKEN"))  # fmt: skip
    steps.append("HUAWEICLOUD_SDK_AK/_SK and HUAWEICLOUD_SDK_IDP_ID/_ID_TOKEN_FILE: not set")

    found = _from_profile(ctx, steps)
    if found is not None:
        return found

    user, password = _env(env, "CAUSDK_HUAWEI_IAM_USER"), _env(env, "CAUSDK_HUAWEI_IAM_PASSWORD")
    if user and password:
        domain = iam_domain or _env(env, "CAUSDK_HUAWEI_IAM_DOMAIN")
        return _iam(user, password, domain, project_id, region, iam_endpoint, user_agent)
    steps.append("CAUSDK_HUAWEI_IAM_USER / CAUSDK_HUAWEI_IAM_PASSWORD: not set")

    if env_true(env, "CAUSDK_HUAWEI_METADATA_DISABLED"):
        steps.append("ECS metadata: CAUSDK_HUAWEI_METADATA_DISABLED=true")
        raise ConfigurationError("no Huawei Cloud credentials found. Tried: " + tried(steps))
    keys = MetadataKeys(base_url=ctx.metadata_url, domain_id=domain_id,
                        iam_endpoint=ctx.iam(), user_agent=user_agent)  # fmt: skip
    convert = source_failure(PROVIDER, keys.name, "credentials")

    def failure(error: CausdkError) -> CausdkError:
        # Reached only because nothing else was configured: say what was tried. Off ECS the
        # metadata address may not answer, or something else may (a gateway's 404).
        if not isinstance(error, DeadlineExceededError):
            return ConfigurationError(
                "no Huawei Cloud credentials found. Tried: " + tried(steps)
                + f"; ECS instance metadata ({ctx.metadata_url}): {error.message}"
            )  # fmt: skip
        return convert(error)

    auth_ = RefreshingHuaweiAuth(keys, refresh_margin=REFRESH_MARGIN, failure_error=failure)
    return auth_


def _iam(
    user: str | None,
    password: str | None,
    domain: str | None,
    project_id: str | None,
    region: str | None,
    iam_endpoint: str | None,
    user_agent: str,
) -> IamPasswordAuth:
    if not iam_endpoint:
        raise ConfigurationError("IAM password auth needs a region or an iam_endpoint")
    return IamPasswordAuth(
        user_name=user or "",
        password=password or "",
        domain_name=domain or "",
        iam_endpoint=iam_endpoint,
        project_name=region,
        project_id=project_id,
        user_agent=user_agent,
    )
