"""OB 3.0 credential status: per-issuer status list indexes, the signed Bitstring Status List
credential and the 1EdTech Revocation List, rebuilt from the awards table when something changes.

Indexes are drawn at random (sequential ones would leak issuance order) and never reused: an
award keeps its index for ever, and a unique index on (issuer, status index) turns a concurrent
draw of the same number into a retry inside a savepoint, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from issuer.errors import Conflict
from issuer.models import Award, Issuer
from issuer.openbadges.v3 import status
from issuer.openbadges.v3.documents import ProfileInfo
from issuer.workflow.awards import documents
from issuer.workflow.context import Context

RANDOM_DRAWS = 32  # before falling back to listing the free indexes (a nearly full list)


def status_list_url(ctx: Context, issuer_id: int) -> str:
    return ctx.urls.ob3_status_list(issuer_id)


def revocation_list_url(ctx: Context, issuer_id: int) -> str:
    """The 1EdTech Revocation List, beside the issuer's Profile (a permanent public path)."""
    return f"{ctx.urls.ob3_issuer(issuer_id)}/revocations"


def credential_status(ctx: Context, issuer: Issuer, award: Award) -> dict[str, str]:
    """The award's one ``credentialStatus``, by the status method the issuer chose."""
    if issuer.status_method == status.REVOCATION_LIST:
        return status.revocation_list_entry(revocation_list_url(ctx, issuer.id))
    index = award.status_index
    if index is None:
        index = allocate_index(ctx, award)
    return status.bitstring_entry(status_list_url(ctx, issuer.id), index)


def allocate_index(
    ctx: Context, award: Award, draw: Callable[[int], int] = secrets.randbelow
) -> int:
    """Give the award a random status list index no other award of its issuer holds.

    Raises Conflict(code="status_list_full") when every index of the issuer's list is taken.
    """
    for _ in range(RANDOM_DRAWS):
        candidate = draw(status.LIST_LENGTH)
        if not _taken(ctx, award.issuer_id, candidate) and _claim(ctx, award, candidate):
            return candidate
    free = sorted(set(range(status.LIST_LENGTH)) - _taken_indexes(ctx, award.issuer_id))
    while free:
        candidate = free.pop(draw(len(free)))
        if _claim(ctx, award, candidate):
            return candidate
    raise Conflict("This issuer's status list has no free index left.", code="status_list_full")


def _taken(ctx: Context, issuer_id: int, index: int) -> bool:
    query = select(Award.id).where(Award.issuer_id == issuer_id, Award.status_index == index)
    return ctx.session.scalar(query.limit(1)) is not None


def _taken_indexes(ctx: Context, issuer_id: int) -> set[int]:
    query = select(Award.status_index).where(
        Award.issuer_id == issuer_id, Award.status_index.is_not(None)
    )
    return {index for index in ctx.session.scalars(query) if index is not None}


def _claim(ctx: Context, award: Award, index: int) -> bool:
    """Set the index in a savepoint; a concurrent claim of the same index loses (and retries)."""
    try:
        with ctx.session.begin_nested():
            award.status_index = index
            ctx.session.flush()
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class RevokedAward:
    award_id: str
    status_index: int | None
    reason: str


def revoked_awards(ctx: Context, issuer_id: int) -> list[RevokedAward]:
    """The issuer's revoked awards, oldest revocation first (callers lock the issuer row)."""
    rows = ctx.session.execute(
        select(Award.id, Award.status_index, Award.revocation_reason)
        .where(Award.issuer_id == issuer_id, Award.status == "revoked")
        .order_by(Award.revoked_at, Award.id)
    )
    return [RevokedAward(i, index, reason or "Revoked by the issuer") for i, index, reason in rows]


def status_list_credential(
    ctx: Context, issuer_id: int, profile_id: str, revoked: list[RevokedAward]
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential with a bit set per revoked award."""
    encoded = status.encode_status_list(
        award.status_index for award in revoked if award.status_index is not None
    )
    url = status_list_url(ctx, issuer_id)
    return status.build_status_list_credential(url, profile_id, encoded, ctx.now)


def revocation_list(
    ctx: Context, issuer_id: int, profile: ProfileInfo, revoked: list[RevokedAward]
) -> dict[str, Any]:
    """The 1EdTech Revocation List naming every revoked credential (any status method)."""
    entries = [(ctx.urls.ob3_credential(award.award_id), award.reason) for award in revoked]
    return status.build_revocation_list(revocation_list_url(ctx, issuer_id), profile, entries)


def status_documents_missing(ctx: Context, issuer_id: int) -> bool:
    return documents.load(ctx, status_list_url(ctx, issuer_id)) is None or (
        documents.load(ctx, revocation_list_url(ctx, issuer_id)) is None
    )
