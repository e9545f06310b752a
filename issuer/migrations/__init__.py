"""Schema migrations through Alembic, run under a lock so several workers can start at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import text
from sqlalchemy.engine import Connection

from issuer.db import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent
_PG_LOCK_ID = 0x0B_2026  # advisory lock key shared by every worker of this service


def alembic_config(
    connection: Connection | None = None,
    base_url: str | None = None,
    secret_key: str | None = None,
) -> Config:
    """An Alembic config pointing at our scripts; no alembic.ini needed. ``base_url`` is for data
    migrations that must write our public URLs (0006 turns undelivered notices into events),
    ``secret_key`` for those that seal secrets at rest (0008 seals webhook signing secrets)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    if base_url is not None:
        config.attributes["base_url"] = base_url
    if secret_key is not None:
        config.attributes["secret_key"] = secret_key
    return config


def upgrade(
    database: Database,
    lock_dir: Path,
    revision: str = "head",
    base_url: str | None = None,
    secret_key: str | None = None,
) -> None:
    """Bring the schema to ``revision``; concurrent callers wait for the first one."""
    with _migration_lock(database, lock_dir), database.engine.connect() as connection:
        if _at_head(connection) and revision == "head":
            return
        connection.commit()  # end the read above: SQLite's foreign_keys pragma needs no transaction
        with _sqlite_foreign_keys_off(connection):
            command.upgrade(alembic_config(connection, base_url, secret_key), revision)
            connection.commit()


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite changes a column by rebuilding its table (Alembic's batch mode), and dropping a
    table that others refer to (0017 rebuilds ``wallet_offers``) fails while foreign keys are
    enforced. The pragma only takes effect outside a transaction, so it is set on the driver's
    connection between transactions; every reference is checked before it is turned back on."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.dbapi_connection
    if driver is None:
        raise RuntimeError("The SQLite connection is closed.")
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = driver.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"Migration left references that point nowhere: {broken[:5]}")
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def current_revision(database: Database) -> str | None:
    """The revision the database is at (None when empty)."""
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@cache
def head_revision() -> str | None:
    """The newest migration (the scripts ship with the code, so this never changes at run time)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _at_head(connection: Connection) -> bool:
    return MigrationContext.configure(connection).get_current_revision() == head_revision()


@contextmanager
def _migration_lock(database: Database, lock_dir: Path) -> Iterator[None]:
    if database.is_sqlite:
        lock_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(lock_dir / "migrate.lock")):
            yield
        return
    with database.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_ID})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_ID})
            connection.commit()
