"""Migration 0015 on data: the learner_records table arrives empty beside existing earners and
awards, every existing row and published document keeps its values, and a record can then be
stored for an educator registered before the migration (once per contents)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from issuer.db import Database
from issuer.migrations import current_revision, head_revision, upgrade
from tests.workflow.migration_rows import EARNER, NOW, seed_award
from tests.workflow.migration_rows import table_rows as _rows

RECORD = "00000000-0000-4000-8000-0000000000c1"
KEPT = ("issuers", "earners", "awards", "published_documents")


@pytest.fixture
def at_0014(database_at: Callable[[str], Database]) -> Database:
    """A database at 0014 holding the board, an issuer, an earner, an award and its document."""
    return seed_award(database_at("0014"))


INSERT = sa.text(
    "INSERT INTO learner_records (id, earner_id, contents_hash, partial, left_out,"
    " recipient_salt, created_at) VALUES (:id, :earner, :hash, :partial, '', :salt, :now)"
)


def _record(record_id: str = RECORD, earner: int = EARNER, contents: str = "h") -> dict:
    return {
        "id": record_id,
        "earner": earner,
        "hash": contents * 64,
        "partial": False,
        "salt": "cd" * 16,
        "now": NOW,
    }


def test_existing_rows_and_documents_keep_their_values(at_0014, tmp_path):
    before = {table: _rows(at_0014, table) for table in KEPT}
    upgrade(at_0014, tmp_path)
    assert current_revision(at_0014) == head_revision()
    assert {table: _rows(at_0014, table) for table in KEPT} == before


def test_learner_records_start_empty(at_0014, tmp_path):
    upgrade(at_0014, tmp_path)
    assert _rows(at_0014, "learner_records") == []


def test_an_educator_from_before_takes_a_record(at_0014, tmp_path):
    upgrade(at_0014, tmp_path)
    with at_0014.engine.begin() as conn:
        conn.execute(INSERT, _record())
    assert [(row[0], row[1]) for row in _rows(at_0014, "learner_records")] == [(RECORD, 1)]


def test_the_same_contents_are_stored_once_per_educator(at_0014, tmp_path):
    upgrade(at_0014, tmp_path)
    with at_0014.engine.begin() as conn:
        conn.execute(INSERT, _record())
    with pytest.raises(sa.exc.IntegrityError), at_0014.engine.begin() as conn:
        conn.execute(INSERT, _record(RECORD[:-1] + "2"))


def test_a_record_needs_an_existing_educator(at_0014, tmp_path):
    upgrade(at_0014, tmp_path)
    with pytest.raises(sa.exc.IntegrityError), at_0014.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(sa.text("PRAGMA foreign_keys = ON"))
        conn.execute(INSERT, _record(earner=99))
