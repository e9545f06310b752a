"""Open Badges 2.0 publishing: issuer profile and keys, BadgeClasses with PTSB endorsements,
hosted and signed assertions, baked PNG and SVG, and the revocation list."""

from __future__ import annotations

from sqlalchemy import select

from issuer.baking import Keyword
from issuer.models import Award, Issuer, ProgramVersion, Stack
from issuer.openbadges import v2
from issuer.openbadges.identity import hash_recipient
from issuer.signing.jws import sign_compact
from issuer.workflow.awards import documents
from issuer.workflow.awards.badge_facts import (
    BadgeFacts,
    award_facts,
    keys_of,
    program_badge,
    stack_badge,
)
from issuer.workflow.awards.keys import active_key
from issuer.workflow.context import Context
from issuer.workflow.programs import issuers

JWS = "application/jose"


class OpenBadges2:
    """The ``Publisher`` for Open Badges 2.0."""

    def issuer_changed(self, ctx: Context, issuer: Issuer) -> None:
        publish_issuer(ctx, issuer)

    def program_version_approved(self, ctx: Context, version: ProgramVersion) -> None:
        badge = program_badge(ctx, version)
        endorsement = _publish_endorsement(ctx, version)
        _publish_badge_class(ctx, badge, endorsements=[endorsement] if endorsement else [])

    def stack_created(self, ctx: Context, stack: Stack) -> None:
        _publish_badge_class(ctx, stack_badge(ctx, stack), endorsements=[])

    def prepare_award(self, ctx: Context, award: Award) -> None:
        """Nothing: an OB 2.0 assertion needs no more than the award's own fields."""

    def award_reads(self, ctx: Context, award: Award) -> list[str]:
        badge_url = award_facts(ctx, award).badge.ob2_url
        return [ctx.urls.badge_image(badge_url, "png"), ctx.urls.badge_image(badge_url, "svg")]

    def award_issued(self, ctx: Context, award: Award) -> None:
        _publish_assertion(ctx, award)

    def award_revoked(self, ctx: Context, award: Award) -> None:
        url = ctx.urls.ob2_assertion(award.id)
        hosted = documents.load_json(ctx, url)
        if hosted is not None:
            revoked = v2.revoked_assertion(
                hosted, award.revocation_reason or "Revoked by the issuer"
            )
            documents.store_json(ctx, url, revoked, award_id=award.id)
        publish_revocation_list(ctx, ctx.get(Issuer, award.issuer_id, lock=True))


def publish_issuer(ctx: Context, issuer: Issuer) -> None:
    """Issuer profile, every RSA key as a CryptographicKey, the image, and the revocation list."""
    urls = ctx.urls
    owner = urls.ob2_issuer(issuer.id)
    key_urls = []
    for key in keys_of(ctx, issuer.id, "RSA"):
        key_url = urls.ob2_key(key.id)
        documents.store_json(
            ctx, key_url, v2.build_cryptographic_key(key_url, owner, key.public_pem)
        )
        key_urls.append(key_url)
    image_url = None
    if issuer.image is not None:
        image_url = urls.issuer_image(issuer.id)
        documents.store_issuer_image(ctx, image_url, issuer)
    info = v2.IssuerInfo(
        id=owner,
        name=issuer.name,
        url=issuer.url,
        email=issuer.email,
        description=issuer.description,
        image=image_url,
        public_keys=key_urls,
        revocation_list=urls.ob2_revocations(issuer.id),
    )
    documents.store_json(ctx, owner, v2.build_issuer(info))
    if documents.load(ctx, urls.ob2_revocations(issuer.id)) is None:
        publish_revocation_list(ctx, issuer)


def publish_revocation_list(ctx: Context, issuer: Issuer) -> None:
    """Signed assertions of this issuer that were revoked (callers hold the issuer row lock)."""
    revoked = ctx.session.execute(
        select(Award.id, Award.revocation_reason)
        .where(Award.issuer_id == issuer.id, Award.status == "revoked")
        .order_by(Award.revoked_at, Award.id)
    )
    entries = [(_signed_id(award_id), reason or "Revoked") for award_id, reason in revoked]
    url = ctx.urls.ob2_revocations(issuer.id)
    documents.store_json(
        ctx, url, v2.build_revocation_list(url, ctx.urls.ob2_issuer(issuer.id), entries)
    )


def _signed_id(award_id: str) -> str:
    """Signed assertions are identified by URN; the hosted one by its URL."""
    return f"urn:uuid:{award_id}"


def _publish_endorsement(ctx: Context, version: ProgramVersion) -> str | None:
    board = issuers.board(ctx)
    if board is None:
        return None
    url = ctx.urls.ob2_endorsement(version.program_id, version.version)
    comment = f"Approved by the {board.name} as a micro-credential"
    if version.review_comment:
        comment += f": {version.review_comment}"
    claim = ctx.urls.ob2_program_badge(version.program_id, version.version)
    documents.store_json(
        ctx,
        url,
        v2.build_endorsement(
            url, ctx.urls.ob2_issuer(board.id), claim, comment, version.decided_at or ctx.now
        ),
    )
    return url


def _publish_badge_class(ctx: Context, badge: BadgeFacts, endorsements: list[str]) -> None:
    documents.store_artwork(ctx, badge.ob2_url, badge.artwork())
    png_url = ctx.urls.badge_image(badge.ob2_url, "png")
    svg_url = ctx.urls.badge_image(badge.ob2_url, "svg")
    info = v2.BadgeInfo(
        id=badge.ob2_url,
        issuer_id=ctx.urls.ob2_issuer(badge.issuer.id),
        name=badge.name,
        description=badge.description,
        image=svg_url if badge.image_type == documents.SVG else png_url,
        criteria_url=badge.ob2_url + "#criteria",
        criteria_narrative=badge.criteria,
        alignments=[v2.AlignmentInfo.from_record(a) for a in badge.alignments],
        tags=[*badge.competencies, "micro-credential" if badge.kind == "program" else "stack"],
        endorsements=endorsements,
    )
    documents.store_json(ctx, badge.ob2_url, v2.build_badge_class(info))


def _publish_assertion(ctx: Context, award: Award) -> None:
    facts = award_facts(ctx, award)
    url = ctx.urls.ob2_assertion(award.id)
    submission = facts.submission
    info = v2.AssertionInfo(
        id=url,
        badge_id=facts.badge.ob2_url,
        recipient_identity=hash_recipient(facts.earner.email, award.recipient_salt),
        salt=award.recipient_salt,
        issued_on=award.issued_at,
        expires=award.expires_at,
        narrative=facts.result_narrative,
        evidence_narrative=submission.narrative if submission else None,
        evidence_urls=tuple(submission.evidence_urls) if submission else (),
    )
    hosted = v2.build_assertion(info)
    key = active_key(ctx, award.issuer_id, "RSA")
    signed_payload = v2.build_assertion(
        v2.AssertionInfo(**{**info.__dict__, "id": _signed_id(award.id)}),
        signed_by=ctx.urls.ob2_key(key.id),
    )
    jws = sign_compact(signed_payload, ctx.keys.private_key(key.private_file).private_key, "RS256")
    documents.store_award_formats(
        ctx,
        award.id,
        url,
        forms={"": (documents.json_bytes(hosted), documents.JSON_LD), ".jws": (jws.encode(), JWS)},
        baked={"": url, ".signed": jws},
        art=documents.stored_artwork(ctx, facts.badge.ob2_url, facts.badge.artwork),
        keyword=Keyword.OB2,
    )
