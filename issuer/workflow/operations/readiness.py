"""Is this worker ready to serve? The database answers, the schema is at the newest migration,
and every active signing key's private file is there and opens (SPEC §6).

A key file lost under a running deployment (``keys/`` emptied, a volume not mounted) would
otherwise surface only when someone completes an enrollment; the start and ``/readyz`` name it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, text

from issuer.db import Database
from issuer.errors import IssuerError
from issuer.migrations import current_revision, head_revision
from issuer.models import Issuer, SigningKey
from issuer.signing import keys as keyfiles


@dataclass(frozen=True)
class KeyProblem:
    """An active key whose private file cannot be used, and why."""

    key_id: str
    issuer_id: int
    issuer_name: str
    algorithm: str
    file: str
    problem: str

    def sentence(self) -> str:
        return (
            f"active {self.algorithm} signing key {self.key_id} of {self.issuer_name} "
            f"(issuer {self.issuer_id}): {self.problem}"
        )


@dataclass
class Readiness:
    database: str = "ok"
    migrations: str = "ok"
    keys: list[KeyProblem] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.database == "ok" and self.migrations == "ok" and not self.keys

    def as_dict(self) -> dict[str, object]:
        return {
            "ready": self.ready,
            "checks": {
                "database": self.database,
                "migrations": self.migrations,
                "signing_keys": "ok"
                if not self.keys
                else "; ".join(problem.sentence() for problem in self.keys),
            },
            "missing_keys": [
                {
                    "key_id": p.key_id,
                    "issuer_id": p.issuer_id,
                    "issuer": p.issuer_name,
                    "algorithm": p.algorithm,
                    "file": p.file,
                    "problem": p.problem,
                }
                for p in self.keys
            ],
        }


class KeyFileCheck:
    """Opens each key file once per (size, modification time): a probe every few seconds then
    costs a ``stat`` per active key, yet a replaced or damaged file is opened again."""

    def __init__(self, keys_dir: Path, passphrase: bytes | None) -> None:
        self.keys_dir = keys_dir
        self._passphrase = passphrase
        self._opened: dict[str, tuple[int, int]] = {}

    def problem(self, file_name: str) -> str | None:
        path = self.keys_dir / file_name
        try:
            stat = path.stat()
        except FileNotFoundError:
            return f"no key file {path}"
        except OSError as exc:
            return f"key file {path} cannot be read ({exc.strerror})"
        stamp = (stat.st_size, stat.st_mtime_ns)
        if self._opened.get(file_name) == stamp and os.access(path, os.R_OK):
            return None
        try:
            keyfiles.load_private_key(path, self._passphrase)
        except IssuerError as exc:
            return f"key file {path} does not open ({exc.message})"
        except OSError as exc:
            return f"key file {path} cannot be read ({exc.strerror})"
        self._opened[file_name] = stamp
        return None


def active_key_problems(database: Database, check: KeyFileCheck) -> list[KeyProblem]:
    """Every active (not retired) key whose private file is missing or does not open."""
    query = (
        select(SigningKey, Issuer.name)
        .join(Issuer, Issuer.id == SigningKey.issuer_id)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.issuer_id, SigningKey.algorithm)
    )
    with database.session() as session:
        rows = list(session.execute(query))
    problems = []
    for key, issuer_name in rows:
        problem = check.problem(key.private_file)
        if problem is not None:
            problems.append(
                KeyProblem(
                    key.id, key.issuer_id, issuer_name, key.algorithm, key.private_file, problem
                )
            )
    return problems


def readiness(database: Database, check: KeyFileCheck) -> Readiness:
    """Check the database, the schema and the active keys; never raises."""
    result = Readiness()
    try:
        with database.session() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready", said in the answer
        result.database = f"unavailable ({type(exc).__name__})"
        result.migrations = "unknown"
        return result
    try:
        current, head = current_revision(database), head_revision()
        if current != head:
            result.migrations = f"database at {current or 'no schema'}, code at {head}"
        result.keys = active_key_problems(database, check)
    except Exception as exc:
        result.migrations = f"unknown ({type(exc).__name__})"
    return result
