"""Appending to the audit log: who did what to which thing, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from issuer.models import AuditEntry
from issuer.workflow.context import Context


def record(ctx: Context, action: str, subject_type: str, subject_id: object, **detail: Any) -> None:
    """Add one entry in the current transaction, so it commits (or not) with the change it records."""
    ctx.session.add(
        AuditEntry(
            at=ctx.now,
            actor_id=ctx.actor.account_id,
            actor_role=ctx.actor.role.value,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            detail=detail,
        )
    )


def entries(ctx: Context, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """The newest entries first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    return list(ctx.session.scalars(query))
