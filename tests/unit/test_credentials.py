"""Prerequisites, stacks (all or N of M), credit hours and expiry (SPEC §2), without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from issuer.domain.credentials import (
    HeldAward,
    credit_hours_total,
    earned_programs,
    expiry,
    missing_prerequisites,
    stack_progress,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def held(program_id=1, hours="0.5", revoked=False, expires_at=None):
    return HeldAward(program_id, Decimal(hours), revoked, expires_at)


def test_expiry_adds_validity_days():
    assert expiry(NOW, 30) == NOW + timedelta(days=30)


def test_no_validity_period_never_expires():
    assert expiry(NOW, None) is None


def test_revoked_and_expired_awards_do_not_count_as_earned():
    awards = [
        held(1),
        held(2, revoked=True),
        held(3, expires_at=NOW - timedelta(seconds=1)),
        held(4, expires_at=NOW + timedelta(days=1)),
    ]
    assert earned_programs(awards, NOW) == {1, 4}


def test_missing_prerequisites_lists_unearned_in_order():
    assert missing_prerequisites([5, 2, 9], {9}) == [2, 5]


def test_credit_hours_total_sums_active_awards_exactly():
    awards = [held(1), held(2), held(3, hours="0.5", revoked=True), held(None, hours="0")]
    assert credit_hours_total(awards, NOW) == Decimal("1.0")


def test_stack_with_all_required_is_earned_only_when_all_are():
    assert not stack_progress([1, 2, 3], None, {1, 2}).earned
    assert stack_progress([1, 2, 3], None, {1, 2, 3}).earned


def test_stack_n_of_m_is_earned_at_n():
    progress = stack_progress([1, 2, 3, 4], 2, {3, 4})
    assert (progress.earned, progress.programs_earned, progress.programs_required) == (True, 2, 2)


def test_stack_progress_counts_only_member_programs():
    assert stack_progress([1, 2], None, {7, 8, 1}).programs_earned == 1
