"""``database_at``: a database at an older migration, on SQLite and on PostgreSQL, for the tests
of a migration on data (tests/workflow/test_migration_*.py).

Each revision is migrated to once per worker and engine; each test then gets a copy (the SQLite
file, or ``CREATE DATABASE … TEMPLATE``), seeds it at that revision and upgrades it itself."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from issuer.db import Database
from issuer.migrations import upgrade
from tests.postgres import throwaway_database


class MigratedTemplates:
    """Empty databases at a revision, made on first use and kept for the session."""

    def __init__(self, folder: Path, stack: ExitStack) -> None:
        self.folder = folder
        self.stack = stack
        self.sqlite: dict[str, Path] = {}
        self.postgres: dict[str, str] = {}

    def sqlite_at(self, revision: str) -> Path:
        if revision not in self.sqlite:
            path = self.folder / f"at_{revision}.sqlite3"
            _migrate(f"sqlite:///{path}", self.folder, revision)
            self.sqlite[revision] = path
        return self.sqlite[revision]

    def postgres_at(self, revision: str) -> str:
        """The name of a database at ``revision`` to copy (nothing stays connected to it)."""
        if revision not in self.postgres:
            url = self.stack.enter_context(throwaway_database(f"template_{revision}"))
            _migrate(url, self.folder, revision)
            self.postgres[revision] = url.rsplit("/", 1)[1]
        return self.postgres[revision]


def _migrate(url: str, lock_dir: Path, revision: str) -> None:
    database = Database(url)
    try:
        upgrade(database, lock_dir, revision=revision)
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    with ExitStack() as stack:
        yield MigratedTemplates(tmp_path_factory.mktemp("migrated"), stack)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_at(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: MigratedTemplates
) -> Iterator[Callable[[str], Database]]:
    """``database_at(revision)``: this test's own database at ``revision``, on both engines on
    every run (a SQLite file, and a throwaway database on the local PostgreSQL server)."""
    yield from _copies(migrated_templates, tmp_path, postgres=request.param == "postgresql")


@pytest.fixture
def sqlite_database_at(
    tmp_path: Path, migrated_templates: MigratedTemplates
) -> Iterator[Callable[[str], Database]]:
    """``sqlite_database_at(revision)``: on SQLite only (tmp_path/issuer.sqlite3), for tests that
    read the database file itself."""
    yield from _copies(migrated_templates, tmp_path, postgres=False)


def _copies(
    templates: MigratedTemplates, tmp_path: Path, *, postgres: bool
) -> Iterator[Callable[[str], Database]]:
    with ExitStack() as stack:

        def at(revision: str) -> Database:
            if postgres:
                template = templates.postgres_at(revision)
                url = stack.enter_context(throwaway_database("migration", template=template))
            else:
                path = tmp_path / "issuer.sqlite3"
                shutil.copy(templates.sqlite_at(revision), path)
                url = f"sqlite:///{path}"
            database = Database(url)
            stack.callback(database.dispose)
            return database

        yield at
