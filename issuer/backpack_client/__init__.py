"""The other direction of the Open Badges 3.0 API: this service as a client of an earner's
backpack, adding one of their badges with ``upsertCredential`` after OAuth 2.0 consent.

No Flask and no SQL here: ``discovery`` reads the service description document, ``transport``
is the SSRF-safe HTTP under Authlib, ``remote`` runs each protocol step. The use case
``issuer/workflow/integrations/send_to_backpack.py`` orchestrates them with the storage steps in
``issuer/workflow/integrations/backpack_sending.py``.
"""

from issuer.backpack_client.discovery import (
    UPSERT_SCOPE,
    discovery_url_for,
    parse_service_description,
)
from issuer.backpack_client.errors import (
    BackpackProblem,
    BackpackUnreachable,
    BackpackUrlRefused,
    BadDiscoveryDocument,
    ConsentDenied,
    RegistrationRefused,
    TokenRefused,
    TokenRejected,
    UpsertRefused,
)
from issuer.backpack_client.remote import (
    AuthorizationRequest,
    ClientProfile,
    ClientRegistration,
    RemoteBackpack,
    Tokens,
)

__all__ = [
    "UPSERT_SCOPE",
    "AuthorizationRequest",
    "BackpackProblem",
    "BackpackUnreachable",
    "BackpackUrlRefused",
    "BadDiscoveryDocument",
    "ClientProfile",
    "ClientRegistration",
    "ConsentDenied",
    "RegistrationRefused",
    "RemoteBackpack",
    "TokenRefused",
    "TokenRejected",
    "Tokens",
    "UpsertRefused",
    "discovery_url_for",
    "parse_service_description",
]
