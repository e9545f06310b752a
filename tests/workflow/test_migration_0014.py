"""Migration 0014 on data: the wallet exchanges table arrives empty beside existing awards and
wallet offers, every existing row keeps its values, and an offer made before the migration can
then take one exchange (and only one)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from issuer.db import Database
from issuer.migrations import current_revision, upgrade
from tests.postgres import throwaway_database

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AWARD = "00000000-0000-4000-8000-000000000001"
OFFER = "00000000-0000-4000-8000-0000000000a1"


@pytest.fixture(params=["sqlite", "postgresql"])
def at_0013(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database at 0013 holding an issuer, an account, an earner, an award, documents and an
    open wallet offer."""
    if request.param == "sqlite":
        yield from _seeded(f"sqlite:///{tmp_path / 'issuer.sqlite3'}", tmp_path)
    else:
        with throwaway_database("migration_0014") as url:
            yield from _seeded(url, tmp_path)


def _seeded(url: str, tmp_path: Path) -> Iterator[Database]:
    database = Database(url)
    upgrade(database, tmp_path, revision="0013")
    meta = sa.MetaData()
    meta.reflect(database.engine)
    t = meta.tables
    with database.engine.begin() as conn:
        conn.execute(
            t["issuers"]
            .insert()
            .values(
                id=1,
                name="District 1",
                url="https://d.example.org",
                email="pd@d.example.org",
                description="",
                is_board=False,
                status_method="bitstring",
                created_at=NOW,
            )
        )
        conn.execute(
            t["accounts"]
            .insert()
            .values(
                id=1,
                role="earner",
                email="ada@x.example",
                token_hash="1" * 64,
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
                issuer_id=1,
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
        conn.execute(
            t["wallet_offers"]
            .insert()
            .values(
                id=OFFER,
                award_id=AWARD,
                created_by=1,
                code_hash="c" * 64,
                created_at=NOW,
                expires_at=NOW + timedelta(minutes=10),
            )
        )
    yield database
    database.dispose()


def _rows(database: Database, table: str) -> list[tuple]:
    with database.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table}")).all()]  # noqa: S608


EXCHANGE = sa.text(
    "INSERT INTO wallet_exchanges (offer_id, token_hash, challenge, created_at, expires_at)"
    " VALUES (:offer, :token, 'challenge', :now, :now)"
)


def test_existing_rows_and_offers_keep_their_values(at_0013, tmp_path):
    tables = ("awards", "published_documents", "accounts", "wallet_offers")
    before = {t: _rows(at_0013, t) for t in tables}
    upgrade(at_0013, tmp_path, revision="0014")  # 0017 adds a column to wallet_offers
    assert current_revision(at_0013) == "0014"
    assert {t: _rows(at_0013, t) for t in tables} == before


def test_the_exchanges_table_starts_empty(at_0013, tmp_path):
    upgrade(at_0013, tmp_path)
    assert _rows(at_0013, "wallet_exchanges") == []


def test_an_offer_from_before_takes_one_exchange_only(at_0013, tmp_path):
    upgrade(at_0013, tmp_path)
    with at_0013.engine.begin() as conn:
        conn.execute(EXCHANGE, {"offer": OFFER, "token": "t" * 64, "now": NOW})
    with pytest.raises(sa.exc.IntegrityError), at_0013.engine.begin() as conn:
        conn.execute(EXCHANGE, {"offer": OFFER, "token": "u" * 64, "now": NOW})
    assert [r[1] for r in _rows(at_0013, "wallet_exchanges")] == [OFFER]
