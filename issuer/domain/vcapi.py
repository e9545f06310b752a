"""The VC-API exchange the DCC Learner Credential Wallet speaks (SPEC §10): our paths, the LCW
request link, the interaction URL's ``protocols`` and the DIDAuthentication presentation request.

Shapes follow the VC API "workflows and exchanges" text and the Verifiable Presentation Request
specification (query ``DIDAuthentication``, ``challenge``, ``domain``, ``interact.service``), and
the request link LCW opens: ``https://lcw.app/request.html?request=`` + the JSON
``{"credentialRequestOrigin", "protocols": {"vcapi"}}`` (as DCC's exchange services build it).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

INTERACTIONS_PATH = "/vcapi/interactions"
EXCHANGES_PATH = "/vcapi/exchanges"
LCW_REQUEST_URL = "https://lcw.app/request.html"
# Service types a wallet looks for to know where to send its presentation.
INTERACT_SERVICE_TYPES = (
    "VerifiableCredentialApiExchangeService",
    "UnmediatedPresentationService2021",
)
# What the holder may sign its DID Authentication presentation with.
ACCEPTED_PROOFS = ("Ed25519Signature2020", "eddsa-rdfc-2022")
PROOF_PURPOSE = "authentication"


def exchange_url(base: str, token: str) -> str:
    """Where the wallet POSTs: ``{}`` to start, then its signed presentation."""
    return f"{base}{EXCHANGES_PATH}/{token}"


def interaction_url(base: str, token: str) -> str:
    """The interaction URL (``iuv=1``): answers the exchange's ``protocols``."""
    return f"{base}{INTERACTIONS_PATH}/{token}?iuv=1"


def protocols(base: str, token: str) -> dict[str, str]:
    return {"vcapi": exchange_url(base, token)}


def lcw_request_link(base: str, token: str) -> str:
    """The Learner Credential Wallet request link naming our origin and the exchange."""
    request = {"credentialRequestOrigin": base, "protocols": protocols(base, token)}
    return f"{LCW_REQUEST_URL}?request={quote(json.dumps(request, separators=(',', ':')), safe='')}"


def presentation_request(base: str, token: str, challenge: str) -> dict[str, Any]:
    """The answer to ``POST {}``: ask the holder to authenticate with its DID."""
    endpoint = exchange_url(base, token)
    return {
        "verifiablePresentationRequest": {
            "query": [
                {
                    "type": "DIDAuthentication",
                    "acceptedMethods": [{"method": "key"}],
                    "acceptedCryptosuites": [{"cryptosuite": name} for name in ACCEPTED_PROOFS],
                }
            ],
            "challenge": challenge,
            "domain": base,
            "interact": {
                "service": [
                    {"type": kind, "serviceEndpoint": endpoint} for kind in INTERACT_SERVICE_TYPES
                ]
            },
        }
    }


def credential_answer(credential: dict[str, Any]) -> dict[str, Any]:
    """The exchange's last answer: the credential in an (unsigned) presentation."""
    return {
        "verifiablePresentation": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [credential],
        }
    }


class ExchangeError(Exception):
    """A refused exchange step: ``{"error", "message"}`` with this status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
