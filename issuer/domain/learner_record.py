"""The educator's Comprehensive Learner Record (CLR 2.0): which awards it holds, what it leaves
out and why, and how the achievements in it relate to each other. Pure rules, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from issuer.domain.credentials import standing

IS_PART_OF = "isPartOf"
PRECEDES = "precedes"


@dataclass(frozen=True)
class RecordedAward:
    """One award of the educator as the record sees it."""

    award_id: str
    name: str
    achievement_id: str
    program_id: int | None  # None for a stack credential
    stack_members: frozenset[int]  # a stack's program ids (empty for a program award)
    prerequisites: frozenset[int]  # program ids the program version requires
    revoked: bool
    expires_at: datetime | None


@dataclass(frozen=True)
class LeftOut:
    """An award the record does not hold, and why (``revoked`` or ``expired``)."""

    award_id: str
    name: str
    reason: str


@dataclass(frozen=True)
class Association:
    """``source`` relates to ``target`` as ``kind`` (a CLR 2.0 AssociationType)."""

    kind: str
    source: str
    target: str


@dataclass(frozen=True)
class RecordContents:
    held: tuple[RecordedAward, ...]
    left_out: tuple[LeftOut, ...]
    associations: tuple[Association, ...]

    @property
    def partial(self) -> bool:
        """Something the educator was awarded is not in the record."""
        return bool(self.left_out)

    @property
    def fingerprint(self) -> str:
        """What the record says, as text: the same awards held and left out give the same one."""
        held = ",".join(sorted(a.award_id for a in self.held))
        out = ",".join(sorted(f"{a.award_id}:{a.reason}" for a in self.left_out))
        return f"held={held};left_out={out}"

    def left_out_summary(self) -> str:
        """Words naming what was left out, for the record's description."""
        return "; ".join(f"{a.name} ({a.reason})" for a in self.left_out)


def record_contents(awards: Sequence[RecordedAward], now: datetime) -> RecordContents:
    """Active awards are held; revoked and expired ones are left out, each with its reason."""
    held: list[RecordedAward] = []
    left_out: list[LeftOut] = []
    for award in awards:
        state = standing(award.revoked, award.expires_at, now)
        if state == "active":
            held.append(award)
        else:
            left_out.append(LeftOut(award.award_id, award.name, state))
    return RecordContents(tuple(held), tuple(left_out), tuple(associations(held)))


def associations(held: Iterable[RecordedAward]) -> list[Association]:
    """A program ``isPartOf`` each held stack that counts it; a prerequisite program ``precedes``
    each held program that requires it. Only achievements in the record are related."""
    items = list(held)
    programs = [a for a in items if a.program_id is not None]
    stacks = [a for a in items if a.program_id is None]
    found = {
        Association(IS_PART_OF, program.achievement_id, stack.achievement_id)
        for program in programs
        for stack in stacks
        if program.program_id in stack.stack_members
    }
    found |= {
        Association(PRECEDES, first.achievement_id, then.achievement_id)
        for first in programs
        for then in programs
        if first.program_id in then.prerequisites and first.program_id != then.program_id
    }
    return sorted(found, key=lambda a: (a.kind, a.source, a.target))
