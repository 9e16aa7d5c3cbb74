"""The one TLS policy every runner uses: ``ca_bundle``, else (with ``trust_env``)
``SSL_CERT_FILE`` / ``SSL_CERT_DIR``, else certifi's bundle; or no verification at all when
``verify_tls`` is off. The same context serves the target and an HTTPS proxy."""

from __future__ import annotations

import os
import ssl

from causdk.errors import ConfigurationError
from causdk.settings import ClientSettings


def check_ca_bundle(settings: ClientSettings) -> None:
    if settings.verify_tls and settings.ca_bundle is not None and not settings.ca_bundle.is_file():
        raise ConfigurationError(f"CA bundle {settings.ca_bundle} is not a file")


def ssl_context(settings: ClientSettings) -> ssl.SSLContext:
    """A new client context for ``settings`` (loading a trust store costs tens of ms: keep it)."""
    if not settings.verify_tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if settings.ca_bundle is not None:
        return ssl.create_default_context(cafile=str(settings.ca_bundle))
    if settings.trust_env and os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if settings.trust_env and os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi  # httpx's own dependency: the same bundle it would use

    return ssl.create_default_context(cafile=certifi.where())
