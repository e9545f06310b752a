"""Engine, sessions and transactions for one ``Settings``; the same code on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine, create_engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool

from issuer.errors import Conflict

T = TypeVar("T")
log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; constraint names are stable for migrations."""

    metadata = MetaData(naming_convention=NAMING)


class Database:
    """Owns the engine and hands out sessions; one per app (or CLI run)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        writer = self.engine.execution_options(sqlite_immediate=True)
        self._write_sessions = sessionmaker(writer, expire_on_commit=False)
        single_reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._single_read_sessions = sessionmaker(single_reads, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, *, write: bool = False) -> Session:
        """A new session; ``write`` takes SQLite's write lock at BEGIN so writers queue, not fail."""
        return (self._write_sessions if write else self._sessions)()

    def single_read_session(self) -> Session:
        """A session for one read statement (a bearer token's account): autocommit, so no BEGIN
        and no ROLLBACK round trip around it; never for anything that writes or reads twice."""
        return self._single_read_sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction: commit on success, roll back on any exception."""
        session = self.session(write=True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def run_write(self, work: Callable[[Session], T], retries: int = 3) -> T:
        """Run ``work`` in a write transaction; a lost race (unique constraint, serialization
        failure, SQLite lock) is retried, and after ``retries`` attempts becomes ``Conflict``."""
        for attempt in range(1, retries + 1):
            try:
                with self.transaction() as session:
                    return work(session)
            except (IntegrityError, DBAPIError) as exc:
                if not _lost_race(exc):
                    raise
                if attempt == retries:
                    log.warning("write conflict after %s attempts: %s", attempt, exc.orig)
                    raise Conflict(
                        "A concurrent change conflicted with this request; retry it."
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def listen(self, name: str, fn: Callable[..., Any]) -> None:
        """Register a session event (``after_flush``, ``after_commit``…) on every session this
        database hands out, reading or writing."""
        event.listen(self._sessions, name, fn)
        event.listen(self._write_sessions, name, fn)

    def dispose(self) -> None:
        self.engine.dispose()


def _lost_race(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in ("40001", "40P01") or "database is locked" in str(exc.orig)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys; PostgreSQL pre-pings."""
    if url.startswith("sqlite"):
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
        if engine.url.database and engine.url.database != ":memory:":
            private_database_file(Path(engine.url.database))
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def private_database_file(path: Path) -> None:
    """The database holds password hashes and sealed secrets: its folder is the owner's alone
    (0700 when we create it) and the file is created 0600 before SQLite opens it (SQLite gives
    its -wal and -shm files the same mode)."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(descriptor)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
