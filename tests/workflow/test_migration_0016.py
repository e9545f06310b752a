"""Migration 0016 on data: the publication feed arrives empty beside existing published documents,
which keep their bytes, and a document written after the upgrade is recorded in it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from issuer.db import Database
from issuer.migrations import current_revision, head_revision, upgrade
from issuer.models import PublicationChange, PublishedDocument
from issuer.workflow.awards.publication_log import record_publication_changes
from tests.postgres import throwaway_database

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PATH = "/ob2/issuers/1"


@pytest.fixture(params=["sqlite", "postgresql"])
def at_0015(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database at 0015 holding a published issuer profile."""
    if request.param == "sqlite":
        yield from _seeded(f"sqlite:///{tmp_path / 'issuer.sqlite3'}", tmp_path)
    else:
        with throwaway_database("migration_0016") as url:
            yield from _seeded(url, tmp_path)


def _seeded(url: str, tmp_path: Path) -> Iterator[Database]:
    database = Database(url)
    upgrade(database, tmp_path, revision="0015")
    meta = sa.MetaData()
    meta.reflect(database.engine)
    with database.engine.begin() as conn:
        conn.execute(
            meta.tables["published_documents"]
            .insert()
            .values(
                path=PATH,
                media_type="application/ld+json",
                body=b'{"id": "issuer"}',
                etag='"e"',
                award_id=None,
                updated_at=NOW,
            )
        )
    yield database
    database.dispose()


def _rows(database: Database, table: str) -> list[tuple]:
    with database.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table}")).all()]  # noqa: S608


def test_published_documents_keep_their_bytes_and_the_feed_starts_empty(at_0015, tmp_path):
    before = _rows(at_0015, "published_documents")
    upgrade(at_0015, tmp_path)
    assert current_revision(at_0015) == head_revision()
    assert _rows(at_0015, "published_documents") == before
    assert _rows(at_0015, "publication_changes") == []


def test_a_document_written_after_the_upgrade_is_recorded_in_the_feed(at_0015, tmp_path):
    upgrade(at_0015, tmp_path)
    record_publication_changes(at_0015)
    with at_0015.transaction() as session:
        session.get(PublishedDocument, PATH).body = b'{"id": "issuer", "name": "new"}'
    with at_0015.session() as session:
        rows = list(session.scalars(sa.select(PublicationChange)))
    assert [row.paths for row in rows] == [PATH] and rows[0].seq >= 1
