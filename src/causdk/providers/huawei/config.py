"""Huawei endpoints and the credential chain.

Credentials, first match wins: an explicit ``auth`` object; an explicit token; an explicit AK/SK;
an explicit IAM user and password; then the environment: ``CAUSDK_HUAWEI_AUTH_TOKEN``; the
official SDK's ``HUAWEICLOUD_SDK_AK`` / ``HUAWEICLOUD_SDK_SK`` / ``HUAWEICLOUD_SDK_DOMAIN_ID`` /
``HUAWEICLOUD_SDK_SECURITY_TOKEN``; ``CAUSDK_HUAWEI_IAM_USER`` / ``CAUSDK_HUAWEI_IAM_PASSWORD`` /
``CAUSDK_HUAWEI_IAM_DOMAIN`` (with ``HUAWEICLOUD_SDK_PROJECT_ID`` or the region as the scope).
"""

from __future__ import annotations

from collections.abc import Mapping

from causdk._config import check_endpoint, check_region, first_env, insecure_http_allowed, tried
from causdk.errors import ConfigurationError
from causdk.providers.huawei.auth import AkSkAuth, HuaweiAuth, IamPasswordAuth, TokenAuth

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
    iam_endpoint = iam_endpoint or _env(env, "CAUSDK_HUAWEI_IAM_ENDPOINT")
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
) -> HuaweiAuth:
    """The first way to authenticate that is fully given; ConfigurationError lists the rest."""
    if auth is not None:
        return auth
    if token:
        return TokenAuth(token)
    if access_key or secret_key:
        return AkSkAuth(
            access_key or "",
            secret_key or "",
            domain_id=domain_id or _env(env, "HUAWEICLOUD_SDK_DOMAIN_ID") or "",
            security_token=security_token,
        )
    project_id = project_id or _env(env, "HUAWEICLOUD_SDK_PROJECT_ID")
    if iam_user or iam_password:
        return _iam(
            iam_user, iam_password, iam_domain, project_id, region, iam_endpoint, user_agent
        )
    steps = ["arguments: no auth, token, access_key or iam_user given"]

    env_token = _env(env, "CAUSDK_HUAWEI_AUTH_TOKEN")
    if env_token:
        return TokenAuth(env_token)
    steps.append("CAUSDK_HUAWEI_AUTH_TOKEN: not set")

    ak, sk = _env(env, "HUAWEICLOUD_SDK_AK"), _env(env, "HUAWEICLOUD_SDK_SK")
    if ak and sk:
        env_domain = domain_id or _env(env, "HUAWEICLOUD_SDK_DOMAIN_ID")
        if not env_domain:
            raise ConfigurationError(
                "HUAWEICLOUD_SDK_AK/SK are set but HUAWEICLOUD_SDK_DOMAIN_ID is not: CCM is a "
                "global service and AK/SK calls carry the account (domain) id"
            )
        return AkSkAuth(
            ak, sk, domain_id=env_domain, security_token=_env(env, "HUAWEICLOUD_SDK_SECURITY_TOKEN")
        )
    steps.append("HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK: not set")

    user, password = _env(env, "CAUSDK_HUAWEI_IAM_USER"), _env(env, "CAUSDK_HUAWEI_IAM_PASSWORD")
    if user and password:
        domain = iam_domain or _env(env, "CAUSDK_HUAWEI_IAM_DOMAIN")
        return _iam(user, password, domain, project_id, region, iam_endpoint, user_agent)
    steps.append("CAUSDK_HUAWEI_IAM_USER / CAUSDK_HUAWEI_IAM_PASSWORD: not set")
    raise ConfigurationError("no Huawei Cloud credentials found. Tried: " + tried(steps))


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
