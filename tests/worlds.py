"""Seeded worlds built once and restored before each test that uses them.

Building a world (issuers, programs, earners at every stage) through the API takes seconds; a
module whose every test starts from the same world builds it once per worker and each test gets
a copy: the SQLite file and the keys and instance folders are copied, a PostgreSQL database gets
the world's rows back from a snapshot schema (DELETE, then INSERT … SELECT, triggers off, and the
id sequences set back). Each test still runs on its own app over its own copy, so tests that
write (a 201, a key rotation) cannot see each other's changes."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest
from sqlalchemy import create_engine, text

from issuer import create_app
from issuer.config import Settings
from issuer.db import Base
from issuer.signing.keys import KeyKind

T = TypeVar("T")

SETTINGS = {
    "base_url": "https://badges.test",
    "secret_key": "test-secret",
}


@dataclass(frozen=True)
class Seeded(Generic[T]):
    """One test's copy of a world: settings naming the copy, the board account's token from the
    world (the one ``Api`` would otherwise create) and what the builder returned (ids, tokens)."""

    settings: Settings
    ptsb: str
    value: T


@dataclass(frozen=True)
class _Built:
    folder: Path  # issuer.sqlite3 (SQLite), keys/ and instance/
    schema: str | None  # the snapshot schema on PostgreSQL
    ptsb: str
    value: Any
    keys_taken: dict[KeyKind, int]


def settings_in(folder: Path, database_url: str) -> Settings:
    """The test settings of tests/conftest.py for a database and a folder of its own."""
    return Settings(
        database_url=database_url,
        keys_dir=folder / "keys",
        instance_dir=folder / "instance",
        **SETTINGS,
    )


class Worlds:
    """The worlds of one worker (session scope): built on first use, then restored per test."""

    def __init__(self, root: Path, sqlite_template: Path, postgres: str | None) -> None:
        self.root = root
        self.sqlite_template = sqlite_template
        self.postgres = postgres
        self._built: dict[str, _Built] = {}

    def restore(
        self, build: Callable[[Any], T], folder: Path, key_counters: dict[KeyKind, int]
    ) -> Seeded[T]:
        """A fresh copy in ``folder`` of the world ``build(api)`` makes (built on first use).

        ``key_counters`` are the test's pooled-key counters (tests/conftest.py): they move past
        the keys the world took, so keys made in the test are still distinct from the world's."""
        name = _name(build)
        built = self._built.get(name)
        if built is None:
            built = self._built[name] = self._build(name, build, key_counters)
        for kind, taken in built.keys_taken.items():
            key_counters[kind] = max(key_counters[kind], taken)
        shutil.copytree(built.folder, folder, dirs_exist_ok=True)
        if built.schema is None:
            url = f"sqlite:///{folder / 'issuer.sqlite3'}"
        else:
            assert self.postgres is not None
            _restore_postgres(self.postgres, built.schema)
            url = self.postgres
        return Seeded(settings=settings_in(folder, url), ptsb=built.ptsb, value=built.value)

    def _build(
        self, name: str, build: Callable[[Any], Any], key_counters: dict[KeyKind, int]
    ) -> _Built:
        from tests.conftest import Api, empty_postgres

        folder = self.root / name
        folder.mkdir(parents=True)
        if self.postgres:
            empty_postgres(self.postgres)
            url = self.postgres
        else:
            shutil.copy(self.sqlite_template, folder / "issuer.sqlite3")
            url = f"sqlite:///{folder / 'issuer.sqlite3'}"
        app = create_app(settings_in(folder, url))
        try:
            api = Api(app.test_client(), app.test_cli_runner())
            value = build(api)
            ptsb = api.ptsb
        finally:
            app.extensions["issuer.services"].db.dispose()
        schema = _snapshot_postgres(self.postgres, name) if self.postgres else None
        return _Built(folder, schema, ptsb, value, dict(key_counters))

    def drop(self) -> None:
        """Drop the snapshot schemas (the SQLite copies go with the session's temporary folder)."""
        schemas = [b.schema for b in self._built.values() if b.schema]
        if self.postgres and schemas:
            engine = create_engine(self.postgres)
            with engine.begin() as connection:
                for schema in schemas:
                    connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()


def world_fixtures(build: Callable[[Any], T]) -> tuple[Any, Any, Any]:
    """The fixtures a module whose tests start from the world ``build(api)`` makes assigns:
    ``seeded_world, settings, api = world_fixtures(build)``. ``seeded_world`` is the test's copy
    (``Seeded``), ``settings`` override the conftest's so the app runs on the copy, and ``api``
    uses the world's board token instead of creating another board account."""

    @pytest.fixture
    def seeded_world(seeded: Callable[[Callable[[Any], T]], Seeded[T]]) -> Seeded[T]:
        return seeded(build)

    @pytest.fixture
    def settings(seeded_world: Seeded[T]) -> Settings:
        return seeded_world.settings

    @pytest.fixture
    def api(client: Any, runner: Any, seeded_world: Seeded[T]) -> Any:
        from tests.conftest import Api

        return Api(client, runner, ptsb=seeded_world.ptsb)

    return seeded_world, settings, api


def _name(build: Callable[..., Any]) -> str:
    """A name for the world a builder makes, fit for a folder and a PostgreSQL schema."""
    where = f"{build.__module__}.{build.__qualname__}"
    return "world_" + hashlib.sha256(where.encode()).hexdigest()[:16]


def _tables() -> list[str]:
    return [t.name for t in Base.metadata.sorted_tables]


def _snapshot_postgres(url: str, name: str) -> str:
    """Copy every table and the id sequences' positions into schema ``name``."""
    schema = name
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            for table in _tables():
                connection.execute(text(f'CREATE TABLE "{schema}"."{table}" AS TABLE "{table}"'))
            positions = "SELECT sequencename, last_value FROM pg_sequences"
            connection.execute(
                text(
                    f'CREATE TABLE "{schema}".sequences AS {positions} '  # noqa: S608 - our names
                    "WHERE schemaname = current_schema()"
                )
            )
    finally:
        engine.dispose()
    return schema


def _restore_postgres(url: str, schema: str) -> None:
    """Put the snapshot's rows back: foreign keys and the audit trigger are off meanwhile
    (``session_replication_role = replica``), as when tests/conftest.py empties the database."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            tables = _tables()
            for table in reversed(tables):
                connection.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608 - our names
            for table in tables:
                connection.execute(
                    text(f'INSERT INTO "{table}" SELECT * FROM "{schema}"."{table}"')  # noqa: S608
                )
            setval = "setval(format('%I.%I', current_schema(), sequencename)"
            connection.execute(
                text(
                    f"SELECT {setval}, coalesce(last_value, 1), last_value IS NOT NULL) "  # noqa: S608
                    f'FROM "{schema}".sequences'
                )
            )
    finally:
        engine.dispose()
