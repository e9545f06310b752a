"""Builders for each OB 3.0 document we publish: one function per document, values in, dict out.

Every property is an OB 3.0 / VC 2.0 term (JSON-LD safe mode refuses anything else, and the VC
2.0 context would otherwise file it under its "issuer-dependent" vocabulary): credit hours are
``creditsAvailable`` / ``creditsEarned``, the rubric is a ``resultDescription`` with
``rubricCriterionLevel`` and the subject's ``result.achievedLevel``. Arrays stand where the
1EdTech schemas want arrays (``type`` of most classes, ``proof``, ``credentialSchema``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from issuer.openbadges.alignment import AlignmentInfo

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
# The issuer Profile is the controller document of our keys: verifiers frame it in safe mode to
# find ``assertionMethod``, which only the DID context defines among the ones we vendor.
DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"

# 1EdTechJsonSchemaValidator2019 is defined only by extensions.json, so credentials naming it
# list that context too (safe mode fails on the undefined type otherwise).
CREDENTIAL_CONTEXT = (VC2_CONTEXT, OB3_CONTEXT, OB3_EXTENSIONS)
ACHIEVEMENT_CONTEXT = (VC2_CONTEXT, OB3_CONTEXT)
PROFILE_CONTEXT = (VC2_CONTEXT, OB3_CONTEXT, DID_CONTEXT)

SCHEMA_VALIDATOR = "1EdTechJsonSchemaValidator2019"
ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
ENDORSEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"
)


def iso(moment: datetime) -> str:
    """DateTimeZ to the second (``2026-11-23T10:00:00Z``), as OB 3.0 and xsd:dateTime accept."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ProfileInfo:
    """An issuer (or the board) as OB 3.0 describes it."""

    id: str
    name: str
    url: str
    email: str
    description: str = ""
    image: str | None = None
    parent: ProfileInfo | None = None


@dataclass(frozen=True)
class RubricInfo:
    """The performance-task rubric: levels ``(number, name)`` and the level that passes."""

    name: str
    levels: Sequence[tuple[int, str]]
    passing_level: int


@dataclass(frozen=True)
class AchievementInfo:
    """An approved program version (``MicroCredential``) or a stack."""

    id: str
    name: str
    description: str
    criteria: str
    achievement_type: str
    credits_available: float
    creator: ProfileInfo
    image: str | None = None
    version: str | None = None
    tags: Sequence[str] = ()
    alignments: Sequence[AlignmentInfo] = ()
    rubric: RubricInfo | None = None
    endorsements: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class SubjectInfo:
    """The earner, by salted hash of the normalised email, and what they earned."""

    identity_hash: str
    salt: str
    credits_earned: float
    achieved_level: int | None = None


@dataclass(frozen=True)
class EvidenceInfo:
    narrative: str | None = None
    urls: Sequence[str] = ()


@dataclass(frozen=True)
class CredentialInfo:
    """One award as an OpenBadgeCredential (before its proof)."""

    id: str
    name: str
    issuer: ProfileInfo
    achievement: Mapping[str, Any]
    subject: SubjectInfo
    valid_from: datetime
    status: Mapping[str, Any]
    valid_until: datetime | None = None
    evidence: EvidenceInfo = field(default_factory=EvidenceInfo)


def build_profile(info: ProfileInfo) -> dict[str, Any]:
    """The issuer Profile as embedded in credentials (and as ``parentOrg``)."""
    doc: dict[str, Any] = {
        "id": info.id,
        "type": ["Profile"],
        "name": info.name,
        "url": info.url,
        "email": info.email,
    }
    if info.description:
        doc["description"] = info.description
    if info.image:
        doc["image"] = image(info.image, info.name)
    if info.parent is not None:
        doc["parentOrg"] = build_profile(info.parent)
    return doc


def build_profile_document(info: ProfileInfo, key_urls: Sequence[str]) -> dict[str, Any]:
    """The published Profile: the controller document listing every key (old ones too)."""
    return {
        "@context": list(PROFILE_CONTEXT),
        **build_profile(info),
        "assertionMethod": list(key_urls),
    }


def image(url: str, caption: str) -> dict[str, str]:
    return {"id": url, "type": "Image", "caption": caption}


def build_achievement(info: AchievementInfo) -> dict[str, Any]:
    """The Achievement as embedded in credentials; criteria and rubric ids are fragments of it."""
    doc: dict[str, Any] = {
        "id": info.id,
        "type": ["Achievement"],
        "achievementType": info.achievement_type,
        "name": info.name,
        "description": info.description,
        "criteria": {"id": f"{info.id}#criteria", "narrative": info.criteria},
        "creditsAvailable": info.credits_available,
        "creator": _creator(info.creator),
    }
    if info.image:
        doc["image"] = image(info.image, info.name)
    if info.version:
        doc["version"] = info.version
    if info.tags:
        doc["tag"] = list(info.tags)
    if info.alignments:
        doc["alignment"] = [_alignment(a) for a in info.alignments]
    if info.rubric is not None:
        doc["resultDescription"] = [_result_description(info.id, info.rubric)]
    if info.endorsements:
        doc["endorsement"] = [dict(e) for e in info.endorsements]
    return doc


def build_achievement_document(achievement: Mapping[str, Any]) -> dict[str, Any]:
    """The Achievement published at its own URL."""
    return {"@context": list(ACHIEVEMENT_CONTEXT), **achievement}


def _creator(info: ProfileInfo) -> dict[str, Any]:
    return {"id": info.id, "type": ["Profile"], "name": info.name}


def _alignment(a: AlignmentInfo) -> dict[str, Any]:
    out: dict[str, Any] = {"type": ["Alignment"], "targetName": a.target_name}
    out["targetUrl"] = a.target_url
    if a.framework:
        out["targetFramework"] = a.framework
    if a.target_code:
        out["targetCode"] = a.target_code
    if a.target_description:
        out["targetDescription"] = a.target_description
    return out


def rubric_id(achievement_id: str) -> str:
    return f"{achievement_id}#rubric"


def level_id(achievement_id: str, level: int) -> str:
    return f"{achievement_id}#level-{level}"


def _result_description(achievement_id: str, rubric: RubricInfo) -> dict[str, Any]:
    return {
        "id": rubric_id(achievement_id),
        "type": ["ResultDescription"],
        "name": rubric.name,
        "resultType": "RubricCriterionLevel",
        "requiredLevel": level_id(achievement_id, rubric.passing_level),
        "rubricCriterionLevel": [
            {
                "id": level_id(achievement_id, number),
                "type": ["RubricCriterionLevel"],
                "name": name,
                "level": str(number),
                "points": str(number),
            }
            for number, name in rubric.levels
        ],
    }


def build_credential(info: CredentialInfo) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential; the proof (or the JWT) is added by the caller."""
    doc: dict[str, Any] = {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": info.id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": info.name,
        "issuer": build_profile(info.issuer),
        "validFrom": iso(info.valid_from),
        "awardedDate": iso(info.valid_from),
        "credentialSubject": _subject(info.achievement, info.subject),
    }
    if info.valid_until is not None:
        doc["validUntil"] = iso(info.valid_until)
    evidence = _evidence(info.evidence)
    if evidence:
        doc["evidence"] = evidence
    doc["credentialSchema"] = [{"id": ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": SCHEMA_VALIDATOR}]
    doc["credentialStatus"] = dict(info.status)
    return doc


def _subject(achievement: Mapping[str, Any], subject: SubjectInfo) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": subject.identity_hash,
                "salt": subject.salt,
            }
        ],
        "achievement": dict(achievement),
        "creditsEarned": subject.credits_earned,
    }
    if subject.achieved_level is not None:
        doc["result"] = [_result(str(achievement["id"]), subject.achieved_level)]
    return doc


def _result(achievement_id: str, level: int) -> dict[str, Any]:
    return {
        "type": ["Result"],
        "resultDescription": rubric_id(achievement_id),
        "achievedLevel": level_id(achievement_id, level),
        "value": str(level),
        "status": "Completed",
    }


def _evidence(info: EvidenceInfo) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if info.narrative:
        items.append(
            {"type": ["Evidence"], "name": "Performance task", "narrative": info.narrative}
        )
    items += [{"id": url, "type": ["Evidence"]} for url in info.urls]
    return items


def build_endorsement(
    endorsement_id: str,
    endorser: ProfileInfo,
    subject_id: str,
    comment: str,
    valid_from: datetime,
    name: str,
) -> dict[str, Any]:
    """PTSB's approval of an Achievement as an unsigned EndorsementCredential."""
    return {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": endorsement_id,
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": name,
        "issuer": build_profile(endorser),
        "validFrom": iso(valid_from),
        "awardedDate": iso(valid_from),
        "credentialSubject": {
            "id": subject_id,
            "type": ["EndorsementSubject"],
            "endorsementComment": comment,
        },
        "credentialSchema": [{"id": ENDORSEMENT_CREDENTIAL_SCHEMA, "type": SCHEMA_VALIDATOR}],
    }


def vc_jwt_payload(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The VC-JWT payload OB 3.0 defines: the credential itself plus the registered claims.

    ``sub`` is the subject's ``id`` and is left out when the subject has none (SPEC §3): ours are
    identified by a hashed ``identifier`` only, and verifiers (openbadgeslib) refuse a ``sub``
    that differs from ``credentialSubject.id``. Credentials issued before keep their stored bytes.
    """
    issuer = credential["issuer"]
    payload = {
        **{key: value for key, value in credential.items() if key != "proof"},
        "iss": issuer["id"] if isinstance(issuer, Mapping) else issuer,
        "jti": credential["id"],
        "nbf": _epoch(credential["validFrom"]),
    }
    subject = credential["credentialSubject"]
    if isinstance(subject, Mapping) and "id" in subject:
        payload["sub"] = str(subject["id"])
    if "validUntil" in credential:
        payload["exp"] = _epoch(credential["validUntil"])
    return payload


def _epoch(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def build_multikey(key_url: str, controller: str, public_key_multibase: str) -> dict[str, Any]:
    """The Ed25519 verification method at its own URL, controlled by the issuer Profile."""
    return {
        "@context": MULTIKEY_CONTEXT,
        "id": key_url,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public_key_multibase,
    }


def build_jwk(key_url: str, jwk: Mapping[str, str], alg: str) -> dict[str, str]:
    """The RSA (or Ed25519) key a VC-JWT ``kid`` names: a plain RFC 7517 JWK, kid = its URL."""
    return {**jwk, "kid": key_url, "alg": alg, "use": "sig"}
