"""Migration 0017 on data: award offers and copies made before it keep their values (with no
learner record), an offer and a copy of a learner record can then be stored, and a row naming
neither an award nor a record (or both) is refused by the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from issuer.db import Database
from issuer.migrations import current_revision, head_revision, upgrade
from tests.workflow.migration_rows import (
    AWARD,
    EARNER,
    NOW,
    OFFER,
    seed_award,
    seed_wallet_offer,
    tables,
)

RECORD = "00000000-0000-4000-8000-0000000000c1"
COPY = "00000000-0000-4000-8000-0000000000d1"


@pytest.fixture
def at_0016(database_at: Callable[[str], Database]) -> Database:
    """A database at 0016 holding an award with a wallet offer and a wallet copy of it, and a
    learner record of the same educator."""
    database = seed_wallet_offer(seed_award(database_at("0016")))
    t = tables(database)
    with database.engine.begin() as conn:
        conn.execute(
            t["wallet_copies"]
            .insert()
            .values(
                id=COPY,
                award_id=AWARD,
                offer_id=OFFER,
                holder_did="did:key:z6MkExample",
                credential_id=f"https://badges.test/ob3/credentials/{AWARD}/copies/{COPY}",
                format="ldp_vc",
                issued_at=NOW,
            )
        )
        conn.execute(
            t["learner_records"]
            .insert()
            .values(
                id=RECORD,
                earner_id=EARNER,
                contents_hash="d" * 64,
                partial=False,
                left_out="",
                recipient_salt="ef" * 16,
                created_at=NOW,
            )
        )
    return database


def _rows(database: Database, table: str) -> list[dict[str, object]]:
    with database.engine.connect() as conn:
        query = sa.text(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608
        return [dict(r._mapping) for r in conn.execute(query).all()]


def test_award_offers_and_copies_keep_their_values_with_no_record(at_0016, tmp_path):
    before = {t: _rows(at_0016, t) for t in ("wallet_offers", "wallet_copies")}
    upgrade(at_0016, tmp_path)
    assert current_revision(at_0016) == head_revision()
    for table, rows in before.items():
        assert _rows(at_0016, table) == [{**row, "learner_record_id": None} for row in rows]


def test_an_offer_and_a_copy_of_a_learner_record_can_be_stored(at_0016, tmp_path):
    upgrade(at_0016, tmp_path)
    with at_0016.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO wallet_offers (id, learner_record_id, created_by, code_hash,"
                " created_at, expires_at) VALUES ('rec-offer', :record, 1, :code, :now, :later)"
            ),
            {"record": RECORD, "code": "e" * 64, "now": NOW, "later": NOW + timedelta(minutes=10)},
        )
        conn.execute(
            sa.text(
                "INSERT INTO wallet_copies (id, learner_record_id, offer_id, holder_did,"
                " credential_id, format, issued_at)"
                " VALUES ('rec-copy', :record, 'rec-offer', 'did:key:z6Mk', 'u', 'ldp_vc', :now)"
            ),
            {"record": RECORD, "now": NOW},
        )
    offers = {row["id"]: row for row in _rows(at_0016, "wallet_offers")}
    assert (offers["rec-offer"]["award_id"], offers["rec-offer"]["learner_record_id"]) == (
        None,
        RECORD,
    )


@pytest.mark.parametrize("award, record", [(None, None), (AWARD, RECORD)])
def test_an_offer_of_neither_or_both_is_refused(at_0016, tmp_path, award, record):
    upgrade(at_0016, tmp_path)
    with pytest.raises(IntegrityError), at_0016.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO wallet_offers (id, award_id, learner_record_id, created_by,"
                " code_hash, created_at, expires_at)"
                " VALUES ('bad', :award, :record, 1, :code, :now, :now)"
            ),
            {"award": award, "record": record, "code": "f" * 64, "now": NOW},
        )
