"""Builders for each OB 2.0 document; one function per document, values in, dict out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from issuer.openbadges.alignment import AlignmentInfo

CONTEXT = "https://w3id.org/openbadges/v2"


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second, as OB 2.0 DateTime wants."""
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class IssuerInfo:
    id: str
    name: str
    url: str
    email: str
    description: str = ""
    image: str | None = None
    public_keys: Sequence[str] = ()
    revocation_list: str | None = None


@dataclass(frozen=True)
class BadgeInfo:
    id: str
    issuer_id: str
    name: str
    description: str
    image: str
    criteria_url: str
    criteria_narrative: str
    alignments: Sequence[AlignmentInfo] = ()
    tags: Sequence[str] = ()
    endorsements: Sequence[str] = ()


@dataclass(frozen=True)
class AssertionInfo:
    id: str
    badge_id: str
    recipient_identity: str
    salt: str
    issued_on: datetime
    expires: datetime | None = None
    narrative: str | None = None
    evidence_narrative: str | None = None
    evidence_urls: Sequence[str] = field(default_factory=tuple)
    image: str | None = None


def build_issuer(info: IssuerInfo) -> dict[str, Any]:
    """The Issuer Profile; lists every signing key (old ones too) and the revocation list."""
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": info.id,
        "name": info.name,
        "url": info.url,
        "email": info.email,
    }
    if info.description:
        doc["description"] = info.description
    if info.image:
        doc["image"] = info.image
    if info.public_keys:
        doc["publicKey"] = list(info.public_keys)
    if info.revocation_list:
        doc["revocationList"] = info.revocation_list
    return doc


def build_cryptographic_key(key_id: str, owner: str, public_key_pem: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "CryptographicKey",
        "id": key_id,
        "owner": owner,
        "publicKeyPem": public_key_pem,
    }


def build_badge_class(info: BadgeInfo) -> dict[str, Any]:
    """A BadgeClass per approved program version (or stack)."""
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": info.id,
        "name": info.name,
        "description": info.description,
        "image": info.image,
        "criteria": {"id": info.criteria_url, "narrative": info.criteria_narrative},
        "issuer": info.issuer_id,
    }
    if info.alignments:
        doc["alignment"] = [_alignment(a) for a in info.alignments]
    if info.tags:
        doc["tags"] = list(info.tags)
    if info.endorsements:
        doc["endorsement"] = list(info.endorsements)
    return doc


def _alignment(a: AlignmentInfo) -> dict[str, str]:
    out = {"targetName": a.target_name, "targetUrl": a.target_url}
    if a.framework:
        out["targetFramework"] = a.framework
    if a.target_code:
        out["targetCode"] = a.target_code
    if a.target_description:
        out["targetDescription"] = a.target_description
    return out


def build_assertion(info: AssertionInfo, *, signed_by: str | None = None) -> dict[str, Any]:
    """A hosted assertion, or with ``signed_by`` (a key URL) the payload of a signed one."""
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": info.id,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": info.salt,
            "identity": info.recipient_identity,
        },
        "badge": info.badge_id,
        "issuedOn": iso(info.issued_on),
        "verification": {"type": "signed", "creator": signed_by}
        if signed_by
        else {"type": "hosted"},
    }
    if info.expires is not None:
        doc["expires"] = iso(info.expires)
    if info.narrative:
        doc["narrative"] = info.narrative
    evidence = _evidence(info)
    if evidence:
        doc["evidence"] = evidence
    if info.image:
        doc["image"] = info.image
    return doc


def _evidence(info: AssertionInfo) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    if info.evidence_narrative:
        items.append({"type": "Evidence", "narrative": info.evidence_narrative})
    items += [{"type": "Evidence", "id": url} for url in info.evidence_urls]
    return items


def revoked_assertion(assertion: dict[str, Any], reason: str) -> dict[str, Any]:
    """The hosted assertion as it reads after revocation."""
    return {**assertion, "revoked": True, "revocationReason": reason}


def build_revocation_list(
    list_id: str, issuer_id: str, revoked: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """``revoked`` is ``(assertion id, reason)`` pairs."""
    return {
        "@context": CONTEXT,
        "type": "RevocationList",
        "id": list_id,
        "issuer": issuer_id,
        "revokedAssertions": [{"id": i, "revocationReason": r} for i, r in revoked],
    }


def build_endorsement(
    endorsement_id: str, endorser_id: str, claim_id: str, comment: str, issued_on: datetime
) -> dict[str, Any]:
    """PTSB's approval of a BadgeClass, as an OB 2.0 Endorsement (hosted)."""
    return {
        "@context": CONTEXT,
        "type": "Endorsement",
        "id": endorsement_id,
        "issuer": endorser_id,
        "issuedOn": iso(issued_on),
        "claim": {"id": claim_id, "endorsementComment": comment},
        "verification": {"type": "hosted"},
    }
