"""The ``causdk`` logger: a NullHandler and the redacting filter, nothing printed unless asked."""

from __future__ import annotations

import logging

from causdk._redact import RedactingFilter

logger = logging.getLogger("causdk")
logger.addHandler(logging.NullHandler())
logger.addFilter(RedactingFilter())
