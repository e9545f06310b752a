"""Migration 0014 on data: the wallet exchanges table arrives empty beside existing awards and
wallet offers, every existing row keeps its values, and an offer made before the migration can
then take one exchange (and only one)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from issuer.db import Database
from issuer.migrations import current_revision, upgrade
from tests.workflow.migration_rows import NOW, OFFER, seed_award, seed_wallet_offer
from tests.workflow.migration_rows import table_rows as _rows


@pytest.fixture
def at_0013(database_at: Callable[[str], Database]) -> Database:
    """A database at 0013 holding an issuer, an account, an earner, an award, documents and an
    open wallet offer."""
    return seed_wallet_offer(seed_award(database_at("0013")))


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
