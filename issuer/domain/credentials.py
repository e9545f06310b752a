"""Prerequisites, stacks, credit hours and expiry: which awards count and what they earn."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

DEFAULT_CREDIT_HOURS = Decimal("0.5")  # PTSB Rules Chapter 8: 0.5 credit hours per micro-credential


@dataclass(frozen=True)
class HeldAward:
    """The facts about one award that decide whether it counts."""

    program_id: int | None
    credit_hours: Decimal
    revoked: bool
    expires_at: datetime | None

    def is_active(self, now: datetime) -> bool:
        """Active means neither revoked nor past its expiry."""
        return not self.revoked and (self.expires_at is None or self.expires_at > now)


def standing(revoked: bool, expires_at: datetime | None, now: datetime) -> str:
    """``revoked``, ``expired`` or ``active``: what a license system needs to know of an award."""
    if revoked:
        return "revoked"
    if expires_at is not None and expires_at <= now:
        return "expired"
    return "active"


def expiry(issued_at: datetime, validity_days: int | None) -> datetime | None:
    """When an award issued at ``issued_at`` expires, or None when the program has no validity period."""
    if validity_days is None:
        return None
    return issued_at + timedelta(days=validity_days)


def earned_programs(awards: Iterable[HeldAward], now: datetime) -> set[int]:
    """Program ids the earner holds an active award for."""
    return {a.program_id for a in awards if a.program_id is not None and a.is_active(now)}


def missing_prerequisites(prerequisites: Collection[int], earned: Collection[int]) -> list[int]:
    """Prerequisite program ids not yet earned, in a stable order."""
    return sorted(set(prerequisites) - set(earned))


def credit_hours_total(awards: Iterable[HeldAward], now: datetime) -> Decimal:
    """Sum of credit hours over the earner's active awards."""
    return sum((a.credit_hours for a in awards if a.is_active(now)), Decimal("0"))


@dataclass(frozen=True)
class StackProgress:
    """How far an earner is through a stack."""

    programs_earned: int
    programs_required: int

    @property
    def earned(self) -> bool:
        return self.programs_earned >= self.programs_required


def stack_progress(
    stack_programs: Sequence[int], required: int | None, earned: Collection[int]
) -> StackProgress:
    """Progress through a stack: all programs required unless ``required`` (N of M) says fewer."""
    needed = len(stack_programs) if required is None else required
    have = sum(1 for program_id in set(stack_programs) if program_id in earned)
    return StackProgress(programs_earned=have, programs_required=needed)
