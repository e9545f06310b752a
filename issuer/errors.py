"""The service's own errors: each carries a stable machine ``code`` and a human message.

No Flask, no SQLAlchemy here: the HTTP layer maps each class to a status once
(``issuer/api/errors.py``); library errors are caught at module boundaries and re-raised
as one of these.
"""

from __future__ import annotations


class IssuerError(Exception):
    """Base class: ``code`` is stable and documented; ``message`` is for people."""

    code = "error"
    message = "Something went wrong."

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = message or type(self).message
        if code:
            self.code = code
        super().__init__(self.message)


class NotFound(IssuerError):
    code = "not_found"
    message = "No such resource."


class Unauthenticated(IssuerError):
    code = "unauthenticated"
    message = "A valid bearer token is required."


class Forbidden(IssuerError):
    code = "forbidden"
    message = "Your role or issuer does not allow this."


class Conflict(IssuerError):
    code = "conflict"
    message = "The request conflicts with the current state."


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message = "That change is not allowed in the current state."


class ValidationFailed(IssuerError):
    """Invalid fields; ``fields`` maps each field path to what is wrong with it."""

    code = "invalid_fields"
    message = "Some fields are invalid."

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        self.fields = dict(fields or {})
        if message is None and self.fields:
            message = "; ".join(f"{name}: {why}" for name, why in sorted(self.fields.items()))
        super().__init__(message, code=code)


class RowsRejected(ValidationFailed):
    """Rows of a bulk request are invalid and nothing was done; ``problems`` names each one
    (its line or index, the field, a stable code and the reason)."""

    code = "rows_rejected"
    message = "Some rows are invalid; nothing was imported."

    def __init__(self, message: str, *, problems: list[dict[str, object]]) -> None:
        self.problems = problems
        super().__init__(message)


class PayloadTooLarge(IssuerError):
    code = "payload_too_large"
    message = "The request body is too large."


class UnsupportedMediaType(IssuerError):
    code = "unsupported_media_type"
    message = "The request body has an unsupported media type."


class UnsafeInput(IssuerError):
    """Input refused for safety (image bombs, XML entities, SSRF targets...)."""

    code = "unsafe_input"
    message = "The input was refused as unsafe."


class BadRequest(IssuerError):
    code = "bad_request"
    message = "The request could not be understood."


class SigningError(IssuerError):
    """A key could not be generated, loaded or used."""

    code = "signing_error"
    message = "The signing key could not be used."


class RateLimited(IssuerError):
    code = "rate_limited"
    message = "Too many attempts; wait a few minutes and try again."
