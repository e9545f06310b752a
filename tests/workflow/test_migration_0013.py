"""Migration 0013 on data: the wallet tables arrive empty beside existing awards, every existing
row and published document keeps its bytes, and an offer, token, nonce and copy can then be
stored for an award issued before the migration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from issuer.db import Database
from issuer.migrations import current_revision, head_revision, upgrade
from tests.workflow.migration_rows import AWARD, NOW, OFFER, seed_award
from tests.workflow.migration_rows import table_rows as _rows


@pytest.fixture
def at_0012(database_at: Callable[[str], Database]) -> Database:
    """A database at 0012 holding an issuer, an account, an earner, an award and documents."""
    return seed_award(database_at("0012"))


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
