"""The earner's side of the Open Badges 3.0 API: their credentials, pushed credentials, profile.

``ctx.actor`` is the earner account an OAuth token was granted by; everything here is scoped to
the earner record with that account's email, so one earner's app never sees another's data.
Credentials are served exactly as stored (our published documents, or what an app pushed after
it verified); nothing is re-signed.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from issuer.domain.states import AwardStatus, Role
from issuer.errors import BadRequest, Forbidden, ValidationFailed
from issuer.models import Award, Earner, ReceivedCredential
from issuer.verify import Format, Report
from issuer.workflow import audit
from issuer.workflow.awards import documents
from issuer.workflow.context import Context
from issuer.workflow.learning.earners import find_by_email, own_earner

OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
JSON = "json"
JWT = "jwt"
JWT_MEDIA_TYPE = "text/plain"  # how upsertCredential receives a VC-JWT
OB3_FORMATS = (Format.OB3_DI, Format.OB3_JWT)
MAX_NAME = 200


@dataclass(frozen=True)
class HeldCredential:
    """One credential of the earner: a JSON document or a compact JWS (VC-JWT)."""

    issued_at: datetime
    key: str
    document: dict[str, Any] | None = None
    token: str | None = None


@dataclass(frozen=True)
class CredentialPage:
    """A page of credentials and the total the filter matched (for X-Total-Count)."""

    items: list[HeldCredential]
    total: int


@dataclass(frozen=True)
class IncomingCredential:
    """A credential an app pushed, already verified: exact bytes plus the facts the report gave."""

    format: str
    body: bytes
    credential_id: str | None
    issued_at: datetime


def credentials_page(
    ctx: Context, *, limit: int, offset: int, since: datetime | None
) -> CredentialPage:
    """The earner's credentials issued after ``since``, oldest first, ``limit`` from ``offset``."""
    earner = _earner_or_none(ctx)
    if earner is None:
        return CredentialPage([], 0)
    held = [c for c in _issued(ctx, earner) + _received(ctx, earner) if _after(c, since)]
    held.sort(key=lambda c: (c.issued_at, c.key))
    return CredentialPage(held[offset : offset + limit], len(held))


def receive_credential(
    ctx: Context, report: Report, body: bytes, media_type: str, client_pk: int | None
) -> bool:
    """upsertCredential: store what an app pushed once the verifier's ``report`` accepts it
    (``accepted``); True when it is new to the earner."""
    return upsert_received(ctx, accepted(report, body, media_type, ctx.now), client_pk)


def accepted(report: Report, body: bytes, media_type: str, now: datetime) -> IncomingCredential:
    """A verified OB 3.0 credential becomes storable; anything else is refused with the reasons.

    Its issue date is the one the report read, or ``now`` when it gave none that parses.
    """
    if report.format not in OB3_FORMATS:
        raise BadRequest("upsertCredential takes Open Badges 3.0 credentials only.")
    if not report.valid:
        reasons = "; ".join(f"{c.name}: {c.reason}" for c in report.failed_checks)
        raise BadRequest(f"The credential did not verify: {reasons or 'not authentic'}.")
    return IncomingCredential(
        format=JWT if media_type == JWT_MEDIA_TYPE else JSON,
        body=body,
        credential_id=report.badge_id,
        issued_at=_issue_date(report.issued, now),
    )


def _issue_date(text: str | None, now: datetime) -> datetime:
    moment = None
    if text:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
    if moment is None:
        return now
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def upsert_received(ctx: Context, incoming: IncomingCredential, client_pk: int | None) -> bool:
    """Store (or replace) a verified credential for the earner; True when it is new.

    Credentials are equal when their ``id`` is (or, without one, their bytes). One of our own
    awards is already held: nothing is stored. Raises ``Forbidden`` for another earner's award.
    """
    earner = own_earner(ctx)
    if _is_own_award(ctx, incoming.credential_id, earner):
        return False
    key = _credential_key(incoming)
    row = ctx.session.scalar(
        select(ReceivedCredential).where(
            ReceivedCredential.earner_id == earner.id, ReceivedCredential.credential_key == key
        )
    )
    if row is not None:
        _replace(ctx, row, incoming, client_pk)
        return False
    return _insert(ctx, earner, key, incoming, client_pk)


def profile(ctx: Context) -> dict[str, Any]:
    """The earner's OB 3.0 Profile (for the earner's own apps: name and email, no license)."""
    return _profile_document(ctx, own_earner(ctx))


def update_profile(ctx: Context, name: str) -> dict[str, Any]:
    """Change the earner's name (the only field an app may change) and answer the profile."""
    earner = own_earner(ctx)
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_NAME:
        raise ValidationFailed(fields={"name": f"give 1 to {MAX_NAME} characters"})
    if clean != earner.name:
        earner.name = clean
        ctx.session.flush()
        audit.record(ctx, "earner.profile_updated", "earner", earner.id, field="name")
    return _profile_document(ctx, earner)


def profile_id(ctx: Context, earner: Earner) -> str:
    """A stable, opaque id for the earner's profile: no email, no guessable number."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{ctx.urls.base}/earners/{earner.id}')}"


def _profile_document(ctx: Context, earner: Earner) -> dict[str, Any]:
    return {
        "@context": [OB3_CONTEXT],
        "id": profile_id(ctx, earner),
        "type": ["Profile"],
        "name": earner.name,
        "email": earner.email,
    }


def _earner_or_none(ctx: Context) -> Earner | None:
    if ctx.actor.role is not Role.EARNER:
        raise Forbidden("Only an earner's own apps read their credentials.", code="wrong_role")
    return find_by_email(ctx, ctx.actor.email)


def _issued(ctx: Context, earner: Earner) -> list[HeldCredential]:
    """Our awards to the earner that have an OB 3.0 credential published (revoked ones left out)."""
    awards = ctx.session.scalars(
        select(Award).where(Award.earner_id == earner.id, Award.status != AwardStatus.REVOKED.value)
    )
    held = (_published(ctx, award) for award in awards)
    return [h for h in held if h is not None]


def _published(ctx: Context, award: Award) -> HeldCredential | None:
    url = ctx.urls.ob3_credential(award.id)
    stored = documents.load(ctx, url)
    if stored is not None:
        return HeldCredential(award.issued_at, award.id, document=json.loads(stored.body))
    jwt = documents.load(ctx, f"{url}.jwt")
    if jwt is not None:
        return HeldCredential(award.issued_at, award.id, token=jwt.body.decode().strip())
    return None


def _received(ctx: Context, earner: Earner) -> list[HeldCredential]:
    rows = ctx.session.scalars(
        select(ReceivedCredential).where(ReceivedCredential.earner_id == earner.id)
    )
    return [_held_received(row) for row in rows]


def _held_received(row: ReceivedCredential) -> HeldCredential:
    key = f"received-{row.id:012d}"
    if row.format == JWT:
        return HeldCredential(row.issued_at, key, token=row.body.decode())
    return HeldCredential(row.issued_at, key, document=json.loads(row.body))


def _after(credential: HeldCredential, since: datetime | None) -> bool:
    return since is None or credential.issued_at > since


def _is_own_award(ctx: Context, credential_id: str | None, earner: Earner) -> bool:
    prefix = ctx.urls.ob3_credential("")
    if not credential_id or not credential_id.startswith(prefix):
        return False
    award = ctx.session.get(Award, credential_id[len(prefix) :])
    if award is None:
        return False
    if award.earner_id != earner.id:
        raise Forbidden("That credential belongs to another earner.", code="other_earner")
    return True


def _credential_key(incoming: IncomingCredential) -> str:
    basis = incoming.credential_id.encode() if incoming.credential_id else incoming.body
    return hashlib.sha256(basis).hexdigest()


def _replace(
    ctx: Context, row: ReceivedCredential, incoming: IncomingCredential, client_pk: int | None
) -> None:
    row.format, row.body, row.issued_at = incoming.format, incoming.body, incoming.issued_at
    row.client_id, row.updated_at = client_pk, ctx.now
    ctx.session.flush()
    audit.record(ctx, "credential.replaced", "received_credential", row.id)


def _insert(
    ctx: Context,
    earner: Earner,
    key: str,
    incoming: IncomingCredential,
    client_pk: int | None,
) -> bool:
    row = ReceivedCredential(
        earner_id=earner.id,
        credential_key=key,
        credential_id=incoming.credential_id,
        format=incoming.format,
        body=incoming.body,
        issued_at=incoming.issued_at,
        client_id=client_pk,
        received_at=ctx.now,
        updated_at=ctx.now,
    )
    try:
        with ctx.session.begin_nested():
            ctx.session.add(row)
            ctx.session.flush()
    except IntegrityError:  # the same credential pushed twice at once: the other insert won
        return False
    audit.record(ctx, "credential.received", "received_credential", row.id)
    return True
