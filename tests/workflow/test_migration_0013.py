"""Migration 0013 on data: the wallet tables arrive empty beside existing awards, every existing
row and published document keeps its bytes, and an offer, token, nonce and copy can then be
stored for an award issued before the migration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from issuer.db import Database
from issuer.migrations import current_revision, head_revision, upgrade

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AWARD = "00000000-0000-4000-8000-000000000001"
OFFER = "00000000-0000-4000-8000-0000000000a1"


@pytest.fixture
def at_0012(database_at: Callable[[str], Database]) -> Database:
    """A database at 0012 holding an issuer, an account, an earner, an award and documents."""
    return _seeded(database_at("0012"))


def _seeded(database: Database) -> Database:
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
    return database


def _rows(database: Database, table: str) -> list[tuple]:
    with database.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table}")).all()]  # noqa: S608


def test_existing_rows_and_documents_keep_their_values(at_0012, tmp_path):
    before = {t: _rows(at_0012, t) for t in ("awards", "published_documents", "accounts")}
    upgrade(at_0012, tmp_path)
    assert current_revision(at_0012) == head_revision()
    assert {t: _rows(at_0012, t) for t in before} == before


def test_wallet_tables_start_empty(at_0012, tmp_path):
    upgrade(at_0012, tmp_path)
    for table in ("wallet_offers", "wallet_access_tokens", "wallet_nonces", "wallet_copies"):
        assert _rows(at_0012, table) == []


def test_an_award_from_before_takes_an_offer_a_token_and_a_copy(at_0012, tmp_path):
    upgrade(at_0012, tmp_path)
    with at_0012.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO wallet_offers (id, award_id, created_by, code_hash, created_at,"
                " expires_at) VALUES (:id, :award, 1, :code, :now, :later)"
            ),
            {"id": OFFER, "award": AWARD, "code": "c" * 64, "now": NOW, "later": NOW},
        )
        conn.execute(
            sa.text(
                "INSERT INTO wallet_access_tokens (offer_id, token_hash, issued_at, expires_at)"
                " VALUES (:offer, :token, :now, :later)"
            ),
            {"offer": OFFER, "token": "t" * 64, "now": NOW, "later": NOW + timedelta(minutes=5)},
        )
        conn.execute(
            sa.text(
                "INSERT INTO wallet_copies (id, award_id, offer_id, holder_did, credential_id,"
                " format, issued_at) VALUES (:id, :award, :offer, 'did:key:z6Mk', 'u', 'ldp_vc',"
                " :now)"
            ),
            {"id": OFFER, "award": AWARD, "offer": OFFER, "now": NOW},
        )
    assert [r[1] for r in _rows(at_0012, "wallet_copies")] == [AWARD]


def test_a_code_is_stored_once(at_0012, tmp_path):
    upgrade(at_0012, tmp_path)
    insert = sa.text(
        "INSERT INTO wallet_offers (id, award_id, created_by, code_hash, created_at, expires_at)"
        " VALUES (:id, :award, 1, :code, :now, :now)"
    )
    with at_0012.engine.begin() as conn:
        conn.execute(insert, {"id": OFFER, "award": AWARD, "code": "c" * 64, "now": NOW})
    with pytest.raises(sa.exc.IntegrityError), at_0012.engine.begin() as conn:
        conn.execute(insert, {"id": OFFER[:-1] + "2", "award": AWARD, "code": "c" * 64, "now": NOW})


def test_an_offer_needs_an_existing_award(at_0012, tmp_path):
    upgrade(at_0012, tmp_path)
    with pytest.raises(sa.exc.IntegrityError), at_0012.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(sa.text("PRAGMA foreign_keys = ON"))
        conn.execute(
            sa.text(
                "INSERT INTO wallet_offers (id, award_id, created_by, code_hash, created_at,"
                " expires_at) VALUES (:id, 'no-such-award', 1, :code, :now, :now)"
            ),
            {"id": OFFER, "code": "d" * 64, "now": NOW},
        )
