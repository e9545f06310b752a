"""Migration 0011 on data: a database at 0010 holding an issuer, a reviewer, an educator's
enrollment, a submission and a review upgrades to review cycles; every row stays as it was and
a cycle with its assignments can then be stored (one per submission and reviewer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from issuer.db import Database
from issuer.migrations import current_revision, head_revision, upgrade

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
KEPT = ("issuers", "accounts", "earners", "programs", "enrollments", "submissions", "reviews")


@pytest.fixture
def at_0010(database_at: Callable[[str], Database]) -> Database:
    return _seeded(database_at("0010"))


def _seeded(database: Database) -> Database:
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
            t["accounts"]
            .insert()
            .values(
                id=1,
                role="reviewer",
                email="rita@metro.example.org",
                issuer_id=1,
                token_hash="1" * 64,
                created_at=NOW,
            )
        )
        conn.execute(
            t["earners"]
            .insert()
            .values(id=1, name="Ada Teacher", email="ada@school.example.org", created_at=NOW)
        )
        conn.execute(t["programs"].insert().values(id=1, issuer_id=1, created_at=NOW))
        conn.execute(
            t["program_versions"]
            .insert()
            .values(
                id=1,
                program_id=1,
                version=1,
                status="approved",
                name="Formative Assessment",
                description="D",
                criteria="C",
                competencies=[],
                estimated_hours="10",
                credit_hours="0.5",
                learning_methods=["online"],
                alignments=[],
                prerequisites=[],
                prior_training_eligible=True,
                created_at=NOW,
            )
        )
        conn.execute(
            t["enrollments"]
            .insert()
            .values(
                id=1,
                earner_id=1,
                program_id=1,
                program_version_id=1,
                learning_method="online",
                status="in_review",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        conn.execute(
            t["submissions"]
            .insert()
            .values(
                id=1,
                enrollment_id=1,
                attempt=1,
                narrative="My lesson analysis.",
                evidence_urls=[],
                created_at=NOW,
            )
        )
        conn.execute(
            t["reviews"]
            .insert()
            .values(id=1, submission_id=1, reviewer_id=1, score=3, feedback="Good.", created_at=NOW)
        )
    return database


def _rows(database: Database) -> dict[str, list[tuple[object, ...]]]:
    with database.engine.connect() as conn:
        return {
            name: [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {name} ORDER BY id"))]  # noqa: S608
            for name in KEPT
        }


def test_upgrade_keeps_every_row_and_adds_the_cycle_tables(at_0010, tmp_path):
    before = _rows(at_0010)
    upgrade(at_0010, tmp_path)
    assert current_revision(at_0010) == head_revision()
    assert _rows(at_0010) == before
    tables = set(sa.inspect(at_0010.engine).get_table_names())
    assert {"review_cycles", "review_assignments"} <= tables


def test_an_upgraded_database_stores_a_cycle_and_one_assignment_per_reviewer(at_0010, tmp_path):
    upgrade(at_0010, tmp_path)
    with at_0010.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO review_cycles (id, issuer_id, closes_on, opened_by, opened_at) "
                "VALUES (1, 1, :closes, 1, :now)"
            ),
            {"closes": date(2026, 11, 30), "now": NOW.replace(tzinfo=None)},
        )
        assignment = sa.text(
            "INSERT INTO review_assignments (cycle_id, submission_id, reviewer_id, assigned_at) "
            "VALUES (1, 1, 1, :now)"
        )
        conn.execute(assignment, {"now": NOW.replace(tzinfo=None)})
    with at_0010.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT status FROM review_cycles")).scalar() == "open"
    with pytest.raises(sa.exc.IntegrityError), at_0010.engine.begin() as conn:
        conn.execute(assignment, {"now": NOW.replace(tzinfo=None)})
