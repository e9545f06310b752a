"""Throwaway databases on the local PostgreSQL server, for tests about PostgreSQL itself.

They run on every run, SQLite ones included: the server is the one DATABASE_URL names when it is
PostgreSQL, else the local server of the README and .ci/run (trust auth on 127.0.0.1:5432)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from issuer.config import _database_url
from tests.conftest import postgres_url
from tests.requirements import require_tool

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432"


def server_base() -> str:
    """The server's URL without a database name (SQLAlchemy form, psycopg driver)."""
    return (postgres_url() or _database_url(f"{LOCAL_SERVER}/postgres")).rsplit("/", 1)[0]


def _execute(statement: str) -> None:
    engine = create_engine(f"{server_base()}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@contextmanager
def throwaway_database(prefix: str, template: str | None = None) -> Iterator[str]:
    """A new database for the block, dropped after; its SQLAlchemy URL. Empty, or a copy of the
    database named ``template`` (which nobody may be connected to meanwhile).

    An unreachable server skips a local run and fails under CI (.ci/run starts it)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        _execute(f'CREATE DATABASE "{name}"{copy}')
    except OperationalError as exc:
        require_tool(f"PostgreSQL is not reachable at {server_base()}: {exc.orig}")
    try:
        yield f"{server_base()}/{name}"
    finally:
        _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
