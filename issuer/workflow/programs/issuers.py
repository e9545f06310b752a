"""Issuers: created by PTSB, managed by their own admins; the board itself is an issuer too."""

from __future__ import annotations

from sqlalchemy import select

from issuer.domain.states import Role
from issuer.models import Issuer
from issuer.workflow import audit
from issuer.workflow.awards import publishing
from issuer.workflow.awards.keys import ensure_issuer_keys
from issuer.workflow.context import Context
from issuer.workflow.programs.images import ImageUpload


def create_issuer(
    ctx: Context,
    *,
    name: str,
    url: str,
    email: str,
    description: str = "",
    image: ImageUpload | None = None,
    status_method: str = "BitstringStatusListEntry",
) -> Issuer:
    """Register an issuer and give it its signing keys (PTSB only)."""
    ctx.actor.require_role(Role.PTSB)
    issuer = Issuer(
        name=name,
        url=url,
        email=email,
        description=description,
        image=image.data if image else None,
        image_type=image.media_type if image else None,
        is_board=False,
        status_method=status_method,
        created_at=ctx.now,
    )
    ctx.session.add(issuer)
    ctx.session.flush()
    ensure_issuer_keys(ctx, issuer)
    publishing.publish_issuer(ctx, issuer)
    audit.record(ctx, "issuer.created", "issuer", issuer.id, name=name)
    return issuer


def update_issuer(ctx: Context, issuer_id: int, changes: dict[str, object]) -> Issuer:
    """Edit the issuer profile (its admins or PTSB)."""
    ctx.actor.require_role(Role.PTSB, Role.ISSUER_ADMIN)
    ctx.actor.require_issuer(issuer_id)
    issuer = ctx.get(Issuer, issuer_id)
    for field in ("name", "url", "email", "description", "status_method"):
        if field in changes:
            setattr(issuer, field, changes[field])
    image = changes.get("image")
    if isinstance(image, ImageUpload):
        issuer.image, issuer.image_type = image.data, image.media_type
    ctx.session.flush()
    publishing.publish_issuer(ctx, issuer)
    audit.record(ctx, "issuer.updated", "issuer", issuer_id, fields=sorted(changes))
    return issuer


def ensure_board(ctx: Context, *, name: str, url: str, email: str) -> Issuer:
    """The PTSB issuer row (signs endorsements); created with its keys on first start."""
    board = ctx.session.scalar(select(Issuer).where(Issuer.is_board.is_(True)))
    if board is None:
        board = Issuer(
            name=name,
            url=url,
            email=email,
            description="Approves micro-credential programs and records them on educator licenses.",
            is_board=True,
            status_method="BitstringStatusListEntry",
            created_at=ctx.now,
        )
        ctx.session.add(board)
        ctx.session.flush()
    if ensure_issuer_keys(ctx, board):
        publishing.publish_issuer(ctx, board)
    return board


def board(ctx: Context) -> Issuer | None:
    """PTSB's issuer record (read once per unit of work once it exists)."""
    found = ctx.memo.get("board")
    if found is None:
        found = ctx.session.scalar(select(Issuer).where(Issuer.is_board.is_(True)))
        if found is not None:
            ctx.memo["board"] = found
    return found


def remember_board(ctx: Context, found: Issuer) -> None:
    """PTSB's issuer record, read by a caller along with its own rows: ``board`` uses it."""
    ctx.memo["board"] = found


def list_issuers(ctx: Context) -> list[Issuer]:
    return list(ctx.session.scalars(select(Issuer).order_by(Issuer.id)))
