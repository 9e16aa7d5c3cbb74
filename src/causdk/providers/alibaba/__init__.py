"""Alibaba Cloud Certificate Management Service, private CA (API version 2020-06-30)."""

from causdk.providers.alibaba.adapter import CAPABILITIES, AlibabaAdapter
from causdk.providers.alibaba.chain import resolve_auth, resolve_credentials
from causdk.providers.alibaba.client import AlibabaRevoker, AsyncAlibabaRevoker, build_adapter
from causdk.providers.alibaba.credentials import AlibabaCredentials
from causdk.providers.alibaba.endpoints import endpoint_for
from causdk.providers.alibaba.signing import SignatureVersion

__all__ = [
    "CAPABILITIES",
    "AlibabaAdapter",
    "AlibabaCredentials",
    "AlibabaRevoker",
    "AsyncAlibabaRevoker",
    "SignatureVersion",
    "build_adapter",
    "endpoint_for",
    "resolve_auth",
    "resolve_credentials",
]
