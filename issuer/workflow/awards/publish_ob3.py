"""Open Badges 3.0 publishing: issuer Profiles and keys, Achievements with PTSB's signed
endorsement, OpenBadgeCredentials (Data Integrity and VC-JWT), baked PNG and SVG, status lists.

Everything is built, checked against our own schema, signed and stored inside the use case's
transaction; public reads serve the stored bytes. Nothing is re-signed on read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from issuer.baking import Keyword
from issuer.domain import rubric
from issuer.errors import SigningError
from issuer.models import Award, Issuer, ProgramVersion, Stack
from issuer.openbadges.identity import hash_recipient
from issuer.openbadges.v3 import documents as v3
from issuer.openbadges.v3.schema import DocumentSchemas
from issuer.signing.jws import RS256, sign_compact
from issuer.signing.keys import multikey_multibase, public_jwk
from issuer.signing.proof_cache import shared_signer
from issuer.workflow.awards import documents, ob3_status
from issuer.workflow.awards.badge_facts import (
    AwardFacts,
    BadgeFacts,
    award_facts,
    keys_of,
    program_badge,
    stack_badge,
)
from issuer.workflow.awards.keys import active_key
from issuer.workflow.context import Context
from issuer.workflow.programs import issuers

JWT, JWK = "application/jwt", "application/jwk+json"
RUBRIC_NAME = "Performance task rubric (median of three reviewers' scores)"


class OpenBadges3:
    """The ``Publisher`` for Open Badges 3.0; holds what is read once per app (contexts, schemas)."""

    def __init__(self, schemas_dir: Path) -> None:
        self.signer = shared_signer(schemas_dir / "contexts")
        self.loader = self.signer.loader
        self.schemas = DocumentSchemas(schemas_dir / "ob3")

    def issuer_changed(self, ctx: Context, issuer: Issuer) -> None:
        """Profile, every key at its own URL, the image, and the status documents if missing."""
        _publish_keys(self, ctx, issuer)
        profile = profile_info(ctx, issuer)
        if profile.image is not None:
            documents.store_issuer_image(ctx, profile.image, issuer)
        key_urls = [ctx.urls.ob3_key(key.id) for key in _all_keys(ctx, issuer)]
        doc = v3.build_profile_document(profile, key_urls)
        self.schemas.check("profile", doc)
        documents.store_json(ctx, profile.id, doc)
        if ob3_status.status_documents_missing(ctx, issuer.id):
            self.publish_status(ctx, issuer)

    def program_version_approved(self, ctx: Context, version: ProgramVersion) -> None:
        badge = program_badge(ctx, version)
        endorsement = self._endorsement(ctx, version, badge)
        self._publish_achievement(ctx, badge, [endorsement] if endorsement else [])

    def stack_created(self, ctx: Context, stack: Stack) -> None:
        self._publish_achievement(ctx, stack_badge(ctx, stack), [])

    def prepare_award(self, ctx: Context, award: Award) -> None:
        """The award's status list entry (list and index), taken before its row is inserted."""
        issuer = ctx.get(Issuer, award.issuer_id)
        issuers.board(ctx)  # read now, before the award's rows wait to be inserted
        ob3_status.credential_status(ctx, issuer, award, self.publish_status_list)

    def award_reads(self, ctx: Context, award: Award) -> list[str]:
        badge_url = award_facts(ctx, award).badge.ob3_url
        images = [ctx.urls.badge_image(badge_url, "png"), ctx.urls.badge_image(badge_url, "svg")]
        return [badge_url, *images]

    def award_issued(self, ctx: Context, award: Award) -> None:
        """Sign the credential both ways, bake it into PNG and SVG, store all at stable paths."""
        facts = award_facts(ctx, award)
        issuer = ctx.get(Issuer, award.issuer_id)
        unsigned = v3.build_credential(self._credential_info(ctx, issuer, facts))
        signed = self.sign(ctx, issuer, unsigned)
        self.schemas.check("openbadge-credential", signed)
        _store_credential(ctx, award, signed, self._jwt(ctx, issuer, unsigned), facts.badge)

    def award_revoked(self, ctx: Context, award: Award) -> None:
        issuer = ctx.get(Issuer, award.issuer_id, lock=True)
        self.publish_status(ctx, issuer, lists=[award.status_list or 1])

    def publish_status_list(self, ctx: Context, issuer: Issuer, number: int) -> None:
        """Re-sign the issuer's status list ``number`` from the awards table."""
        self.publish_status(ctx, issuer, lists=[number], with_revocations=False)

    def publish_status(
        self,
        ctx: Context,
        issuer: Issuer,
        lists: list[int] | None = None,
        with_revocations: bool = True,
    ) -> None:
        """Re-sign the status lists (``lists``, default all of the issuer's) and rewrite the
        revocation list from the awards table."""
        profile = profile_info(ctx, issuer)
        revoked = ob3_status.revoked_awards(ctx, issuer.id)
        for number in lists or ob3_status.list_numbers(ctx, issuer.id):
            unsigned = ob3_status.status_list_credential(
                ctx, issuer.id, profile.id, revoked, number
            )
            status_list = self.sign(ctx, issuer, unsigned)
            self.schemas.check("status-list-credential", status_list)
            documents.store_json(ctx, status_list["id"], status_list)
        if not with_revocations:
            return
        revocations = ob3_status.revocation_list(ctx, issuer.id, profile, revoked)
        self.schemas.check("revocation-list", revocations)
        documents.store_json(ctx, revocations["id"], revocations)

    def sign(self, ctx: Context, issuer: Issuer, unsigned: dict[str, Any]) -> dict[str, Any]:
        """Embed an eddsa-rdfc-2022 proof (as an array) made with the issuer's active Ed25519 key."""
        key = active_key(ctx, issuer.id, "Ed25519")
        private = ctx.keys.private_key(key.private_file).private_key
        return self.signer.sign(unsigned, private, ctx.urls.ob3_key(key.id), ctx.now)

    def vc_jwt(self, ctx: Context, issuer: Issuer, unsigned: dict[str, Any]) -> str:
        """The credential as a VC-JWT, signed the way awards are (a wallet copy's second form)."""
        return self._jwt(ctx, issuer, unsigned)

    def _jwt(self, ctx: Context, issuer: Issuer, unsigned: dict[str, Any]) -> str:
        """The VC-JWT: RS256, header only ``alg`` and ``kid`` (the key's own URL, a JWK)."""
        key = active_key(ctx, issuer.id, "RSA")
        private = ctx.keys.private_key(key.private_file).private_key
        payload = v3.vc_jwt_payload(unsigned)
        return sign_compact(payload, private, RS256, {"kid": ctx.urls.ob3_key(key.id)})

    def _endorsement(
        self, ctx: Context, version: ProgramVersion, badge: BadgeFacts
    ) -> dict[str, Any] | None:
        """PTSB's approval as an EndorsementCredential signed with the board's key."""
        board = issuers.board(ctx)
        if board is None:
            return None
        comment = f"Approved by the {board.name} as a micro-credential"
        if version.review_comment:
            comment += f": {version.review_comment}"
        unsigned = v3.build_endorsement(
            endorsement_url(ctx, version),
            profile_info(ctx, board),
            badge.ob3_url,
            comment,
            version.decided_at or ctx.now,
            f"{board.name} approval of {badge.name}",
        )
        signed = self.sign(ctx, board, unsigned)
        self.schemas.check("endorsement-credential", signed)
        documents.store_json(ctx, signed["id"], signed)
        return signed

    def _publish_achievement(
        self, ctx: Context, badge: BadgeFacts, endorsements: list[dict[str, Any]]
    ) -> dict[str, Any]:
        documents.store_artwork(ctx, badge.ob3_url, badge.artwork())
        doc = v3.build_achievement_document(
            v3.build_achievement(achievement_info(ctx, badge, endorsements))
        )
        self.schemas.check("achievement", doc)
        documents.store_json(ctx, badge.ob3_url, doc)
        return doc

    def _achievement_of(self, ctx: Context, badge: BadgeFacts) -> dict[str, Any]:
        """The Achievement as published (endorsement included); published now if it is missing."""
        doc = documents.load_json(ctx, badge.ob3_url)
        if doc is None:
            doc = self._publish_achievement(ctx, badge, [])
        return {key: value for key, value in doc.items() if key != "@context"}

    def _credential_info(
        self, ctx: Context, issuer: Issuer, facts: AwardFacts
    ) -> v3.CredentialInfo:
        award = facts.award
        submission = facts.submission
        return v3.CredentialInfo(
            id=ctx.urls.ob3_credential(award.id),
            name=facts.badge.name,
            issuer=profile_info(ctx, issuer),
            achievement=self._achievement_of(ctx, facts.badge),
            subject=v3.SubjectInfo(
                identity_hash=hash_recipient(facts.earner.email, award.recipient_salt),
                salt=award.recipient_salt,
                credits_earned=float(award.credit_hours),
                achieved_level=award.score if facts.badge.kind == "program" else None,
            ),
            valid_from=award.issued_at,
            valid_until=award.expires_at,
            evidence=v3.EvidenceInfo(
                narrative=submission.narrative if submission else None,
                urls=tuple(u for u in (submission.evidence_urls if submission else []) if _iri(u)),
            ),
            status=ob3_status.credential_status(ctx, issuer, award, self.publish_status_list),
        )


def ob3_publisher(ctx: Context) -> OpenBadges3:
    """The service's Open Badges 3.0 publisher (it signs every OB 3.0 and CLR document)."""
    for publisher in ctx.publishers:
        if isinstance(publisher, OpenBadges3):
            return publisher
    raise RuntimeError("The Open Badges 3.0 publisher is not configured")


def profile_info(ctx: Context, issuer: Issuer) -> v3.ProfileInfo:
    """The issuer as an OB 3.0 Profile; PTSB, under whose rules the credits count, as parentOrg."""
    board = None if issuer.is_board else issuers.board(ctx)
    return v3.ProfileInfo(
        id=ctx.urls.ob3_issuer(issuer.id),
        name=issuer.name,
        url=issuer.url,
        email=issuer.email,
        description=issuer.description,
        image=issuer_image_url(ctx, issuer.id) if issuer.image is not None else None,
        parent=profile_info(ctx, board) if board is not None else None,
    )


def achievement_info(
    ctx: Context, badge: BadgeFacts, endorsements: list[dict[str, Any]]
) -> v3.AchievementInfo:
    program = badge.kind == "program"
    image_ext = "svg" if badge.image_type == documents.SVG else "png"
    return v3.AchievementInfo(
        id=badge.ob3_url,
        name=badge.name,
        description=badge.description,
        criteria=badge.criteria,
        achievement_type="MicroCredential" if program else "Certificate",
        credits_available=float(badge.credit_hours),
        creator=profile_info(ctx, badge.issuer),
        image=ctx.urls.badge_image(badge.ob3_url, image_ext),
        version=str(badge.version.version) if badge.version is not None else None,
        tags=tuple(badge.competencies),
        alignments=tuple(v3.AlignmentInfo.from_record(a) for a in badge.alignments),
        rubric=_rubric() if program else None,
        endorsements=tuple(endorsements),
    )


def _rubric() -> v3.RubricInfo:
    return v3.RubricInfo(
        name=RUBRIC_NAME,
        levels=tuple(sorted(rubric.RUBRIC_LEVELS.items())),
        passing_level=rubric.PASSING_SCORE,
    )


def endorsement_url(ctx: Context, version: ProgramVersion) -> str:
    """PTSB's endorsement of one approved program version (a permanent public path)."""
    return f"{ctx.urls.base}/ob3/endorsements/programs/{version.program_id}/v{version.version}"


def issuer_image_url(ctx: Context, issuer_id: int) -> str:
    return f"{ctx.urls.ob3_issuer(issuer_id)}/image"


def _all_keys(ctx: Context, issuer: Issuer) -> list[Any]:
    return keys_of(ctx, issuer.id, "Ed25519") + keys_of(ctx, issuer.id, "RSA")


def _publish_keys(publisher: OpenBadges3, ctx: Context, issuer: Issuer) -> None:
    """Each key at its own URL: a Multikey (Ed25519, Data Integrity) or a JWK (RSA, VC-JWT)."""
    controller = ctx.urls.ob3_issuer(issuer.id)
    for key in keys_of(ctx, issuer.id, "Ed25519"):
        url = ctx.urls.ob3_key(key.id)
        public = ctx.keys.private_key(key.private_file).public_key
        if not isinstance(public, Ed25519PublicKey):
            raise SigningError(f"Key {key.id} is not an Ed25519 key.", code="key_unsupported")
        doc = v3.build_multikey(url, controller, multikey_multibase(public))
        publisher.schemas.check("multikey", doc)
        documents.store_json(ctx, url, doc)
    for key in keys_of(ctx, issuer.id, "RSA"):
        url = ctx.urls.ob3_key(key.id)
        jwk = v3.build_jwk(
            url, public_jwk(ctx.keys.private_key(key.private_file).public_key), RS256
        )
        publisher.schemas.check("jwk", jwk)
        documents.store(ctx, url, json.dumps(jwk).encode(), JWK)


def _iri(url: str) -> bool:
    """Evidence URLs become ids only when they are absolute IRIs (safe mode refuses the rest)."""
    return url.startswith(("https://", "http://")) and not any(c in url for c in ' <>"{}|\\^`')


def _store_credential(
    ctx: Context, award: Award, signed: dict[str, Any], jwt: str, badge: BadgeFacts
) -> None:
    """The credential (JSON-LD), its VC-JWT, and both baked into the badge's PNG and SVG."""
    compact = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
    documents.store_award_formats(
        ctx,
        award.id,
        signed["id"],
        forms={"": (documents.json_bytes(signed), documents.JSON_LD), ".jwt": (jwt.encode(), JWT)},
        baked={"": compact, ".jwt": jwt},
        art=documents.stored_artwork(ctx, badge.ob3_url, badge.artwork),
        keyword=Keyword.OB3,
    )
