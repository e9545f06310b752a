"""Issuer signing keys: one active Ed25519 and one active RSA key each; rotation keeps old ones published."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam, select

from issuer.domain.states import Role
from issuer.errors import NotFound
from issuer.models import Issuer, SigningKey
from issuer.workflow import audit
from issuer.workflow.awards import publishing
from issuer.workflow.awards.keyring import ALGORITHMS
from issuer.workflow.context import Context


def ensure_issuer_keys(ctx: Context, issuer: Issuer) -> list[SigningKey]:
    """Create whichever active key the issuer lacks; return the keys created (often none)."""
    active = {k.algorithm for k in active_keys(ctx, issuer.id)}
    return [_new_key(ctx, issuer, algorithm) for algorithm in ALGORITHMS if algorithm not in active]


def rotate_keys(ctx: Context, issuer_id: int) -> list[SigningKey]:
    """Retire the active keys (they stay published, so old badges verify) and make new ones."""
    ctx.actor.require_role(Role.PTSB, Role.ISSUER_ADMIN)
    ctx.actor.require_issuer(issuer_id)
    issuer = ctx.get(Issuer, issuer_id)
    ctx.memo.pop(("active_keys", issuer_id), None)
    for key in active_keys(ctx, issuer_id):
        key.retired_at = ctx.now
    ctx.session.flush()
    created = [_new_key(ctx, issuer, algorithm) for algorithm in ALGORITHMS]
    publishing.publish_issuer(ctx, issuer)
    audit.record(ctx, "keys.rotated", "issuer", issuer_id, keys=[k.id for k in created])
    return created


def active_keys(ctx: Context, issuer_id: int) -> list[SigningKey]:
    return list(ctx.session.scalars(_active_keys(), {"issuer_id": issuer_id}))


@cache
def _active_keys() -> Select[tuple[SigningKey]]:
    """An issuer's (``issuer_id``) keys in use, oldest first: built once (every award reads it)."""
    return (
        select(SigningKey)
        .where(SigningKey.issuer_id == bindparam("issuer_id"), SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at)
    )


def active_key(ctx: Context, issuer_id: int, algorithm: str) -> SigningKey:
    """The key to sign with now, or ``NotFound`` when the issuer has none (the active keys are
    read once per unit of work; making or retiring a key forgets them)."""
    for key in ctx.remember(("active_keys", issuer_id), lambda: active_keys(ctx, issuer_id)):
        if key.algorithm == algorithm:
            return key
    raise NotFound(f"Issuer {issuer_id} has no active {algorithm} key.", code="key_not_found")


def _new_key(ctx: Context, issuer: Issuer, algorithm: str) -> SigningKey:
    label = "ptsb" if issuer.is_board else f"issuer{issuer.id}"
    key_id, file_name, public_pem = ctx.keys.create(algorithm, label)
    key = SigningKey(
        id=key_id,
        issuer_id=issuer.id,
        algorithm=algorithm,
        public_pem=public_pem,
        private_file=file_name,
        created_at=ctx.now,
    )
    ctx.session.add(key)
    ctx.session.flush()
    ctx.memo.pop(("active_keys", issuer.id), None)
    return key
