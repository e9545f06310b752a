"""Migration 0008 on data: rows written at 0007 are upgraded (webhook secrets sealed, the earner's
name kept on each award, session generations) and nothing secret is left in the database file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from issuer.db import Database
from issuer.migrations import alembic_config, current_revision, head_revision, upgrade
from issuer.signing.sealing import SecretBox
from issuer.workflow.integrations.webhooks import secret_purpose

SECRET_KEY = "migration-test-secret"  # noqa: S105
WEBHOOK_SECRET = "whsec_" + "c2VjcmV0IHNpZ25pbmcga2V5IGZvciB3ZWJob29rcyE="  # noqa: S105
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def at_0007(database_at: Callable[[str], Database]) -> Database:
    """A database at 0007 holding an issuer, an earner, an award and a subscription."""
    return _seeded_at_0007(database_at("0007"))


@pytest.fixture
def sqlite_at_0007(sqlite_database_at: Callable[[str], Database]) -> Database:
    """The same on SQLite only (tmp_path/issuer.sqlite3), for reading the database file itself."""
    return _seeded_at_0007(sqlite_database_at("0007"))


def _seeded_at_0007(database: Database) -> Database:
    meta = sa.MetaData()
    meta.reflect(database.engine)
    t = meta.tables
    with database.engine.begin() as conn:
        conn.execute(
            t["issuers"]
            .insert()
            .values(
                id=1,
                name="Metro",
                url="https://metro.example.org",
                email="pd@metro.example.org",
                description="",
                is_board=False,
                status_method="bitstring",
                created_at=NOW,
            )
        )
        conn.execute(
            t["earners"]
            .insert()
            .values(id=1, name="Ada Teacher", email="ada@school.example.org", created_at=NOW)
        )
        conn.execute(
            t["awards"]
            .insert()
            .values(
                id="00000000-0000-4000-8000-000000000001",
                kind="program",
                earner_id=1,
                issuer_id=1,
                name="Formative Assessment",
                credit_hours="0.5",
                issued_at=NOW,
                status="active",
                recipient_salt="ab" * 16,
            )
        )
        conn.execute(
            t["webhook_subscriptions"]
            .insert()
            .values(
                id=1,
                issuer_id=1,
                url="https://hooks.example.org/in",
                event_types=["award.issued"],
                secret=WEBHOOK_SECRET,
                created_at=NOW,
            )
        )
        conn.execute(
            t["accounts"]
            .insert()
            .values(
                id=1,
                role="earner",
                email="ada@school.example.org",
                token_hash="0" * 64,
                created_at=NOW,
            )
        )
    return database


def _upgrade(database: Database, tmp_path: Path, secret_key: str | None = SECRET_KEY) -> None:
    upgrade(database, tmp_path, revision="0008", secret_key=secret_key)


def test_upgrade_seals_existing_webhook_secrets(at_0007, tmp_path):
    _upgrade(at_0007, tmp_path)
    assert current_revision(at_0007) == "0008"
    with at_0007.engine.connect() as conn:
        sealed = conn.execute(sa.text("SELECT secret_sealed FROM webhook_subscriptions")).scalar()
        columns = [c["name"] for c in sa.inspect(conn).get_columns("webhook_subscriptions")]
    assert "secret" not in columns
    assert WEBHOOK_SECRET not in sealed
    assert SecretBox(SECRET_KEY).open(sealed, secret_purpose(1)) == WEBHOOK_SECRET


def test_upgraded_database_file_holds_no_webhook_secret_in_clear(sqlite_at_0007, tmp_path):
    _upgrade(sqlite_at_0007, tmp_path)
    sqlite_at_0007.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("issuer.sqlite3*"))  # with -wal
    assert WEBHOOK_SECRET.encode() not in raw
    assert WEBHOOK_SECRET[len("whsec_") :].encode() not in raw


def test_upgrade_keeps_the_earner_name_on_existing_awards(at_0007, tmp_path):
    _upgrade(at_0007, tmp_path)
    with at_0007.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT earner_name FROM awards")).scalar() == "Ada Teacher"


def test_upgrade_starts_every_account_at_session_generation_zero(at_0007, tmp_path):
    _upgrade(at_0007, tmp_path)
    with at_0007.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT session_generation FROM accounts")).scalar() == 0


def test_upgrade_without_the_secret_key_refuses_to_leave_secrets_in_clear(at_0007, tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        _upgrade(at_0007, tmp_path, secret_key=None)
    assert current_revision(at_0007) == "0007"


def test_downgrade_gives_the_secret_back_in_clear(at_0007, tmp_path):
    _upgrade(at_0007, tmp_path)
    with at_0007.engine.connect() as conn:
        command.downgrade(alembic_config(conn, secret_key=SECRET_KEY), "0007")
        conn.commit()
        assert conn.execute(sa.text("SELECT secret FROM webhook_subscriptions")).scalar() == (
            WEBHOOK_SECRET
        )


def test_upgrade_to_the_newest_revision_keeps_every_row_and_starts_an_empty_outbox(
    at_0007, tmp_path
):
    upgrade(at_0007, tmp_path, secret_key=SECRET_KEY)
    assert current_revision(at_0007) == head_revision()
    with at_0007.engine.connect() as conn:
        award = conn.execute(sa.text("SELECT name, earner_name FROM awards")).one()
        assert tuple(award) == ("Formative Assessment", "Ada Teacher")
        assert conn.execute(sa.text("SELECT email FROM accounts")).scalar() == (
            "ada@school.example.org"
        )
        assert conn.execute(sa.text("SELECT count(*) FROM mail_messages")).scalar() == 0
