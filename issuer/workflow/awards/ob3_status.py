"""OB 3.0 credential status: an issuer's Bitstring Status Lists (as many as its credentials
need), the signed BitstringStatusListCredential of each, and the 1EdTech Revocation List, rebuilt
from the awards table when something changes.

Each list hands out its indexes in the order of a keyed permutation of ``0..capacity-1``
(sequential indexes would leak issuance order; the key is the list's own, kept in the database).
Taking the next position is one ``UPDATE ... RETURNING`` of the list's row. On PostgreSQL it
is first tried as an autocommit statement on a connection of its own, so the row lock lasts that
statement only and concurrent completions of one issuer do not queue behind each other's
signing, baking and inserts until commit (a position taken by a completion that then rolls back
stays unused: its bit stays 0, which no credential points at). It runs inside the completion's
transaction instead on SQLite (whose write lock serialises writers anyway), when the autocommit
claim finds no open list (an issuer or list this transaction wrote is invisible to it: the
demo's seeding; or the newest list is full and the next must open), and for the rest of a unit
of work once one claim or list opening ran inside it (an outside claim would then wait on this
transaction's own row lock). A full list makes the issuer's next list
open, at ``…/status/2``, ``…/status/3`` and so on, published like the first. The unique index on
(issuer, list, index) remains the last line of defence.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from issuer.errors import Conflict
from issuer.models import Award, Issuer, StatusList
from issuer.openbadges.v3 import status
from issuer.openbadges.v3.documents import ProfileInfo
from issuer.workflow.awards import documents
from issuer.workflow.context import Context

FEISTEL_ROUNDS = 4
# How often a claim may find the newest list full, or a legacy index taken, before giving up.
CLAIM_ATTEMPTS = 64
# Set in a unit of work's memo once a claim or a list opening ran inside its transaction.
IN_TRANSACTION = "status_list_claims_in_transaction"

PublishList = Callable[[Context, Issuer, int], None]


def status_list_url(ctx: Context, issuer_id: int, number: int = 1) -> str:
    return ctx.urls.ob3_status_list(issuer_id, number)


def revocation_list_url(ctx: Context, issuer_id: int) -> str:
    """The 1EdTech Revocation List, beside the issuer's Profile (a permanent public path)."""
    return f"{ctx.urls.ob3_issuer(issuer_id)}/revocations"


def credential_status(
    ctx: Context, issuer: Issuer, award: Award, publish_list: PublishList
) -> dict[str, str]:
    """The award's one ``credentialStatus``, by the status method the issuer chose; a Bitstring
    entry takes the award's index now (``publish_list`` publishes a list this opens)."""
    if issuer.status_method == status.REVOCATION_LIST:
        return status.revocation_list_entry(revocation_list_url(ctx, issuer.id))
    if award.status_index is None:
        award.status_list, award.status_index = claim_index(ctx, issuer, publish_list)
    return status.bitstring_entry(
        status_list_url(ctx, issuer.id, award.status_list or 1), award.status_index
    )


@dataclass(frozen=True)
class Claimed:
    number: int
    position: int
    capacity: int
    key: str
    legacy: bool


def claim_index(ctx: Context, issuer: Issuer, publish_list: PublishList) -> tuple[int, int]:
    """The next free (list number, index) of the issuer, opening its next list when the newest is
    full (or when it has none yet). Raises Conflict(code="status_list_full") only if claims keep
    failing (``CLAIM_ATTEMPTS``), which a working database never does."""
    for _ in range(CLAIM_ATTEMPTS):
        claimed = _claimed_outside(ctx, issuer.id)
        if claimed is None:
            claimed = _take_next_position(ctx, issuer.id)
            ctx.memo[IN_TRANSACTION] = True
        if claimed is None:
            _open_next_list(ctx, issuer, publish_list)
            continue
        index = permuted_index(claimed.position, claimed.capacity, claimed.key)
        if claimed.legacy and _taken(ctx, issuer.id, claimed.number, index):
            continue
        return claimed.number, index
    raise Conflict("No status list index could be taken; retry.", code="status_list_full")


def _claimed_outside(ctx: Context, issuer_id: int) -> Claimed | None:
    """On PostgreSQL, unless this unit of work already claimed or opened a list in its own
    transaction: the newest committed list's next position, taken by one autocommit statement
    on a connection of its own; None when that is not possible here or no list has room."""
    bind = ctx.session.get_bind()
    if bind.dialect.name == "sqlite" or ctx.memo.get(IN_TRANSACTION):
        return None
    with bind.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        row = autocommit.execute(_next_position(), {"list_issuer_id": issuer_id}).one_or_none()
    return _claimed(row)


def _take_next_position(ctx: Context, issuer_id: int) -> Claimed | None:
    """Take the newest list's next position: one statement in the completion's transaction;
    None when that list is full or the issuer has none."""
    row = ctx.session.execute(_next_position(), {"list_issuer_id": issuer_id}).one_or_none()
    return _claimed(row)


def _claimed(row: Any) -> Claimed | None:
    if row is None:
        return None
    number, allocated, capacity, key, legacy = row
    return Claimed(number, allocated - 1, capacity, key, legacy)


@cache
def _next_position() -> Any:
    """``UPDATE ... RETURNING`` taking the next position of the issuer's (``list_issuer_id``)
    newest list, if it has room; built once, so each claim reuses the statement and its key."""
    newest = (
        select(StatusList.id)
        .where(StatusList.issuer_id == bindparam("list_issuer_id"))
        .order_by(StatusList.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    statement = (
        update(StatusList.__table__)
        .where(StatusList.id == newest, StatusList.allocated < StatusList.capacity)
        .values(allocated=StatusList.allocated + 1)
        .returning(
            StatusList.number,
            StatusList.allocated,
            StatusList.capacity,
            StatusList.permutation_key,
            StatusList.legacy,
        )
    )
    return statement


def _open_next_list(ctx: Context, issuer: Issuer, publish_list: PublishList) -> None:
    """Open the issuer's next list and publish it (empty); a concurrent opener of the same number
    wins and this one does nothing (the caller claims from whichever list is newest)."""
    newest = ctx.session.scalar(
        select(func.max(StatusList.number)).where(StatusList.issuer_id == issuer.id)
    )
    number = (newest or 0) + 1
    try:
        with ctx.session.begin_nested():
            ctx.session.add(
                StatusList(
                    issuer_id=issuer.id,
                    number=number,
                    capacity=ctx.status_list_capacity,
                    allocated=0,
                    permutation_key=secrets.token_hex(32),
                    legacy=False,
                    created_at=ctx.now,
                )
            )
    except IntegrityError:
        return
    finally:
        ctx.memo[IN_TRANSACTION] = True
    if number > 1:  # the first list is published with the issuer's profile
        publish_list(ctx, ctx.get(Issuer, issuer.id), number)


def permuted_index(position: int, capacity: int, key: str) -> int:
    """Position ``position`` of a keyed pseudo-random permutation of ``0..capacity-1``: a
    balanced Feistel network over the smallest even number of bits covering ``capacity``,
    cycle-walked back into range (a permutation restricted this way stays a permutation)."""
    if not 0 <= position < capacity:
        raise ValueError(f"position {position} is outside 0..{capacity - 1}")
    half = max(1, ((capacity - 1).bit_length() + 1) // 2)
    mask = (1 << half) - 1
    secret = bytes.fromhex(key)[:32]
    value = position
    while True:
        left, right = value >> half, value & mask
        for round_number in range(FEISTEL_ROUNDS):
            digest = hashlib.blake2b(
                right.to_bytes(8, "big"), key=secret, digest_size=8, person=bytes([round_number])
            ).digest()
            left, right = right, left ^ (int.from_bytes(digest, "big") & mask)
        value = (left << half) | right
        if value < capacity:
            return value


def _taken(ctx: Context, issuer_id: int, number: int, index: int) -> bool:
    query = select(Award.id).where(
        Award.issuer_id == issuer_id, Award.status_list == number, Award.status_index == index
    )
    return ctx.session.scalar(query.limit(1)) is not None


def list_numbers(ctx: Context, issuer_id: int) -> list[int]:
    """The numbers of the issuer's lists (1 when none is open yet: the first list's URL is
    published with the issuer)."""
    query = select(StatusList.number).where(StatusList.issuer_id == issuer_id)
    return sorted(set(ctx.session.scalars(query)) | {1})


@dataclass(frozen=True)
class RevokedAward:
    award_id: str
    status_list: int | None
    status_index: int | None
    reason: str


def revoked_awards(ctx: Context, issuer_id: int) -> list[RevokedAward]:
    """The issuer's revoked awards, oldest revocation first (callers lock the issuer row)."""
    rows = ctx.session.execute(
        select(Award.id, Award.status_list, Award.status_index, Award.revocation_reason)
        .where(Award.issuer_id == issuer_id, Award.status == "revoked")
        .order_by(Award.revoked_at, Award.id)
    )
    return [
        RevokedAward(i, number, index, reason or "Revoked by the issuer")
        for i, number, index, reason in rows
    ]


def status_list_credential(
    ctx: Context, issuer_id: int, profile_id: str, revoked: list[RevokedAward], number: int = 1
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential of list ``number``, a bit set per award of
    that list that was revoked."""
    encoded = status.encode_status_list(
        award.status_index
        for award in revoked
        if award.status_index is not None and (award.status_list or 1) == number
    )
    url = status_list_url(ctx, issuer_id, number)
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
