"""The educator's Comprehensive Learner Record (SPEC §11): a CLR 2.0 ``ClrCredential`` that PTSB
signs on request, holding every active OpenBadgeCredential of the educator exactly as issued.

Each record is stored (a row, and its JSON-LD and VC-JWT at ``/ob3/clr/<id>``), so a record
handed out earlier stays verifiable at its own id; a request whose awards have not changed since
the latest record is answered with that record rather than a new signature.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from issuer.domain.learner_record import RecordContents, RecordedAward, record_contents
from issuer.domain.states import AwardStatus, Role
from issuer.errors import Conflict, Forbidden, NotFound
from issuer.models import Award, Earner, LearnerRecord, ProgramVersion, Stack
from issuer.openbadges.identity import hash_recipient
from issuer.openbadges.v3 import clr
from issuer.workflow import audit
from issuer.workflow.awards import documents
from issuer.workflow.awards.publish_ob3 import JWT, ob3_publisher, profile_info
from issuer.workflow.context import Context
from issuer.workflow.learning import earners
from issuer.workflow.programs import issuers, stacks

VC_JWT = "application/vc+jwt"


@dataclass(frozen=True)
class SignedRecord:
    """A stored record: its row, its id URL, and both signed forms as stored."""

    record: LearnerRecord
    url: str
    credential: bytes  # the JSON-LD with its Data Integrity proof
    jwt: str  # the same credential as a VC-JWT
    created: bool


@dataclass(frozen=True)
class RecordPage:
    """A page of the educator's records and how many the filter matched (for X-Total-Count)."""

    items: list[SignedRecord]
    total: int


def educator_record(ctx: Context, earner_id: int) -> SignedRecord:
    """The educator's record as of now (the earner themself, or PTSB): the latest stored one when
    it holds and leaves out the same awards, otherwise a new one signed by PTSB and stored."""
    earner = ctx.get(Earner, earner_id)
    _check_reader(ctx, earner)
    record = _current_record(ctx, earner)
    if record is None:
        raise Conflict(
            f"{earner.name} holds no active award yet, so there is no record to sign.",
            code="no_active_awards",
        )
    return record


def own_record(ctx: Context) -> SignedRecord:
    """The signed-in educator's own record (the portfolio's "Download my record")."""
    return educator_record(ctx, earners.own_earner(ctx).id)


def records_for_app(ctx: Context, *, limit: int, offset: int, since: datetime | None) -> RecordPage:
    """getCredentials of the CLR 2.0 API, for an app the educator (``ctx.actor``) authorized:
    their current record (made and stored as ``educator_record`` does) when it was issued after
    ``since``, paged. No earner record or no active award yet is an empty page, not an error;
    older records are not listed (they stay verifiable at their own ids)."""
    if ctx.actor.role is not Role.EARNER:
        raise Forbidden("Only an educator's own apps read their learner record.", code="wrong_role")
    earner = earners.find_by_email(ctx, ctx.actor.email)
    record = _current_record(ctx, earner) if earner is not None else None
    held = [record] if record is not None else []
    held = [r for r in held if since is None or r.record.created_at > since]
    return RecordPage(held[offset : offset + limit], len(held))


def _current_record(ctx: Context, earner: Earner) -> SignedRecord | None:
    """The stored record with the educator's current contents, a new one, or None (no award)."""
    contents = record_contents(_recorded_awards(ctx, earner.id), ctx.now)
    if not contents.held:
        return None
    digest = hashlib.sha256(contents.fingerprint.encode()).hexdigest()
    existing = ctx.session.scalar(
        select(LearnerRecord).where(
            LearnerRecord.earner_id == earner.id, LearnerRecord.contents_hash == digest
        )
    )
    if existing is not None:
        return _stored(ctx, existing, created=False)
    return _sign_new(ctx, earner, contents, digest)


def _check_reader(ctx: Context, earner: Earner) -> None:
    actor = ctx.actor
    if actor.role is Role.EARNER:
        if (actor.email or "").casefold() != earner.email.casefold():
            raise Forbidden("That is another educator's record.", code="other_earner")
        return
    if actor.role is not Role.PTSB:
        raise Forbidden(
            "Only the educator and the board (PTSB) may download a learner record.",
            code="wrong_role",
        )


def _recorded_awards(ctx: Context, earner_id: int) -> list[RecordedAward]:
    query = select(Award).where(Award.earner_id == earner_id).order_by(Award.issued_at, Award.id)
    return [_recorded(ctx, award) for award in ctx.session.scalars(query)]


def _recorded(ctx: Context, award: Award) -> RecordedAward:
    """An award with its achievement's URL, its stack's members or its version's prerequisites."""
    revoked = award.status == AwardStatus.REVOKED.value
    if award.program_version_id is not None:
        version = ctx.get(ProgramVersion, award.program_version_id)
        return RecordedAward(
            award_id=award.id,
            name=award.name,
            achievement_id=ctx.urls.ob3_program_achievement(version.program_id, version.version),
            program_id=version.program_id,
            stack_members=frozenset(),
            prerequisites=frozenset(version.prerequisites or ()),
            revoked=revoked,
            expires_at=award.expires_at,
        )
    stack = ctx.get(Stack, award.stack_id)
    return RecordedAward(
        award_id=award.id,
        name=award.name,
        achievement_id=ctx.urls.ob3_stack_achievement(stack.id),
        program_id=None,
        stack_members=frozenset(stacks.program_ids(stack)),
        prerequisites=frozenset(),
        revoked=revoked,
        expires_at=award.expires_at,
    )


def _sign_new(ctx: Context, earner: Earner, contents: RecordContents, digest: str) -> SignedRecord:
    """Build the ClrCredential, sign it both ways with PTSB's keys, check it, store it."""
    board = issuers.board(ctx)
    if board is None:
        raise NotFound("The board (PTSB) has no issuer profile yet.", code="board_missing")
    record = LearnerRecord(
        id=str(uuid.uuid4()),
        earner_id=earner.id,
        contents_hash=digest,
        partial=contents.partial,
        left_out=contents.left_out_summary(),
        recipient_salt=secrets.token_hex(16),
        created_at=ctx.now,
    )
    url = ctx.urls.learner_record(record.id)
    credentials = [_issued_credential(ctx, held.award_id) for held in contents.held]
    achievements: dict[str, dict[str, Any]] = {}
    for credential in credentials:
        achievement = credential["credentialSubject"]["achievement"]
        achievements.setdefault(achievement["id"], achievement)
    description = (
        f"Every active micro-credential and stack credential of {earner.name}, from every "
        f"issuer, as the {board.name} records them."
    )
    if contents.partial:
        description += f" Left out (no longer active): {record.left_out}."
    unsigned = clr.build_clr_credential(
        clr.ClrInfo(
            id=url,
            name=f"Comprehensive Learner Record of {earner.name}",
            description=description,
            issuer=profile_info(ctx, board),
            valid_from=ctx.now,
            identity_hash=hash_recipient(earner.email, record.recipient_salt),
            salt=record.recipient_salt,
            credentials=credentials,
            achievements=list(achievements.values()),
            associations=[(a.kind, a.source, a.target) for a in contents.associations],
            partial=contents.partial,
        )
    )
    publisher = ob3_publisher(ctx)
    signed = publisher.sign(ctx, board, unsigned)
    publisher.schemas.check("clr-credential", signed)
    jwt = publisher.vc_jwt(ctx, board, unsigned)
    body = documents.json_bytes(signed)
    documents.store(ctx, url, body, documents.JSON_LD)
    documents.store(ctx, f"{url}.jwt", jwt.encode(), JWT)
    ctx.session.add(record)
    ctx.session.flush()
    audit.record(
        ctx,
        "learner_record.issued",
        "earner",
        earner.id,
        record_id=record.id,
        credentials=len(credentials),
        left_out=record.left_out,
    )
    return SignedRecord(record, url, body, jwt, created=True)


def _issued_credential(ctx: Context, award_id: str) -> dict[str, Any]:
    """The award's OpenBadgeCredential exactly as published (proof intact)."""
    credential = documents.load_json(ctx, ctx.urls.ob3_credential(award_id))
    if credential is None:
        raise NotFound(f"Award {award_id} has no published credential.", code="credential_missing")
    return credential


def _stored(ctx: Context, record: LearnerRecord, *, created: bool) -> SignedRecord:
    url = ctx.urls.learner_record(record.id)
    body, jwt = documents.load(ctx, url), documents.load(ctx, f"{url}.jwt")
    if body is None or jwt is None:
        raise NotFound(f"Learner record {record.id} has no stored document.", code="record_missing")
    return SignedRecord(record, url, body.body, jwt.body.decode(), created=created)
