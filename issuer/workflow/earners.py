"""Earners: one record per educator across the deployment, keyed by email; prior training."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from issuer.domain.states import Role
from issuer.errors import Forbidden, NotFound
from issuer.models import Earner, PriorTraining
from issuer.workflow import audit
from issuer.workflow.accounts import normalize_email
from issuer.workflow.context import Context


def register_earner(
    ctx: Context,
    *,
    name: str,
    email: str,
    license_number: str | None = None,
    position: str | None = None,
) -> tuple[Earner, bool]:
    """Register an educator; an email already known returns the existing record (``created`` False)."""
    ctx.actor.require_role(Role.ISSUER_ADMIN, Role.PTSB)
    normalized = normalize_email(email)
    existing = find_by_email(ctx, normalized)
    if existing is not None:
        if license_number and not existing.license_number:
            existing.license_number = license_number
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
        return found, False
    audit.record(ctx, "earner.registered", "earner", earner.id)
    return earner, True


def find_by_email(ctx: Context, email: str) -> Earner | None:
    return ctx.session.scalar(select(Earner).where(Earner.email == email.strip().lower()))


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
    """The earner themself, any issuer admin (to enrol them) and PTSB may read an earner."""
    earner = ctx.get(Earner, earner_id)
    role = ctx.actor.role
    if role is Role.EARNER and earner.email != ctx.actor.email:
        raise Forbidden("That is another earner.", code="other_earner")
    if role is Role.REVIEWER:
        raise Forbidden("Reviewers see submissions, not earner records.", code="wrong_role")
    return earner


def record_prior_training(ctx: Context, earner_id: int, description: str) -> PriorTraining:
    """Record verified prior training (e.g. CDD) that opens the prior-training path."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    ctx.get(Earner, earner_id)
    assert ctx.actor.issuer_id is not None  # noqa: S101 - issuer admins always have an issuer
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
