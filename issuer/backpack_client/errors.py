"""Why sending a badge to a backpack stopped: each error carries a message for the earner.

``BackpackUrlRefused`` is about what the earner typed (the page answers 400); the others are the
remote side's doing (502): an unreachable host, a bad discovery document, a refused registration or
token, denied consent, a refused upsert.
"""

from __future__ import annotations

from issuer.errors import IssuerError


class BackpackProblem(IssuerError):
    """Sending stopped; ``message`` says why in words the earner can act on."""

    code = "backpack_problem"
    message = "The badge could not be sent to the backpack."


class BackpackUrlRefused(BackpackProblem):
    """The backpack address is not one we will contact (form, scheme, or a private address)."""

    code = "backpack_url_refused"
    message = "That backpack address cannot be used."


class BackpackUnreachable(BackpackProblem):
    """No usable answer: DNS, connection, timeout, oversized body, or an unexpected status."""

    code = "backpack_unreachable"
    message = "The backpack could not be reached."


class BadDiscoveryDocument(BackpackProblem):
    """The service description document is missing, not JSON, or lacks what we need."""

    code = "bad_discovery_document"
    message = "The backpack's Open Badges 3.0 service description is not usable."


class RegistrationRefused(BackpackProblem):
    """Dynamic client registration (RFC 7591) did not give us a client id."""

    code = "registration_refused"
    message = "The backpack refused to register this service."


class ConsentDenied(BackpackProblem):
    """The earner (or the backpack) declined the authorization request."""

    code = "consent_denied"
    message = "The backpack did not allow this service to add badges."


class TokenRefused(BackpackProblem):
    """The token endpoint refused the code or the refresh token."""

    code = "token_refused"
    message = "The backpack did not issue an access token."


class TokenRejected(BackpackProblem):
    """The backpack no longer accepts our access token (401): connect again."""

    code = "token_rejected"
    message = "The backpack no longer accepts this service's access."


class UpsertRefused(BackpackProblem):
    """upsertCredential answered something other than 200 or 201."""

    code = "upsert_refused"
    message = "The backpack did not accept the badge."
