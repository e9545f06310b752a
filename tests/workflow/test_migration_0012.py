"""Migration 0012 on data: awards issued at 0010 are on their issuer's list 1 (a ``legacy`` list:
their indexes were drawn at random), every published document keeps its bytes, and the service
then issues on from that list without reusing an index."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from issuer.db import Database
from issuer.migrations import current_revision, head_revision, upgrade

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AWARD = "00000000-0000-4000-8000-00000000000{}"
STATUS_URL_PATH = "/ob3/issuers/1/status"


@pytest.fixture
def at_0010(database_at: Callable[[str], Database]) -> Database:
    """A database at 0010 holding two issuers' awards with random status indexes, one award on
    the 1EdTech Revocation List (no index), and published documents."""
    return _seeded(database_at("0010"))


def _seeded(database: Database) -> Database:
    meta = sa.MetaData()
    meta.reflect(database.engine)
    t = meta.tables
    with database.engine.begin() as conn:
        for issuer_id in (1, 2):
            conn.execute(
                t["issuers"]
                .insert()
                .values(
                    id=issuer_id,
                    name=f"District {issuer_id}",
                    url="https://d.example.org",
                    email="pd@d.example.org",
                    description="",
                    is_board=False,
                    status_method="bitstring",
                    created_at=NOW,
                )
            )
        conn.execute(
            t["earners"].insert().values(id=1, name="Ada", email="ada@x.example", created_at=NOW)
        )
        for number, (issuer_id, index) in enumerate([(1, 90817), (1, 5), (2, 90817), (2, None)]):
            conn.execute(
                t["awards"]
                .insert()
                .values(
                    id=AWARD.format(number),
                    kind="program",
                    earner_id=1,
                    issuer_id=issuer_id,
                    name="Formative Assessment",
                    earner_name="Ada",
                    credit_hours="0.5",
                    issued_at=NOW,
                    status="active",
                    recipient_salt="ab" * 16,
                    status_index=index,
                )
            )
        conn.execute(
            t["ptsb_notices"]
            .insert()
            .values(
                award_id=AWARD.format(0),
                earner_id=1,
                credit_hours="0.5",
                status="pending",
                created_at=NOW,
            )
        )
        for path, body in ((STATUS_URL_PATH, b'{"id": "list"}'), ("/ob3/credentials/x", b"{}")):
            conn.execute(
                t["published_documents"]
                .insert()
                .values(
                    path=path,
                    media_type="application/ld+json",
                    body=body,
                    etag='"e"',
                    updated_at=NOW,
                )
            )
    return database


def test_existing_awards_are_on_list_one_and_their_issuers_lists_are_legacy(at_0010, tmp_path):
    upgrade(at_0010, tmp_path)
    assert current_revision(at_0010) == head_revision()
    with at_0010.engine.connect() as conn:
        awards = conn.execute(
            sa.text("SELECT issuer_id, status_list, status_index FROM awards ORDER BY id")
        ).all()
        lists = conn.execute(
            sa.text(
                "SELECT issuer_id, number, capacity, allocated, legacy, permutation_key"
                " FROM status_lists ORDER BY issuer_id"
            )
        ).all()
    assert [tuple(a) for a in awards] == [(1, 1, 90817), (1, 1, 5), (2, 1, 90817), (2, None, None)]
    assert [tuple(row[:5]) for row in lists] == [(1, 1, 131072, 0, True), (2, 1, 131072, 0, True)]
    assert len({row[5] for row in lists}) == 2 and all(len(row[5]) == 64 for row in lists)


def test_published_documents_keep_their_bytes(at_0010, tmp_path):
    with at_0010.engine.connect() as conn:
        before = conn.execute(sa.text("SELECT * FROM published_documents ORDER BY path")).all()
    upgrade(at_0010, tmp_path)
    with at_0010.engine.connect() as conn:
        after = conn.execute(sa.text("SELECT * FROM published_documents ORDER BY path")).all()
    assert after == before


def test_an_index_is_still_one_awards_per_list(at_0010, tmp_path):
    upgrade(at_0010, tmp_path)
    with pytest.raises(sa.exc.IntegrityError), at_0010.engine.begin() as conn:
        conn.execute(sa.text("UPDATE awards SET status_index = 90817 WHERE status_index = 5"))
