"""Migration 0016 on data: the publication feed arrives empty beside existing published documents,
which keep their bytes, and a document written after the upgrade is recorded in it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from issuer.db import Database
from issuer.migrations import current_revision, head_revision, upgrade
from issuer.models import PublicationChange, PublishedDocument
from issuer.workflow.awards.publication_log import record_publication_changes
from tests.workflow.migration_rows import CREDENTIAL_PATH as PATH
from tests.workflow.migration_rows import seed_award
from tests.workflow.migration_rows import table_rows as _rows


@pytest.fixture
def at_0015(database_at: Callable[[str], Database]) -> Database:
    """A database at 0015 holding an award and its published credential."""
    return seed_award(database_at("0015"))


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
        session.get(PublishedDocument, PATH).body = b'{"id": "credential", "name": "new"}'
    with at_0015.session() as session:
        rows = list(session.scalars(sa.select(PublicationChange)))
    assert [row.paths for row in rows] == [PATH] and rows[0].seq >= 1
