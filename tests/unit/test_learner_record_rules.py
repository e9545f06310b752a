"""The rules of the educator's record (issuer/domain/learner_record.py): what it holds, what it
leaves out and why, and how the achievements in it relate."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from issuer.domain.learner_record import (
    IS_PART_OF,
    PRECEDES,
    Association,
    RecordedAward,
    associations,
    record_contents,
)

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def program(pid: int, prerequisites: tuple[int, ...] = ()) -> RecordedAward:
    return RecordedAward(
        award_id=f"a{pid}",
        name=f"Program {pid}",
        achievement_id=f"https://b.test/ob3/programs/{pid}/v1",
        program_id=pid,
        stack_members=frozenset(),
        prerequisites=frozenset(prerequisites),
        revoked=False,
        expires_at=None,
    )


def stack(sid: int, members: tuple[int, ...]) -> RecordedAward:
    return RecordedAward(
        award_id=f"s{sid}",
        name=f"Stack {sid}",
        achievement_id=f"https://b.test/ob3/stacks/{sid}",
        program_id=None,
        stack_members=frozenset(members),
        prerequisites=frozenset(),
        revoked=False,
        expires_at=None,
    )


def test_each_program_is_part_of_the_stack_that_counts_it() -> None:
    found = associations([program(1), program(2), program(3), stack(9, (1, 2))])
    assert found == [
        Association(IS_PART_OF, "https://b.test/ob3/programs/1/v1", "https://b.test/ob3/stacks/9"),
        Association(IS_PART_OF, "https://b.test/ob3/programs/2/v1", "https://b.test/ob3/stacks/9"),
    ]


def test_prerequisite_precedes_the_program_that_needs_it() -> None:
    found = associations([program(1), program(2, prerequisites=(1,))])
    assert found == [
        Association(
            PRECEDES, "https://b.test/ob3/programs/1/v1", "https://b.test/ob3/programs/2/v1"
        )
    ]


def test_prerequisite_not_held_is_not_related() -> None:
    assert associations([program(2, prerequisites=(1,))]) == []


def test_revoked_and_expired_awards_are_left_out_with_their_reason() -> None:
    revoked = replace(program(1), revoked=True)
    expired = replace(program(2), expires_at=NOW - timedelta(days=1))
    contents = record_contents([revoked, expired, program(3)], NOW)
    assert [a.award_id for a in contents.held] == ["a3"]
    assert [(a.award_id, a.reason) for a in contents.left_out] == [
        ("a1", "revoked"),
        ("a2", "expired"),
    ]
    assert contents.partial
    assert contents.left_out_summary() == "Program 1 (revoked); Program 2 (expired)"


def test_left_out_awards_take_no_part_in_associations() -> None:
    contents = record_contents([replace(program(1), revoked=True), stack(9, (1,))], NOW)
    assert contents.associations == ()


def test_same_awards_give_the_same_fingerprint_in_any_order() -> None:
    first = record_contents([program(1), program(2)], NOW).fingerprint
    assert first == record_contents([program(2), program(1)], NOW).fingerprint


def test_a_revocation_changes_the_fingerprint() -> None:
    before = record_contents([program(1), program(2)], NOW).fingerprint
    after = record_contents([program(1), replace(program(2), revoked=True)], NOW).fingerprint
    assert before != after
