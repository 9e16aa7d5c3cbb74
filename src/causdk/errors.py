"""One error hierarchy for every provider.

Every message says what happened and what to do, carries the provider's request id and code where
there is one, and passes through :func:`causdk._redact.scrub` so that no secret can reach it.
"""

from __future__ import annotations

from typing import ClassVar

from causdk._redact import scrub

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CausdkError",
    "ClientClosedError",
    "ConfigurationError",
    "DeadlineExceededError",
    "InvalidStateError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
]

_MAX_MESSAGE = 500


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else f"{text}."


class CausdkError(Exception):
    """The base of every error causdk raises.

    ``str()`` is the message and ``hint``, advice for code that uses the SDK; the command line
    prints ``cli_hint`` instead, the same advice in its own words (options, commands).
    """

    hint: ClassVar[str] = ""
    cli_hint: ClassVar[str] = ""

    def __init__(self, message: str) -> None:
        self.message = _sentence(scrub(message))
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ConfigurationError(CausdkError):
    """Settings are missing or wrong (no credentials, a bad endpoint): nothing was sent."""

    hint = "Fix the client's settings or environment and try again."
    cli_hint = "Fix the options (--region, --endpoint, --profile) or the environment and retry."


class ValidationError(CausdkError, ValueError):
    """An argument is not acceptable; raised before anything is sent."""

    hint = "Nothing was sent."


class ClientClosedError(CausdkError):
    """The client was closed; make a new one (or use it as a context manager)."""

    hint = "Nothing was sent."


class DeadlineExceededError(CausdkError):
    """The call's ``deadline`` passed (rate-limit waits, back-off, attempts and follow-up reads
    included) before it could finish.

    ``may_have_been_sent`` is False only when no request of this call can have reached the
    provider; when True, a revoke may have happened: read the CA's status before repeating.
    ``last_error`` is the failure of the last attempt, if one failed.
    """

    def __init__(
        self,
        message: str,
        *,
        deadline: float,
        attempts: int,
        may_have_been_sent: bool,
        last_error: CausdkError | None = None,
    ) -> None:
        self.deadline = deadline
        self.attempts = attempts
        self.may_have_been_sent = may_have_been_sent
        self.last_error = last_error
        sent = (
            "a request may have reached the provider"
            if may_have_been_sent
            else "nothing reached the provider"
        )
        last = f"; last failure: {last_error.message}" if last_error is not None else ""
        super().__init__(
            f"deadline of {deadline:g}s passed after {attempts} attempt(s): {message}; {sent}{last}"
        )

    def __str__(self) -> str:
        if self.may_have_been_sent:
            advice = "Read the CA's status before repeating; raise the deadline if it is slow."
        else:
            advice = "Nothing was changed; raise the deadline or lower the load and repeat."
        return f"{self.message} {advice}"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.__dict__))


class TransportError(CausdkError):
    """The HTTP exchange itself failed: a timeout, a refused or dropped connection.

    ``may_have_been_sent`` is False only when the request surely never reached the server
    (the connection could not be made).
    """

    hint = "Check connectivity to the endpoint; the call is safe to repeat."

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        may_have_been_sent: bool,
        provider: str | None = None,
        action: str | None = None,
    ) -> None:
        self.kind = kind
        self.may_have_been_sent = may_have_been_sent
        self.provider = provider
        self.action = action
        where = f"{provider} {action}: " if provider and action else ""
        super().__init__(f"{where}{kind}: {message}")

    retryable: ClassVar[bool] = True

    def in_context(self, provider: str, action: str) -> TransportError:
        """The same error, naming the provider and the call."""
        err = TransportError(
            self.message,
            kind=self.kind,
            may_have_been_sent=self.may_have_been_sent,
            provider=provider,
            action=action,
        )
        err.__cause__ = self.__cause__
        return err


class APIError(CausdkError):
    """The provider answered with an error.

    Attributes: ``provider``, ``action``, ``status_code``, ``code`` (the provider's error code),
    ``provider_message``, ``request_id``, ``retryable``, ``retry_after`` (seconds, when the provider
    said), and ``recommend`` (Alibaba's troubleshooting link).
    """

    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        *,
        provider: str,
        action: str,
        status_code: int,
        code: str | None,
        message: str | None,
        request_id: str | None,
        retryable: bool | None = None,
        retry_after: float | None = None,
        recommend: str | None = None,
    ) -> None:
        self.provider = provider
        self.action = action
        self.status_code = status_code
        self.code = code
        self.provider_message = scrub((message or "")[:_MAX_MESSAGE])
        self.request_id = request_id
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_after = retry_after
        self.recommend = recommend
        parts = [f"{provider} {action} failed: HTTP {status_code}"]
        if code:
            parts.append(code)
        text = " ".join(parts)
        if self.provider_message:
            text += f": {self.provider_message}"
        text += f" (request id: {request_id or 'none'})"
        super().__init__(text)

    def __reduce__(self) -> tuple[object, ...]:  # keep errors picklable despite keyword-only init
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls: type[CausdkError], state: dict[str, object]) -> CausdkError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    Exception.__init__(err, state.get("message", ""))
    return err


class AuthenticationError(APIError):
    """The provider did not accept the credentials or the signature."""

    hint = "Check the access key, secret or token (and the machine's clock for signatures)."


class PermissionDeniedError(APIError):
    """The credentials are valid but not allowed to make this call."""

    hint = "Grant the identity permission for this action on this CA."


class NotFoundError(APIError):
    """No CA (or no API) by that name at this endpoint."""

    hint = "Check the CA id and the region or endpoint it lives in."
    cli_hint = "Check the CA id, and --region or --endpoint: is the CA there?"


class InvalidStateError(APIError):
    """The CA is not in a state that allows the call (already revoked, disabled, a root CA...)."""

    hint = "Read the CA's status with get(); nothing was changed by this call."
    cli_hint = "See the CA with `causdk status PROVIDER CA_ID`; nothing was changed."


class BadRequestError(APIError):
    """The provider rejected the request's parameters."""

    hint = "The request was rejected as malformed; check the arguments."


class RateLimitedError(APIError):
    """The provider throttled the call; causdk retries these with backoff."""

    default_retryable = True
    hint = "Lower the request rate or concurrency, or wait and repeat."
    cli_hint = "Lower --concurrency, or wait and repeat."


class ServerError(APIError):
    """The provider failed (5xx); causdk retries these with backoff."""

    default_retryable = True
    hint = "A provider-side failure; repeating the call later is safe."


class UnexpectedResponseError(APIError):
    """The provider's answer could not be understood (not the documented JSON, a gateway page)."""

    default_retryable = False
    hint = "The endpoint may not be the provider's API (a proxy or gateway page?)."
