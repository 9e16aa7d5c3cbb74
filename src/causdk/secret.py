"""``Secret``: a string that never prints, and that every causdk message is scrubbed of."""

from __future__ import annotations

import hmac
from typing import Any

from causdk._redact import register_secret

__all__ = ["Secret"]

MASK = "**********"


class Secret:
    """A secret value (an access key secret, a token, a password).

    ``str()`` and ``repr()`` show ``**********``; :meth:`get_secret_value` gives the value. Making
    one registers the value with causdk's redaction, so it is scrubbed from every log record and
    error message even where some other text (a provider's echo) carries it. Usable as a pydantic
    field type: a plain string is accepted and wrapped.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret, *, temporary: bool = False) -> None:
        """``temporary``: part of credentials that rotate (see :func:`register_secret`)."""
        if isinstance(value, Secret):
            value = value.get_secret_value()
        if not isinstance(value, str):
            raise TypeError("a Secret wraps a string")
        self._value = value
        register_secret(value, temporary=temporary)

    def get_secret_value(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            cls,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda _value: MASK),
        )
