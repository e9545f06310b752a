"""OpenID for Verifiable Credential Issuance 1.0 (final), pre-authorized code flow: our paths,
the names the specification gives its parameters, and the metadata documents (SPEC §10).

Every name here is the 1.0 final text's (openid-4-verifiable-credential-issuance-1_0): the
Credential Issuer metadata's ``credential_configurations_supported`` with 1.0
``credential_metadata``, the ``nonce_endpoint``, the ``proofs`` object of a Credential Request,
``credentials`` in its answer, and the error codes of §6.3 and §8.3.1.2.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

ISSUER_METADATA_PATH = "/.well-known/openid-credential-issuer"
OFFERS_PATH = "/oid4vci/offers"
NONCE_PATH = "/oid4vci/nonce"
CREDENTIAL_PATH = "/oid4vci/credential"

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEME = "openid-credential-offer://"
PROOF_TYP = "openid4vci-proof+jwt"
PROOF_ALGS = ("EdDSA", "ES256")
BINDING_METHODS = ("did:key", "did:jwk")

LDP_VC = "OpenBadgeCredential_ldp_vc"
JWT_VC_JSON = "OpenBadgeCredential_jwt_vc_json"
FORMATS = {LDP_VC: "ldp_vc", JWT_VC_JSON: "jwt_vc_json"}
# The educator's record (SPEC §11) offered to a wallet: a CLR 2.0 ClrCredential signed by PTSB.
CLR_LDP_VC = "ClrCredential_ldp_vc"
CLR_JWT_VC_JSON = "ClrCredential_jwt_vc_json"
CLR_FORMATS = {CLR_LDP_VC: "ldp_vc", CLR_JWT_VC_JSON: "jwt_vc_json"}

OFFER_LIFETIME = timedelta(minutes=10)
ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
NONCE_LIFETIME = timedelta(minutes=5)
# How far a proof's ``iat`` may lie from our clock (either way).
PROOF_IAT_SKEW = timedelta(minutes=5)

OB3_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
OB3_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
CLR_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CLR_TYPES = ["VerifiableCredential", "ClrCredential"]
LOGO_PATH = "/static/issuer-logo.svg"


def offer_uri(base: str, offer_id: str) -> str:
    """The ``credential_offer_uri``: where the wallet reads the Credential Offer."""
    return f"{base}{OFFERS_PATH}/{offer_id}"


def offer_url(base: str, offer_id: str) -> str:
    """The link (and QR code) a wallet opens: the offer passed by reference."""
    return f"{OFFER_SCHEME}?credential_offer_uri={quote(offer_uri(base, offer_id), safe='')}"


def credential_offer(base: str, code: str, *, record: bool = False) -> dict[str, Any]:
    """The Credential Offer (§4.1.1): both configurations of what is offered (an award's
    OpenBadgeCredential, or the educator's ClrCredential), the pre-authorized code, no tx_code."""
    return {
        "credential_issuer": base,
        "credential_configuration_ids": list(CLR_FORMATS if record else FORMATS),
        "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": code}},
    }


def _display(base: str, name: str, description: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "description": description,
            "locale": "en-US",
            "logo": {"uri": base + LOGO_PATH, "alt_text": "The issuing service's logo"},
        }
    ]


def issuer_metadata(base: str, ldp_algs: list[str], jwt_algs: list[str]) -> dict[str, Any]:
    """Credential Issuer metadata (§12.2.4). No ``authorization_servers``: this service is its own
    authorization server, whose metadata is at ``/.well-known/oauth-authorization-server``."""
    proof_types = {"jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGS)}}
    badge = {
        "cryptographic_binding_methods_supported": list(BINDING_METHODS),
        "proof_types_supported": proof_types,
        "credential_metadata": {
            "display": _display(
                base,
                "Open Badge",
                "An Open Badges 3.0 credential for a professional learning program.",
            )
        },
    }
    record = {
        **badge,
        "credential_metadata": {
            "display": _display(
                base,
                "Comprehensive Learner Record",
                "A CLR 2.0 record of every active micro-credential of an educator, signed by "
                "the board.",
            )
        },
    }
    return {
        "credential_issuer": base,
        "credential_endpoint": base + CREDENTIAL_PATH,
        "nonce_endpoint": base + NONCE_PATH,
        "display": [{"name": "Open Badges issuing service", "locale": "en-US"}],
        "credential_configurations_supported": {
            LDP_VC: {
                "format": "ldp_vc",
                "credential_signing_alg_values_supported": ldp_algs,
                "credential_definition": {"@context": OB3_CONTEXT, "type": OB3_TYPES},
                **badge,
            },
            JWT_VC_JSON: {
                "format": "jwt_vc_json",
                "credential_signing_alg_values_supported": jwt_algs,
                "credential_definition": {"type": OB3_TYPES},
                **badge,
            },
            CLR_LDP_VC: {
                "format": "ldp_vc",
                "credential_signing_alg_values_supported": ldp_algs,
                "credential_definition": {"@context": CLR_CONTEXT, "type": CLR_TYPES},
                **record,
            },
            CLR_JWT_VC_JSON: {
                "format": "jwt_vc_json",
                "credential_signing_alg_values_supported": jwt_algs,
                "credential_definition": {"type": CLR_TYPES},
                **record,
            },
        },
    }


def authorization_server_additions() -> dict[str, Any]:
    """What the authorization server metadata says for wallets (§12.3)."""
    return {"pre-authorized_grant_anonymous_access_supported": True}


class ProtocolError(Exception):
    """An error answered the specification's way: ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
