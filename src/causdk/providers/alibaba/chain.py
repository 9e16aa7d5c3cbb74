"""Where Alibaba credentials come from: the official ``alibabacloud-credentials`` default chain,
in its order, with its environment variables and files.

First match wins:

1. arguments (``access_key_id``/``access_key_secret``/``security_token``, or ``credentials``),
   with ``role_arn`` to assume a role with them;
2. ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN`` (then the
   older ``ALIBABACLOUD_*`` and ``ALICLOUD_*`` names);
3. OIDC (RRSA): ``ALIBABA_CLOUD_ROLE_ARN``, ``ALIBABA_CLOUD_OIDC_PROVIDER_ARN`` and
   ``ALIBABA_CLOUD_OIDC_TOKEN_FILE`` all set;
4. the aliyun CLI's ``~/.aliyun/config.json`` (off with
   ``ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true``);
5. ``ALIBABA_CLOUD_CREDENTIALS_FILE`` or ``~/.alibabacloud/credentials.ini``;
6. the ECS instance's RAM role (off with ``ALIBABA_CLOUD_ECS_METADATA_DISABLED=true``), then
   ``ALIBABA_CLOUD_CREDENTIALS_URI``.

Nothing here does I/O but reading files: sources that fetch do so at the first call.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from causdk._auth import (
    Authorizer,
    CredentialSource,
    FirstWorking,
    RefreshingAuth,
    StaticAuth,
    bounded,
    source_failure,
)
from causdk._config import env_true, first_env, read_ini, read_text_file, tried
from causdk._config import metadata_url as metadata_address
from causdk._flow import Flow, Runtime
from causdk._redact import shown
from causdk.errors import CausdkError, ConfigurationError
from causdk.providers.alibaba.credentials import AlibabaCredentials, make_credentials
from causdk.providers.alibaba.errors import PROVIDER
from causdk.providers.alibaba.metadata import (
    METADATA_URL,
    METADATA_URL_ENV,
    CredentialsUri,
    EcsRamRole,
)
from causdk.providers.alibaba.sts import AssumeRole, AssumeRoleWithOIDC, RoleOptions, sts_endpoint

__all__ = ["ResolvedAuth", "StsSettings", "resolve_auth", "resolve_credentials"]

STS_ENDPOINT_ENV = "CAUSDK_ALIBABA_STS_ENDPOINT"
METADATA_BUDGET = 5.0
"""Seconds instance metadata gets to answer a fetch (it is on the host, or not there at all)."""

_ENV_NAMES = (
    ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
     "ALIBABA_CLOUD_SECURITY_TOKEN"),
    ("ALIBABACLOUD_ACCESS_KEY_ID", "ALIBABACLOUD_ACCESS_KEY_SECRET", "ALIBABACLOUD_SECURITY_TOKEN"),
    ("ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN"),
)  # fmt: skip
_UNSUPPORTED_MODES = ("CloudSSO", "OAuth", "External")


class ResolvedAuth(NamedTuple):
    """The credentials chosen, and the default region their profile names (if any)."""

    auth: Authorizer[AlibabaCredentials]
    region: str | None = None


class StsSettings(NamedTuple):
    """Where STS and instance metadata are, and who is asking."""

    endpoint: str | None
    region: str | None
    vpc: bool
    metadata_url: str
    allow_insecure_http: bool
    user_agent: str

    def sts(self, *, region: str | None = None, vpc: bool | None = None) -> str:
        return sts_endpoint(
            endpoint=self.endpoint,
            region=region or self.region,
            vpc=self.vpc if vpc is None else vpc,
            allow_insecure_http=self.allow_insecure_http,
        )


class _Chain:
    def __init__(self, env: Mapping[str, str], home: Path, sts: StsSettings) -> None:
        self.env = env
        self.home = home
        self.settings = sts
        self.steps: list[str] = []

    def get(self, name: str) -> str | None:
        return _env(self.env, name)

    # -- what each source becomes ------------------------------------------------------------

    def refreshing(self, source: CredentialSource[AlibabaCredentials]) -> RefreshingAuth[Any]:
        return RefreshingAuth(
            source, failure_error=source_failure(PROVIDER, source.name, "credentials")
        )

    def assume(
        self, base: Authorizer[AlibabaCredentials], role: RoleOptions, name: str, sts: str
    ) -> RefreshingAuth[Any]:
        source = AssumeRole(
            base, role, endpoint=sts, user_agent=self.settings.user_agent, name=name
        )
        return self.refreshing(source)

    def oidc(
        self, role: RoleOptions, provider_arn: str, token_file: str, name: str, sts: str
    ) -> RefreshingAuth[Any]:
        source = AssumeRoleWithOIDC(
            role, provider_arn=provider_arn, token_file=token_file, endpoint=sts,
            user_agent=self.settings.user_agent, name=name,
        )  # fmt: skip
        return self.refreshing(source)

    def ecs(
        self, role_name: str | None, name: str = "ecs_ram_role", *, implicit: bool = False
    ) -> EcsRamRole:
        source = _BoundedEcs(
            role_name=role_name,
            base_url=self.settings.metadata_url,
            imds_v1_disabled=env_true(self.env, "ALIBABA_CLOUD_IMDSV1_DISABLED"),
            user_agent=self.settings.user_agent,
        )
        source.name = name
        source.attempts = 1 if implicit else 2
        return source

    # -- the sources, in order ---------------------------------------------------------------

    def from_env(self) -> Authorizer[AlibabaCredentials] | None:
        for id_name, secret_name, token_name in _ENV_NAMES:
            key_id, secret = self.get(id_name), self.get(secret_name)
            if key_id and secret:
                creds = make_credentials(key_id, secret, self.get(token_name), "env")
                return StaticAuth(creds, source="env", account_key=key_id)
        self.steps.append("environment: ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET not set")
        return None

    def from_oidc_env(self) -> Authorizer[AlibabaCredentials] | None:
        token_file = self.get("ALIBABA_CLOUD_OIDC_TOKEN_FILE")
        role_arn = self.get("ALIBABA_CLOUD_ROLE_ARN")
        provider_arn = self.get("ALIBABA_CLOUD_OIDC_PROVIDER_ARN")
        if not (token_file and role_arn and provider_arn):
            self.steps.append(
                "OIDC: ALIBABA_CLOUD_OIDC_TOKEN_FILE/_ROLE_ARN/_OIDC_PROVIDER_ARN not all set"
            )
            return None
        role = RoleOptions(role_arn, session_name=self.get("ALIBABA_CLOUD_ROLE_SESSION_NAME"))
        return self.oidc(role, provider_arn, token_file, "oidc_role_arn", self.settings.sts())

    def from_cli_config(self, profile: str | None) -> ResolvedAuth | None:
        if env_true(self.env, "ALIBABA_CLOUD_CLI_PROFILE_DISABLED"):
            self.steps.append("aliyun CLI config: ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true")
            return None
        path = self.home / ".aliyun" / "config.json"
        if not path.exists():
            self.steps.append(f"{path}: no such file")
            return None
        try:
            config = json.loads(read_text_file(path))
            name = profile or config.get("current") or "default"
            profiles = {p.get("name"): p for p in config.get("profiles", []) if isinstance(p, dict)}
        except (ValueError, AttributeError, TypeError, RecursionError):
            raise ConfigurationError(f"{path} is not a valid aliyun CLI config.") from None
        if not isinstance(name, str):
            raise ConfigurationError(f"{path} is not a valid aliyun CLI config.")
        if name not in profiles:
            self.steps.append(f"{path}: no profile {shown(name)}")
            return None
        auth = self._cli_profile(path, profiles, name, seen=())
        region = profiles[name].get("region_id")
        return ResolvedAuth(auth, region if isinstance(region, str) and region else None)

    def _cli_profile(
        self, path: Path, profiles: dict[Any, Any], name: str, seen: tuple[str, ...]
    ) -> Authorizer[AlibabaCredentials]:
        where = f"cli_profile:{name}"
        if name in seen:
            raise ConfigurationError(f"{path}: profile {shown(name)} is its own source_profile")
        entry = profiles.get(name)
        if entry is None:
            raise ConfigurationError(f"{path}: no profile {shown(name)} (a source_profile)")
        mode = entry.get("mode") or "AK"

        def field(key: str) -> str | None:
            value = entry.get(key)
            if value is None or value == "":
                return None
            if not isinstance(value, str):
                raise ConfigurationError(f"{path}: profile {shown(name)}: {key} is not a string")
            return value

        def role(
            arn_key: str = "ram_role_arn", session_key: str = "ram_session_name"
        ) -> RoleOptions:
            duration = entry.get("expired_seconds")
            if duration is not None and not isinstance(duration, int):
                raise ConfigurationError(
                    f"{path}: profile {shown(name)}: expired_seconds is not a number"
                )
            return RoleOptions(
                field(arn_key) or "",
                session_name=field(session_key),
                duration=duration or None,
                policy=field("policy"),
                external_id=field("external_id"),
            )

        sts = self.settings.sts(
            region=field("sts_region"), vpc=bool(entry.get("enable_vpc")) or None
        )
        if mode in ("AK", "StsToken", "RamRoleArn"):
            token = field("sts_token") if mode == "StsToken" else None
            creds = make_credentials(
                field("access_key_id"), field("access_key_secret"), token, where
            )
            static = StaticAuth(creds, source=where, account_key=creds.access_key_id)
            if mode != "RamRoleArn":
                return static
            return self.assume(static, role(), f"{where}/ram_role_arn", sts)
        if mode == "ChainableRamRoleArn":
            source_name = field("source_profile")
            if not source_name:
                raise ConfigurationError(f"{path}: profile {shown(name)} has no source_profile")
            base = self._cli_profile(path, profiles, source_name, (*seen, name))
            return self.assume(base, role(), f"{where}/chainable_ram_role_arn", sts)
        if mode == "EcsRamRole":
            return self.refreshing(self.ecs(field("ram_role_name"), f"{where}/ecs_ram_role"))
        if mode == "OIDC":
            return self.oidc(
                role(session_key="role_session_name"), field("oidc_provider_arn") or "",
                field("oidc_token_file") or "", f"{where}/oidc_role_arn", sts,
            )  # fmt: skip
        supported = "AK, StsToken, RamRoleArn, ChainableRamRoleArn, EcsRamRole, OIDC"
        known = " (not supported by causdk)" if mode in _UNSUPPORTED_MODES else ""
        raise ConfigurationError(
            f"{path}: profile {shown(name)} has mode {shown(mode)}{known}; causdk reads {supported}"
        )

    def from_ini(self, section: str) -> Authorizer[AlibabaCredentials] | None:
        override = self.get("ALIBABA_CLOUD_CREDENTIALS_FILE")
        base = self.home / ".alibabacloud"
        candidates = (
            [Path(override).expanduser()]
            if override
            else [base / "credentials.ini", base / "credentials"]
        )
        for path in candidates:
            if not path.exists():
                self.steps.append(f"{path}: no such file")
                continue
            parser = read_ini(path, inline_comments=True)
            if not parser.has_section(section):
                self.steps.append(f"{path}: no [{section}] section")
                continue
            return self._ini_section(path, section, dict(parser[section]))
        return None

    def _ini_section(
        self, path: Path, section: str, values: dict[str, str]
    ) -> Authorizer[AlibabaCredentials]:
        where = f"profile:{path}[{section}]"
        kind = values.get("type", "access_key")
        sts = self.settings.sts()

        def role() -> RoleOptions:
            return RoleOptions(
                values.get("role_arn") or "",
                session_name=values.get("role_session_name"),
                policy=values.get("policy"),
            )

        if kind in ("access_key", "ram_role_arn"):
            key_id, secret = values.get("access_key_id"), values.get("access_key_secret")
            if not (key_id and secret):
                raise ConfigurationError(f"{where}: access_key_id or access_key_secret missing")
            creds = make_credentials(key_id, secret, None, where)
            static = StaticAuth(creds, source=where, account_key=key_id)
            if kind == "access_key":
                return static
            return self.assume(static, role(), f"{where}/ram_role_arn", sts)
        if kind == "oidc_role_arn":
            return self.oidc(
                role(), values.get("oidc_provider_arn") or "",
                values.get("oidc_token_file_path") or "", f"{where}/oidc_role_arn", sts,
            )  # fmt: skip
        if kind == "ecs_ram_role":
            return self.refreshing(self.ecs(values.get("role_name"), f"{where}/ecs_ram_role"))
        if kind == "credentials_uri":
            uri = values.get("credentials_uri")
            if not uri:
                raise ConfigurationError(f"{where}: credentials_uri missing")
            source = CredentialsUri(uri, user_agent=self.settings.user_agent)
            source.name = f"{where}/credential_uri"
            return self.refreshing(source)
        supported = "access_key, ram_role_arn, oidc_role_arn, ecs_ram_role, credentials_uri"
        raise ConfigurationError(f"{where}: type {shown(kind)} is not one of {supported}")

    def from_platform(self) -> Authorizer[AlibabaCredentials] | None:
        """The ECS instance's role, then the credentials URI: sources only a call can test."""
        sources: list[CredentialSource[AlibabaCredentials]] = []
        ecs_off = env_true(self.env, "ALIBABA_CLOUD_ECS_METADATA_DISABLED")
        if ecs_off:
            self.steps.append("ECS RAM role: ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
        else:
            role = self.get("ALIBABA_CLOUD_ECS_METADATA")
            sources.append(self.ecs(role, implicit=role is None))
        uri = self.get("ALIBABA_CLOUD_CREDENTIALS_URI")
        if uri:
            sources.append(CredentialsUri(uri, user_agent=self.settings.user_agent))
        else:
            self.steps.append("ALIBABA_CLOUD_CREDENTIALS_URI: not set")
        if not sources:
            return None
        source = sources[0] if len(sources) == 1 else FirstWorking(sources)
        explicit = uri or self.get("ALIBABA_CLOUD_ECS_METADATA")
        convert = source_failure(PROVIDER, source.name, "credentials")
        steps = list(self.steps)

        def failure(error: CausdkError) -> CausdkError:
            # Reached only because nothing else was configured: say what was tried. Off ECS the
            # metadata address may not answer, or something else may (a gateway's 404).
            if not explicit:
                return ConfigurationError(
                    "no Alibaba Cloud credentials found. Tried: " + tried(steps)
                    + f"; ECS instance metadata ({self.settings.metadata_url}): {error.message}"
                )  # fmt: skip
            return convert(error)

        return RefreshingAuth(source, failure_error=failure)


class _BoundedEcs(EcsRamRole):
    """Instance metadata answers at once or is not there: each fetch gets a few seconds, and
    one try per request when no setting named it (off ECS, nothing is there to retry)."""

    attempts = 2

    def fetch(self, rt: Runtime) -> Flow[Any]:
        return bounded(
            rt, METADATA_BUDGET, super().fetch, "ECS instance metadata", attempts=self.attempts
        )


def resolve_auth(
    *,
    access_key_id: str | None = None,
    access_key_secret: str | None = None,
    security_token: str | None = None,
    credentials: AlibabaCredentials | None = None,
    role_arn: str | None = None,
    role_session_name: str | None = None,
    external_id: str | None = None,
    policy: str | None = None,
    profile: str | None = None,
    sts_endpoint: str | None = None,
    metadata_url: str | None = None,
    allow_insecure_http: bool = False,
    user_agent: str = "causdk",
    env: Mapping[str, str],
    home: Path | None = None,
) -> ResolvedAuth:
    """The first source of the chain above that is configured; ConfigurationError lists what
    was tried when none is."""
    home = Path.home() if home is None else home
    sts = StsSettings(
        endpoint=sts_endpoint or _env(env, STS_ENDPOINT_ENV),
        region=_env(env, "ALIBABA_CLOUD_STS_REGION"),
        vpc=env_true(env, "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED"),
        metadata_url=metadata_address(
            metadata_url, env, METADATA_URL_ENV, METADATA_URL, allow_insecure_http
        ),
        allow_insecure_http=allow_insecure_http,
        user_agent=user_agent,
    )
    chain = _Chain(env, home, sts)
    base: Authorizer[AlibabaCredentials] | None = None
    if credentials is not None:
        base = StaticAuth(
            credentials, source=credentials.source, account_key=credentials.access_key_id
        )
    elif access_key_id or access_key_secret:
        if not (access_key_id and access_key_secret):
            raise ConfigurationError("give both access_key_id and access_key_secret, or neither")
        creds = make_credentials(access_key_id, access_key_secret, security_token, "explicit")
        base = StaticAuth(creds, source="explicit", account_key=access_key_id)
    else:
        chain.steps.append("arguments: none given")
    if role_arn:
        base = base or chain.from_env()
        if base is None:
            raise ConfigurationError(
                "role_arn needs base credentials to assume it with (arguments or "
                "ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET)"
            )
        role = RoleOptions(role_arn, session_name=role_session_name, policy=policy,
                           external_id=external_id)  # fmt: skip
        return ResolvedAuth(chain.assume(base, role, f"{base.source}/ram_role_arn", sts.sts()))
    if base is not None:
        return ResolvedAuth(base)
    found = chain.from_env() or chain.from_oidc_env()
    if found is not None:
        return ResolvedAuth(found)
    profile = profile or chain.get("ALIBABA_CLOUD_PROFILE")
    resolved = chain.from_cli_config(profile)
    if resolved is not None:
        return resolved
    found = chain.from_ini(profile or "default") or chain.from_platform()
    if found is None:
        raise ConfigurationError("no Alibaba Cloud credentials found. Tried: " + tried(chain.steps))
    return ResolvedAuth(found)


def _env(env: Mapping[str, str], name: str) -> str | None:
    found = first_env(env, name)
    return found[1] if found else None


def resolve_credentials(
    *,
    access_key_id: str | None = None,
    access_key_secret: str | None = None,
    security_token: str | None = None,
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> AlibabaCredentials:
    """The chain's credentials when they are fixed ones (arguments, environment, a file with an
    AccessKey); ConfigurationError when the chosen source fetches them (a role, metadata)."""
    import os

    resolved = resolve_auth(
        access_key_id=access_key_id,
        access_key_secret=access_key_secret,
        security_token=security_token,
        profile=profile,
        env=os.environ if env is None else env,
        home=home,
    )
    if not isinstance(resolved.auth, StaticAuth):
        raise ConfigurationError(
            f"the credentials come from {resolved.auth.source}, which fetches them when needed; "
            "use AlibabaRevoker (or resolve_auth) rather than fixed credentials"
        )
    value: AlibabaCredentials = resolved.auth.value
    return value
