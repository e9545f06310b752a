"""The CLR 2.0 ClrCredential, values in, dict out (the proof or the JWT is added by the caller).

``@context`` is VC 2.0, CLR 2.0.1, OB 3.0 in that order (1EdTech's CLR schema requires it), then
OB 3.0's ``extensions.json``, the only context defining ``1EdTechJsonSchemaValidator2019``. The
nested credentials are the issuers' OpenBadgeCredentials exactly as issued, proofs intact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from issuer.openbadges.v3.documents import (
    OB3_CONTEXT,
    OB3_EXTENSIONS,
    SCHEMA_VALIDATOR,
    VC2_CONTEXT,
    ProfileInfo,
    build_profile,
    iso,
)

CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR_CREDENTIAL_CONTEXT = (VC2_CONTEXT, CLR_CONTEXT, OB3_CONTEXT, OB3_EXTENSIONS)
CLR_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)


@dataclass(frozen=True)
class ClrInfo:
    """One educator's record as PTSB signs it."""

    id: str
    name: str
    description: str
    issuer: ProfileInfo
    valid_from: datetime
    identity_hash: str
    salt: str
    credentials: Sequence[Mapping[str, Any]]
    achievements: Sequence[Mapping[str, Any]]
    associations: Sequence[tuple[str, str, str]]  # (associationType, sourceId, targetId)
    partial: bool


def build_clr_credential(info: ClrInfo) -> dict[str, Any]:
    """The unsigned ClrCredential."""
    return {
        "@context": list(CLR_CREDENTIAL_CONTEXT),
        "id": info.id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": info.name,
        "description": info.description,
        "issuer": build_profile(info.issuer),
        "validFrom": iso(info.valid_from),
        "awardedDate": iso(info.valid_from),
        "partial": info.partial,
        "credentialSubject": {
            "type": ["ClrSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": info.identity_hash,
                    "salt": info.salt,
                }
            ],
            "verifiableCredential": [dict(c) for c in info.credentials],
            "achievement": [dict(a) for a in info.achievements],
            "association": [
                {"type": "Association", "associationType": kind, "sourceId": src, "targetId": dst}
                for kind, src, dst in info.associations
            ],
        },
        "credentialSchema": [{"id": CLR_CREDENTIAL_SCHEMA, "type": SCHEMA_VALIDATOR}],
    }
