"""Fixtures: settings on a fresh database (SQLite file, or PostgreSQL when DATABASE_URL says so),
the app, its client, a CLI runner, and ``Api``, a small client that scripts the SPEC §5 workflow."""

from __future__ import annotations

import base64
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text

from issuer import create_app
from issuer.config import Settings, _database_url
from issuer.db import Base, Database
from issuer.migrations import upgrade
from issuer.models import Account
from issuer.signing import keys as keyfiles
from issuer.signing.keys import KeyKind, KeyPair, generate_key
from issuer.workflow.accounts import accounts
from issuer.workflow.awards import keyring
from tests.worlds import Seeded, T, Worlds, settings_in

PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
BASE_URL = "https://badges.test"
MEMORY_FOLDER = Path("/dev/shm")  # noqa: S108 - tmpfs on Linux


def pytest_configure(config: pytest.Config) -> None:
    """Test folders, with their SQLite databases, live in memory where the machine has a tmpfs:
    each commit's fsync cost milliseconds on disk, and a test commits dozens of times."""
    memory = MEMORY_FOLDER.is_dir() and os.access(MEMORY_FOLDER, os.W_OK | os.X_OK)
    if memory and not config.option.basetemp:
        os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", str(MEMORY_FOLDER))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests (browser journeys, ``slow`` ones, then the independent implementations)
    run first, so that under xdist no worker is left alone with a long one at the end; the
    order is otherwise kept (a stable sort, the same on every worker)."""

    def weight(item: pytest.Item) -> int:
        if item.get_closest_marker("browser") or item.get_closest_marker("slow"):
            return 0
        return 1 if item.get_closest_marker("interop") else 2

    items.sort(key=weight)


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return _database_url(url) if url.startswith(("postgres://", "postgresql")) else None


@pytest.fixture(scope="session")
def key_pool() -> dict[KeyKind, list[KeyPair]]:
    """Real keys made once per run: RSA-2048 generation costs up to a second each."""
    return {kind: [generate_key(kind) for _ in range(6)] for kind in KeyKind}


@pytest.fixture(scope="session", autouse=True)
def parsed_keys() -> Iterator[None]:
    """Each private key file's bytes are parsed once per run: parsing an RSA key checks it and
    costs tens of milliseconds, and every app start opens each active key. Bytes that do not
    parse are parsed (and refused) again each time; nothing but the parse is skipped."""
    parse = keyfiles._parse_private_pem
    parsed: dict[tuple[bytes, bytes | None], Any] = {}

    def parse_once(data: bytes, passphrase: bytes | None, path: Path) -> Any:
        if (data, passphrase) not in parsed:
            parsed[data, passphrase] = parse(data, passphrase, path)
        return parsed[data, passphrase]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyfiles, "_parse_private_pem", parse_once)
        yield


@pytest.fixture(autouse=True)
def pooled_keys(
    monkeypatch: pytest.MonkeyPatch, key_pool: dict[KeyKind, list[KeyPair]]
) -> dict[KeyKind, int]:
    """Issuers get keys from the pool, in turn, so every key in one test is distinct; the
    counters (keys taken so far, by kind) are returned."""
    counters = dict.fromkeys(KeyKind, 0)

    def take(kind: KeyKind | str) -> KeyPair:
        kind = KeyKind(kind)
        pool = key_pool[kind]
        counters[kind] += 1
        return pool[(counters[kind] - 1) % len(pool)]

    monkeypatch.setattr(keyring, "generate_key", take)
    return counters


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once; each test copies it (much faster than migrating per test)."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "issuer.sqlite3"
    database = Database(f"sqlite:///{path}")
    upgrade(database, folder)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_ready(worker_id: str) -> Iterator[str | None]:
    """The PostgreSQL database under test, migrated once; each xdist worker gets its own copy."""
    url = postgres_url()
    if url is None:
        yield None
        return
    if worker_id != "master":
        url = _worker_database(url, worker_id)
    database = Database(url)
    upgrade(database, Path("/tmp"))  # noqa: S108 - lock file only
    database.dispose()
    yield url
    if worker_id != "master":
        _drop_database(url)


def _admin_execute(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def _worker_database(url: str, worker_id: str) -> str:
    base, name = url.rsplit("/", 1)
    worker_db = f"{name}_{worker_id}"
    _admin_execute(url, f'DROP DATABASE IF EXISTS "{worker_db}" WITH (FORCE)')
    _admin_execute(url, f'CREATE DATABASE "{worker_db}"')
    # A test database need not wait for the WAL to reach the disk at each commit.
    _admin_execute(url, f'ALTER DATABASE "{worker_db}" SET synchronous_commit = off')
    return f"{base}/{worker_db}"


def _drop_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    _admin_execute(f"{base}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_postgres(url: str) -> None:
    """Empty every table and restart the id sequences before a test.

    DELETE with triggers off (``session_replication_role = replica``: no foreign-key checks,
    no append-only audit trigger) takes milliseconds on these small tables; TRUNCATE makes new
    files for every table and took 0.25-0.45 s per test, minutes over the suite."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(
            text(
                "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
                "FROM pg_sequences WHERE schemaname = current_schema()"
            )
        )
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, sqlite_template: Path, postgres_ready: str | None) -> Settings:
    if postgres_ready:
        empty_postgres(postgres_ready)
        database_url = postgres_ready
    else:
        shutil.copy(sqlite_template, tmp_path / "issuer.sqlite3")
        database_url = f"sqlite:///{tmp_path / 'issuer.sqlite3'}"
    return settings_in(tmp_path, database_url)


@pytest.fixture(scope="session")
def worlds(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, postgres_ready: str | None
) -> Iterator[Worlds]:
    """Seeded worlds of this worker, each built once (tests/worlds.py)."""
    built = Worlds(tmp_path_factory.mktemp("worlds"), sqlite_template, postgres_ready)
    yield built
    built.drop()


@pytest.fixture
def seeded(
    worlds: Worlds, tmp_path: Path, pooled_keys: dict[KeyKind, int]
) -> Callable[[Callable[[Api], T]], Seeded[T]]:
    """``seeded(build)``: this test's own copy of the world ``build(api)`` makes, built once per
    worker. A module then overrides ``settings`` with the copy's and ``api`` with
    ``Api(client, runner, ptsb=copy.ptsb)`` (see tests/api/test_roles.py)."""

    def restore(build: Callable[[Api], T]) -> Seeded[T]:
        return worlds.restore(build, tmp_path / "world", pooled_keys)

    return restore


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings)
    yield application
    application.extensions["issuer.services"].db.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class Api:
    """Scripts the workflow over HTTP exactly as SPEC §5 specifies; each call returns the response."""

    def __init__(
        self, client: FlaskClient, runner: FlaskCliRunner, ptsb: str | None = None
    ) -> None:
        """``ptsb``: the token of the board account the database already holds (a seeded
        world's); without it the operator's CLI creates board@ptsb.test."""
        self.client = client
        self.runner = runner
        if ptsb is None:
            result = runner.invoke(
                args=[
                    "accounts",
                    "create",
                    "--role",
                    "ptsb",
                    "--email",
                    "board@ptsb.test",
                    "--json",
                ]
            )
            assert result.exit_code == 0, result.output
            ptsb = json.loads(result.output)["token"]
        self.ptsb = ptsb

    def call(self, method: str, path: str, token: str | None, body: Any = None, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            kw["json"] = body
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kw)

    def ok(
        self,
        method: str,
        path: str,
        token: str | None,
        body: Any = None,
        status: int | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        response = self.call(method, path, token, body, **kw)
        expected = status or (201 if method == "POST" else 200)
        assert response.status_code == expected, (response.status_code, response.get_json())
        return response.get_json()  # type: ignore[no-any-return]

    # factories, one call each
    def account(
        self,
        role: str,
        issuer_id: int | None = None,
        token: str | None = None,
        email: str | None = None,
    ) -> str:
        """A new account's token: made by the operator's CLI, or, given a ``token``, invited over
        the API by that token's owner and then minted by the person themself."""
        email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.org"
        if token is None:
            args = ["accounts", "create", "--role", role, "--email", email, "--json"]
            if issuer_id is not None:
                args += ["--issuer", str(issuer_id)]
            result = self.runner.invoke(args=args)
            assert result.exit_code == 0, result.output
            return json.loads(result.stdout)["token"]  # type: ignore[no-any-return]
        body = {"role": role, "email": email, "issuer_id": issuer_id}
        return self.own_token(self.ok("POST", "/accounts", token, body)["id"])

    def own_token(self, account_id: int) -> str:
        """The token the account's owner mints for themself (``POST /api/v1/tokens`` does this
        once they have set a password)."""
        svc = self.client.application.extensions["issuer.services"]
        with svc.db.transaction() as session:
            return accounts.mint_token(session.get(Account, account_id))

    def password_link(self, email: str) -> str:
        """The one-time password link the operator hands to the person (``accounts invite``)."""
        result = self.runner.invoke(args=["accounts", "invite", "--email", email])
        assert result.exit_code == 0, result.output
        return result.stdout.strip()

    def issuer(self, name: str = "Metro School District") -> tuple[int, str]:
        body = {
            "name": name,
            "url": "https://district.example.org",
            "email": "pd@district.example.org",
        }
        issuer_id = self.ok("POST", "/issuers", self.ptsb, body)["id"]
        return issuer_id, self.account("issuer_admin", issuer_id)

    def program(self, admin: str, issuer_id: int, **fields: Any) -> dict[str, Any]:
        body = {
            "issuer_id": issuer_id,
            "name": "Formative Assessment",
            "description": "Uses formative assessment to adjust instruction.",
            "criteria": "Submit a lesson analysis scored 3 or higher on the rubric.",
            "competencies": ["Designs checks for understanding"],
            "estimated_hours": 10,
            "learning_methods": ["face_to_face", "online", "own_path"],
            **fields,
        }
        return self.ok("POST", "/programs", admin, body)

    def approved_program(self, admin: str, issuer_id: int, **fields: Any) -> int:
        program_id = self.program(admin, issuer_id, **fields)["id"]
        self.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
        self.ok(
            "POST",
            f"/programs/{program_id}/approve",
            self.ptsb,
            {"comment": "Meets standards"},
            status=200,
        )
        return program_id

    def earner(self, admin: str, email: str | None = None, **fields: Any) -> int:
        body = {
            "name": "Ada Teacher",
            "email": email or f"ada-{uuid.uuid4().hex[:8]}@school.example.org",
            **fields,
        }
        return self.ok("POST", "/earners", admin, body)["id"]

    def enrol(self, admin: str, program_id: int, earner_id: int, method: str = "online") -> int:
        body = {"earner_id": earner_id, "learning_method": method}
        return self.ok("POST", f"/programs/{program_id}/enrollments", admin, body)["id"]

    def submit(self, token: str, enrollment_id: int) -> int:
        body = {
            "narrative": "My lesson analysis.",
            "evidence_urls": ["https://evidence.example.org/1"],
        }
        return self.ok("POST", f"/enrollments/{enrollment_id}/submissions", token, body)["id"]

    def score(
        self, reviewers: list[str], submission_id: int, scores: list[int]
    ) -> list[dict[str, Any]]:
        return [
            self.ok(
                "POST",
                f"/submissions/{submission_id}/reviews",
                r,
                {"score": s, "feedback": f"scored {s}"},
            )
            for r, s in zip(reviewers, scores, strict=True)
        ]

    def reviewers(self, issuer_id: int, admin: str) -> list[str]:
        return [self.account("reviewer", issuer_id, token=admin) for _ in range(3)]

    def passed_enrollment(
        self, admin: str, issuer_id: int, program_id: int, earner_id: int | None = None
    ) -> tuple[int, int]:
        earner_id = earner_id or self.earner(admin)
        enrollment_id = self.enrol(admin, program_id, earner_id)
        submission_id = self.submit(admin, enrollment_id)
        self.score(self.reviewers(issuer_id, admin), submission_id, [3, 4, 2])
        return enrollment_id, earner_id

    def complete(
        self, admin: str, enrollment_id: int, key: str | None = None, status: int = 201
    ) -> dict[str, Any]:
        headers = {"Idempotency-Key": key or uuid.uuid4().hex}
        return self.ok(
            "POST", f"/enrollments/{enrollment_id}/complete", admin, status=status, headers=headers
        )


@pytest.fixture
def api(client: FlaskClient, runner: FlaskCliRunner) -> Api:
    return Api(client, runner)


@pytest.fixture
def district(api: Api) -> tuple[int, str]:
    """A district issuer and the token of its admin."""
    return api.issuer()


@pytest.fixture
def award(api: Api, district: tuple[int, str]) -> dict[str, Any]:
    """One award: a new educator completed the district's approved program (modules needing
    another award define their own ``award``)."""
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id)
    return api.complete(admin, enrollment_id)  # type: ignore[no-any-return]


@pytest.fixture
def second_worker(settings: Settings) -> Iterator[Flask]:
    """A second app on the same database: another gunicorn worker, or another machine."""
    application = create_app(settings)
    yield application
    application.extensions["issuer.services"].db.dispose()
