"""Storage (SPEC §6): Alembic migrations, the append-only audit log, locked first start, recovery."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from issuer import create_app
from issuer.config import Settings
from issuer.db import Base, Database
from issuer.migrations import current_revision, head_revision, upgrade
from issuer.models import AuditEntry, Issuer, SigningKey
from tests.conftest import Api
from tests.postgres import throwaway_database

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_reach_head_and_match_the_models(app):
    db = app.extensions["issuer.services"].db
    assert current_revision(db) == head_revision()
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_audit_log_refuses_update_and_delete(api, app, district):
    db = app.extensions["issuer.services"].db
    for statement in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        with db.engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) > 0


def test_first_start_creates_board_and_keys_with_private_files_0600(app, settings):
    db = app.extensions["issuer.services"].db
    with db.session() as session:
        board = session.scalar(select(Issuer).where(Issuer.is_board.is_(True)))
        keys = list(session.scalars(select(SigningKey).where(SigningKey.issuer_id == board.id)))
    assert sorted(k.algorithm for k in keys) == ["Ed25519", "RSA"]
    for key in keys:
        path = settings.keys_dir / key.private_file
        assert path.stat().st_mode & 0o777 == 0o600
        assert "PRIVATE KEY" in path.read_text()


def test_restart_keeps_keys_and_board(app, settings):
    from issuer import create_app

    db = app.extensions["issuer.services"].db
    with db.session() as session:
        before = sorted(session.scalars(select(SigningKey.id)))
    create_app(settings).extensions["issuer.services"].db.dispose()
    with db.session() as session:
        assert sorted(session.scalars(select(SigningKey.id))) == before


def test_encrypted_keys_need_the_passphrase(settings):
    from issuer import create_app
    from issuer.errors import SigningError
    from issuer.signing.keys import load_private_key

    secured = settings.with_changes(key_passphrase=b"correct horse")
    app = create_app(secured)
    db = app.extensions["issuer.services"].db
    with db.session() as session:
        key = session.scalar(select(SigningKey).where(SigningKey.algorithm == "Ed25519"))
    db.dispose()
    assert load_private_key(secured.keys_dir / key.private_file, b"correct horse")
    with pytest.raises(SigningError):
        load_private_key(secured.keys_dir / key.private_file, None)


def _start_worker(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "from issuer import create_app; create_app(); print('started')"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT
    )


@pytest.mark.slow
def test_several_workers_starting_at_once_on_fresh_storage_agree(tmp_path):
    """Schema creation and key generation are locked: one board, one key of each kind.

    Always on a fresh SQLite file (DATABASE_URL emptied), whatever database the run uses."""
    env = {
        **os.environ,
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "KEYS_DIR": str(tmp_path / "keys"),
        "DATABASE_URL": "",
    }
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(_start_worker, [env] * 4))
    assert all(r.returncode == 0 for r in results), [r.stderr[-500:] for r in results]
    db = Database(f"sqlite:///{tmp_path / 'instance' / 'issuer.sqlite3'}")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Issuer)) == 1
        assert session.scalar(select(func.count()).select_from(SigningKey)) == 2
    db.dispose()
    assert len(list((tmp_path / "keys").glob("*.pem"))) == 2


@pytest.mark.slow
def test_several_workers_starting_at_once_on_fresh_postgres_agree(tmp_path):
    """On a fresh PostgreSQL database (of its own, on SQLite runs too), the advisory lock holds."""
    with throwaway_database("issuer_fresh") as fresh:
        env = {
            **os.environ,
            "DATABASE_URL": fresh,
            "KEYS_DIR": str(tmp_path / "keys"),
            "INSTANCE_DIR": str(tmp_path),
        }
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(_start_worker, [env] * 4))
        assert all(r.returncode == 0 for r in results), [r.stderr[-500:] for r in results]
        db = Database(Settings.from_env({"DATABASE_URL": fresh}).database_url)
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(Issuer)) == 1
            assert session.scalar(select(func.count()).select_from(SigningKey)) == 2
        db.dispose()


@pytest.fixture
def postgres_app(settings: Settings) -> Iterator[Flask]:
    """The app on a throwaway PostgreSQL database, on SQLite runs too."""
    with throwaway_database("issuer_recovery") as url:
        application = create_app(settings.with_changes(database_url=url))
        yield application
        application.extensions["issuer.services"].db.dispose()


def test_service_recovers_after_database_connections_are_killed(postgres_app):
    """After a database restart (connections dropped), the next request still answers: the
    PostgreSQL pool replaces dead connections."""
    api = Api(postgres_app.test_client(), postgres_app.test_cli_runner())
    db = postgres_app.extensions["issuer.services"].db
    issuer_id, admin = api.issuer()
    assert api.call("GET", f"/issuers/{issuer_id}", admin).status_code == 200
    with db.engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        connection.commit()
    assert api.call("GET", f"/issuers/{issuer_id}", admin).status_code == 200
    assert json.loads(api.call("GET", f"/issuers/{issuer_id}", admin).data)["id"] == issuer_id


def test_upgrade_is_a_no_op_at_head(app, settings):
    db = app.extensions["issuer.services"].db
    upgrade(db, settings.instance_dir)
    assert current_revision(db) == head_revision()
