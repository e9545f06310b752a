"""Migration 0015 on data: the learner_records table arrives empty beside existing earners and
awards, every existing row and published document keeps its values, and a record can then be
stored for an educator registered before the migration (once per contents)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from issuer.db import Database
from issuer.migrations import current_revision, head_revision, upgrade
from tests.postgres import throwaway_database

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
AWARD = "00000000-0000-4000-8000-000000000001"
RECORD = "00000000-0000-4000-8000-0000000000c1"
BEFORE = "0014"
KEPT = ("issuers", "earners", "awards", "published_documents")


@pytest.fixture(params=["sqlite", "postgresql"])
def at_0014(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database at 0014 holding the board, an issuer, an earner, an award and its document."""
    if request.param == "sqlite":
        yield from _seeded(f"sqlite:///{tmp_path / 'issuer.sqlite3'}", tmp_path)
    else:
        with throwaway_database("migration_0015") as url:
            yield from _seeded(url, tmp_path)


def _seeded(url: str, tmp_path: Path) -> Iterator[Database]:
    database = Database(url)
    upgrade(database, tmp_path, revision=BEFORE)
    meta = sa.MetaData()
    meta.reflect(database.engine)
    t = meta.tables
    with database.engine.begin() as conn:
        for issuer_id, name, board in ((1, "PTSB", True), (2, "District 1", False)):
            conn.execute(
                t["issuers"]
                .insert()
                .values(
                    id=issuer_id,
                    name=name,
                    url="https://d.example.org",
                    email="pd@d.example.org",
                    description="",
                    is_board=board,
                    status_method="BitstringStatusListEntry",
                    created_at=NOW,
                )
            )
        conn.execute(
            t["earners"].insert().values(id=1, name="Ada", email="ada@x.example", created_at=NOW)
        )
        conn.execute(
            t["awards"]
            .insert()
            .values(
                id=AWARD,
                kind="program",
                earner_id=1,
                issuer_id=2,
                name="Formative Assessment",
                earner_name="Ada",
                credit_hours="0.5",
                issued_at=NOW,
                status="active",
                recipient_salt="ab" * 16,
                status_index=7,
                status_list=1,
            )
        )
        conn.execute(
            t["published_documents"]
            .insert()
            .values(
                path=f"/ob3/credentials/{AWARD}",
                media_type="application/ld+json",
                body=b'{"id": "credential"}',
                etag='"e"',
                award_id=AWARD,
                updated_at=NOW,
            )
        )
    yield database
    database.dispose()


def _rows(database: Database, table: str) -> list[tuple]:
    with database.engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table}")).all())  # noqa: S608


INSERT = sa.text(
    "INSERT INTO learner_records (id, earner_id, contents_hash, partial, left_out,"
    " recipient_salt, created_at) VALUES (:id, :earner, :hash, :partial, '', :salt, :now)"
)


def _record(record_id: str = RECORD, earner: int = 1, contents: str = "h") -> dict:
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
