"""Huawei Cloud Certificate Manager (CCM), private CA."""

from causdk.providers.huawei.adapter import CAPABILITIES, HuaweiAdapter, revoke_body
from causdk.providers.huawei.auth import (
    AkSkAuth,
    HuaweiAuth,
    IamPasswordAuth,
    RequestSigner,
    TokenAuth,
)
from causdk.providers.huawei.client import AsyncHuaweiRevoker, HuaweiRevoker, build_adapter
from causdk.providers.huawei.config import endpoint_for

__all__ = [
    "CAPABILITIES",
    "AkSkAuth",
    "AsyncHuaweiRevoker",
    "HuaweiAdapter",
    "HuaweiAuth",
    "HuaweiRevoker",
    "IamPasswordAuth",
    "RequestSigner",
    "TokenAuth",
    "build_adapter",
    "endpoint_for",
    "revoke_body",
]
