"""Open Badges 2.0 documents as plain dicts: Issuer, BadgeClass, Assertion, CryptographicKey,
RevocationList and Endorsement (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/)."""

from issuer.openbadges.v2.documents import (
    CONTEXT,
    AlignmentInfo,
    AssertionInfo,
    BadgeInfo,
    IssuerInfo,
    build_assertion,
    build_badge_class,
    build_cryptographic_key,
    build_endorsement,
    build_issuer,
    build_revocation_list,
    revoked_assertion,
)

__all__ = [
    "CONTEXT",
    "AlignmentInfo",
    "AssertionInfo",
    "BadgeInfo",
    "IssuerInfo",
    "build_assertion",
    "build_badge_class",
    "build_cryptographic_key",
    "build_endorsement",
    "build_issuer",
    "build_revocation_list",
    "revoked_assertion",
]
