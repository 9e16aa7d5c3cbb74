"""Where Alibaba's private CA API lives, by region, as Alibaba's "Endpoints" doc gives it.

The official SDK sends every region in its table to ``cas.aliyuncs.com``, even the regions the doc
gives their own endpoint (Hong Kong, Jakarta, Kuala Lumpur, Frankfurt); causdk follows the doc.
"""

from __future__ import annotations

from causdk._config import check_region

DEFAULT_REGION = "cn-hangzhou"
DEFAULT_HOST = "cas.aliyuncs.com"

DOCUMENTED_HOSTS = {
    "cn-hangzhou": DEFAULT_HOST,
    "cn-hongkong": "cas.cn-hongkong.aliyuncs.com",
    "ap-southeast-3": "cas.ap-southeast-3.aliyuncs.com",
    "ap-southeast-5": "cas.ap-southeast-5.aliyuncs.com",
    "eu-central-1": "cas.eu-central-1.aliyuncs.com",
}


def endpoint_for(region: str) -> str:
    """The HTTPS endpoint of ``region``: the doc's table, the Hangzhou service for the other
    mainland-China regions, and ``cas.<region>.aliyuncs.com`` for any region the table lacks."""
    check_region(region)
    host = DOCUMENTED_HOSTS.get(region)
    if host is None:
        host = DEFAULT_HOST if region.startswith("cn-") else f"cas.{region}.aliyuncs.com"
    return f"https://{host}"
