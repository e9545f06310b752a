"""Earners: one record per educator across the deployment, keyed by email; prior training."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from issuer.domain.states import Role
from issuer.errors import Forbidden, NotFound
from issuer.models import Account, AuditEntry, Earner, Enrollment, PriorTraining, Program
from issuer.workflow import audit
from issuer.workflow.accounts.accounts import normalize_email
from issuer.workflow.context import Context


def register_earner(
    ctx: Context,
    *,
    name: str,
    email: str,
    license_number: str | None = None,
    position: str | None = None,
) -> tuple[Earner, bool]:
    """Register an educator; an email already known returns the existing record unchanged
    (``created`` False): only PTSB or the educator change it (``update_earner``)."""
    ctx.actor.require_role(Role.ISSUER_ADMIN, Role.PTSB)
    normalized = normalize_email(email)
    existing = find_by_email(ctx, normalized)
    if existing is not None:
        _note_registration(ctx, existing)
        return existing, False
    earner = Earner(
        name=name,
        email=normalized,
        license_number=license_number,
        position=position,
        created_at=ctx.now,
    )
    try:
        with ctx.session.begin_nested():
            ctx.session.add(earner)
            ctx.session.flush()
    except IntegrityError:  # registered by a concurrent request a moment ago
        found = find_by_email(ctx, normalized)
        if found is None:
            raise
        _note_registration(ctx, found)
        return found, False
    audit.record(ctx, "earner.registered", "earner", earner.id, issuer_id=ctx.actor.issuer_id)
    return earner, True


def update_earner(ctx: Context, earner_id: int, changes: dict[str, str | None]) -> Earner:
    """Change an educator's name or license number: PTSB (the license authority) or the educator
    themself only, since both flow into awards and PTSB's license records."""
    earner = ctx.get(Earner, earner_id, lock=True)
    actor = ctx.actor
    if actor.role is Role.EARNER:
        if earner.email != actor.email:
            raise Forbidden("That is another earner.", code="other_earner")
    elif actor.role is not Role.PTSB:
        raise Forbidden(
            "Only PTSB or the educator themself change an educator's name or license number.",
            code="wrong_role",
        )
    changed = {k: v for k, v in changes.items() if getattr(earner, k) != v}
    for field, value in changed.items():
        setattr(earner, field, value)
    if changed:
        audit.record(ctx, "earner.updated", "earner", earner_id, fields=sorted(changed))
    return earner


def find_by_email(ctx: Context, email: str) -> Earner | None:
    return ctx.session.scalar(select(Earner).where(Earner.email == email.strip().lower()))


def display_name(ctx: Context) -> str:
    """What the pages call the signed-in person: an educator's name, anyone else's email."""
    earner = find_by_email(ctx, ctx.actor.email) if ctx.actor.role is Role.EARNER else None
    return earner.name if earner is not None else ctx.actor.email


def own_earner(ctx: Context) -> Earner:
    """The earner record linked to an earner account (same email)."""
    earner = find_by_email(ctx, ctx.actor.email)
    if earner is None:
        raise NotFound(
            "No earner record has this account's email yet; ask your issuer to register you.",
            code="earner_not_registered",
        )
    return earner


def readable_earner(ctx: Context, earner_id: int) -> Earner:
    """The earner themself and PTSB read any record; an issuer admin only the educators of their
    issuer (``is_issuer_earner``); reviewers none."""
    earner = ctx.get(Earner, earner_id)
    actor = ctx.actor
    if actor.role is Role.EARNER and earner.email != actor.email:
        raise Forbidden("That is another earner.", code="other_earner")
    if actor.role is Role.REVIEWER:
        raise Forbidden("Reviewers see submissions, not earner records.", code="wrong_role")
    if actor.role is Role.ISSUER_ADMIN and not is_issuer_earner(ctx, earner.id, actor.issuer_id):
        raise Forbidden("That educator is not one of your issuer's.", code="other_issuer")
    return earner


def is_issuer_earner(ctx: Context, earner_id: int, issuer_id: int | None) -> bool:
    """Whether the educator belongs to an issuer: enrolled in one of its programs, prior training
    recorded by it, or registered by one of its admins (``POST /api/v1/earners``, imports)."""
    if issuer_id is None:
        return False
    enrolled = (
        select(Enrollment.id)
        .join(Program, Program.id == Enrollment.program_id)
        .where(Enrollment.earner_id == earner_id, Program.issuer_id == issuer_id)
    )
    trained = select(PriorTraining.id).where(
        PriorTraining.earner_id == earner_id, PriorTraining.issuer_id == issuer_id
    )
    registered = (
        select(AuditEntry.id)
        .join(Account, Account.id == AuditEntry.actor_id)
        .where(
            AuditEntry.action.in_(_REGISTRATIONS),
            AuditEntry.subject_type == "earner",
            AuditEntry.subject_id == str(earner_id),
            Account.issuer_id == issuer_id,
        )
    )
    return any(
        ctx.session.scalar(query.limit(1)) is not None for query in (enrolled, trained, registered)
    )


_REGISTRATIONS = ("earner.registered", "earner.registered_again")


def _note_registration(ctx: Context, earner: Earner) -> None:
    """Remember (once per issuer) that an issuer's admin registered an educator already known,
    so that issuer may read the record it now works with; the record itself stays unchanged."""
    issuer_id = ctx.actor.issuer_id
    if ctx.actor.role is Role.ISSUER_ADMIN and not is_issuer_earner(ctx, earner.id, issuer_id):
        audit.record(ctx, "earner.registered_again", "earner", earner.id, issuer_id=issuer_id)


def record_prior_training(ctx: Context, earner_id: int, description: str) -> PriorTraining:
    """Record verified prior training (e.g. CDD) that opens the prior-training path."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    ctx.get(Earner, earner_id)
    assert ctx.actor.issuer_id is not None  # noqa: S101 - issuer admins always have an issuer
    if not is_issuer_earner(ctx, earner_id, ctx.actor.issuer_id):
        raise Forbidden(
            "Register the educator with your issuer first (POST /api/v1/earners).",
            code="other_issuer",
        )
    record = PriorTraining(
        earner_id=earner_id,
        issuer_id=ctx.actor.issuer_id,
        description=description,
        recorded_by=ctx.actor.account_id,
        created_at=ctx.now,
    )
    ctx.session.add(record)
    ctx.session.flush()
    audit.record(ctx, "prior_training.recorded", "earner", earner_id, prior_training=record.id)
    return record


def has_prior_training(ctx: Context, earner_id: int, issuer_id: int) -> bool:
    query = select(PriorTraining.id).where(
        PriorTraining.earner_id == earner_id, PriorTraining.issuer_id == issuer_id
    )
    return ctx.session.scalar(query.limit(1)) is not None
