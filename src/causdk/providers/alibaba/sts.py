"""Alibaba STS: ``AssumeRole`` (signed with base credentials) and ``AssumeRoleWithOIDC``
(anonymous, with the OIDC token of an ACK pod), as credential sources.

Both are sent as POSTs with the parameters in a form body, not in the URL as the official
library does: the OIDC token and the base security token then stay out of URLs, which proxies and
access logs record. The V1 (HMAC-SHA1) RPC signature covers body parameters the same way.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timezone
from pathlib import Path
from typing import Any

from causdk._auth import Authorizer, CredentialSource, Issued
from causdk._config import check_endpoint, check_region, read_token_file
from causdk._flow import Attempt, Exchange, Flow, Runtime, call
from causdk._parse import parse_expiry, read_json
from causdk._wire import WireRequest, WireResponse, canonical_query, join_url
from causdk.errors import ConfigurationError
from causdk.providers.alibaba.credentials import AlibabaCredentials
from causdk.providers.alibaba.errors import PROVIDER, error_from_response, request_id_of
from causdk.providers.alibaba.signing import sign_v1
from causdk.secret import Secret

STS_VERSION = "2015-04-01"
MIN_DURATION = 900
DEFAULT_DURATION = 3600
_FORM = "application/x-www-form-urlencoded"


def sts_endpoint(
    *, endpoint: str | None, region: str | None, vpc: bool, allow_insecure_http: bool
) -> str:
    """Where STS is, as the official library chooses it: ``sts[-vpc].<region>.aliyuncs.com``
    with a region (the VPC prefix only then), else ``sts.aliyuncs.com``; an explicit endpoint
    wins (a host, or a URL: loopback may be plain HTTP, for the emulator)."""
    if endpoint:
        return check_endpoint(endpoint, allow_insecure_http=allow_insecure_http)
    if region:
        prefix = "sts-vpc" if vpc else "sts"
        return f"https://{prefix}.{check_region(region)}.aliyuncs.com"
    return "https://sts.aliyuncs.com"


def credentials_from(body: dict[str, Any], source: str) -> Issued[AlibabaCredentials]:
    """``{AccessKeyId, AccessKeySecret, SecurityToken, Expiration}`` as credentials that expire.

    The secret and token become Secrets at once, so they are scrubbed from anything printed."""
    secret, token = body["AccessKeySecret"], body["SecurityToken"]
    if not all(isinstance(v, str) and v for v in (body["AccessKeyId"], secret, token)):
        raise ValueError("an empty or non-string key, secret or token")
    credentials = AlibabaCredentials(
        access_key_id=body["AccessKeyId"],
        access_key_secret=Secret(secret, temporary=True),
        security_token=Secret(token, temporary=True),
        source=source,
    )
    return Issued(credentials, parse_expiry(body["Expiration"]))


def _parse_sts(action: str, source: str) -> Any:
    def parse(response: WireResponse) -> Issued[AlibabaCredentials]:
        if response.status_code != 200:
            raise error_from_response(action, response)
        rid = request_id_of(response)
        return read_json(
            PROVIDER, action, response, rid, lambda b: credentials_from(b["Credentials"], source)
        )

    return parse


def _timestamp(attempt: Attempt) -> str:
    return attempt.now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class RoleOptions:
    """What an assumed role's session asks for: the session name, duration and policy."""

    __slots__ = ("duration", "external_id", "policy", "role_arn", "session_name")

    def __init__(
        self,
        role_arn: str,
        *,
        session_name: str | None = None,
        duration: int | None = None,
        policy: str | None = None,
        external_id: str | None = None,
    ) -> None:
        if not role_arn or not role_arn.startswith("acs:ram::"):
            raise ConfigurationError(
                f"role ARN {role_arn!r} is not an Alibaba role ARN (acs:ram::<account>:role/<name>)"
            )
        duration = DEFAULT_DURATION if duration is None else int(duration)
        if duration < MIN_DURATION:
            raise ConfigurationError(f"a role session lasts at least {MIN_DURATION} seconds")
        self.role_arn = role_arn
        self.session_name = session_name or f"causdk-{int(time.time())}"
        self.duration = duration
        self.policy = policy or None
        self.external_id = external_id or None

    def params(self) -> dict[str, str]:
        params = {
            "Format": "JSON",
            "Version": STS_VERSION,
            "RoleArn": self.role_arn,
            "RoleSessionName": self.session_name,
            "DurationSeconds": str(self.duration),
        }
        if self.policy:
            params["Policy"] = self.policy
        return params


def _post(endpoint: str, params: dict[str, str], user_agent: str) -> WireRequest:
    url = join_url(endpoint, "/")
    headers = (("Content-Type", _FORM), ("Accept", "application/json"), ("User-Agent", user_agent))
    return WireRequest("POST", url, headers, canonical_query(params).encode())


class _RoleSession(CredentialSource[AlibabaCredentials]):
    """What both STS sources share: the role, where STS is, and the call's reading."""

    def __init__(self, role: RoleOptions, *, endpoint: str, user_agent: str, name: str) -> None:
        self.role = role
        self.endpoint = endpoint
        self.user_agent = user_agent
        self.name = name

    @property
    def account_key(self) -> str:
        return f"role:{self.role.role_arn}"

    def _call(
        self, rt: Runtime, action: str, build: Callable[[Attempt], WireRequest]
    ) -> Flow[Issued[AlibabaCredentials]]:
        exchange = Exchange(action, build, _parse_sts(action, self.name), request_id_of)
        issued: Issued[AlibabaCredentials] = yield from call(rt, exchange)
        return issued


class AssumeRole(_RoleSession):
    """STS ``AssumeRole`` with base credentials (static, or another source's: chained)."""

    def __init__(
        self,
        base: Authorizer[AlibabaCredentials],
        role: RoleOptions,
        *,
        endpoint: str,
        user_agent: str,
        name: str = "ram_role_arn",
    ) -> None:
        super().__init__(role, endpoint=endpoint, user_agent=user_agent, name=name)
        self.base = base

    def fetch(self, rt: Runtime) -> Flow[Issued[AlibabaCredentials]]:
        base: AlibabaCredentials = yield from self.base.signer(rt)
        action = "AssumeRole"

        def build(attempt: Attempt) -> WireRequest:
            params = self.role.params()
            if self.role.external_id:
                params["ExternalId"] = self.role.external_id
            params.update(
                Action=action,
                Timestamp=_timestamp(attempt),
                SignatureMethod="HMAC-SHA1",
                SignatureVersion="1.0",
                SignatureNonce=uuid.uuid4().hex,
                AccessKeyId=base.access_key_id,
            )
            if base.security_token is not None:
                params["SecurityToken"] = base.security_token.get_secret_value()
            secret = base.access_key_secret.get_secret_value()
            params["Signature"] = sign_v1("POST", params, secret)
            return _post(self.endpoint, params, self.user_agent)

        return (yield from self._call(rt, action, build))


class AssumeRoleWithOIDC(_RoleSession):
    """STS ``AssumeRoleWithOIDC`` (RRSA on ACK): anonymous; the token file is read anew at each
    fetch, since the platform rotates it."""

    def __init__(
        self,
        role: RoleOptions,
        *,
        provider_arn: str,
        token_file: str,
        endpoint: str,
        user_agent: str,
        name: str = "oidc_role_arn",
    ) -> None:
        if not provider_arn:
            raise ConfigurationError("OIDC needs the OIDC provider ARN")
        if not token_file:
            raise ConfigurationError("OIDC needs the OIDC token file")
        super().__init__(role, endpoint=endpoint, user_agent=user_agent, name=name)
        self.provider_arn = provider_arn
        self.token_file = Path(token_file).expanduser()

    def fetch(self, rt: Runtime) -> Flow[Issued[AlibabaCredentials]]:
        token = read_token_file(self.token_file, "the OIDC token file")
        action = "AssumeRoleWithOIDC"

        def build(attempt: Attempt) -> WireRequest:
            params = self.role.params()
            params.update(
                Action=action,
                Timestamp=_timestamp(attempt),
                OIDCProviderArn=self.provider_arn,
                OIDCToken=token.get_secret_value(),
            )
            return _post(self.endpoint, params, self.user_agent)

        return (yield from self._call(rt, action, build))
