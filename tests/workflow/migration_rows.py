"""Rows the migration tests seed at an older revision (tests/workflow/test_migration_*.py): the
board and a district, an educator with an account, one award and its published credential,
written with the revision's own reflected tables so each test seeds what that revision had."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from issuer.db import Database

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DISTRICT = 1
BOARD = 2
EARNER = 1
AWARD = "00000000-0000-4000-8000-000000000001"
OFFER = "00000000-0000-4000-8000-0000000000a1"
CREDENTIAL_PATH = f"/ob3/credentials/{AWARD}"


def tables(database: Database) -> dict[str, sa.Table]:
    """The tables as they are at the database's current revision."""
    meta = sa.MetaData()
    meta.reflect(database.engine)
    return dict(meta.tables)


def seed_award(database: Database) -> Database:
    """A district and the board, an educator with an earner account, an active award the
    district issued to her (status index 7 of list 1) and its published OB 3.0 credential."""
    t = tables(database)
    with database.engine.begin() as conn:
        for issuer_id, name, board in ((DISTRICT, "District 1", False), (BOARD, "PTSB", True)):
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
                    status_method="bitstring",
                    created_at=NOW,
                )
            )
        conn.execute(
            t["accounts"]
            .insert()
            .values(id=1, role="earner", email="ada@x.example", token_hash="1" * 64, created_at=NOW)
        )
        conn.execute(
            t["earners"]
            .insert()
            .values(id=EARNER, name="Ada", email="ada@x.example", created_at=NOW)
        )
        conn.execute(
            t["awards"]
            .insert()
            .values(
                id=AWARD,
                kind="program",
                earner_id=EARNER,
                issuer_id=DISTRICT,
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
                path=CREDENTIAL_PATH,
                media_type="application/ld+json",
                body=b'{"id": "credential"}',
                etag='"e"',
                award_id=AWARD,
                updated_at=NOW,
            )
        )
    return database


def seed_wallet_offer(database: Database) -> Database:
    """An open wallet offer of the seeded award (revision 0013 and later)."""
    with database.engine.begin() as conn:
        conn.execute(
            tables(database)["wallet_offers"]
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
    return database


def table_rows(database: Database, table: str) -> list[tuple]:
    """Every row of ``table``, sorted, to compare before and after an upgrade."""
    with database.engine.connect() as conn:
        query = sa.text(f"SELECT * FROM {table}")  # noqa: S608
        return sorted(tuple(row) for row in conn.execute(query).all())
