"""Review cycles (SPEC §8, the FAQ's monthly review): the default closing date, and the rule that
gives each submission three reviewers of its issuer.

The assignment rule, in order: a reviewer never scores their own work (a reviewer account whose
email is the earner's email is the submitter); reviewers who already scored the submission keep it;
then the reviewers of the earner's previous attempt of the same enrollment; then whoever has the
fewest open (unscored) assignments, ties broken by the lower account id. Loads count as the run
assigns, so one run spreads its submissions across the reviewers."""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from issuer.errors import Conflict

REVIEWERS_PER_SUBMISSION = 3


def end_of_month(day: date) -> date:
    """The last day of ``day``'s month: a cycle's default closing date."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class Reviewer:
    """A reviewer account of the issuer."""

    account_id: int
    email: str


@dataclass(frozen=True)
class ToAssign:
    """A submission waiting for its reviewers, with what the rule needs to know about it."""

    submission_id: int
    submitter_email: str
    label: str  # how people name it in an error: "Ada Teacher's attempt 2 of Formative Assessment"
    scored_by: Sequence[int] = ()  # reviewers who already scored this submission
    previous_reviewers: Sequence[int] = ()  # reviewers of the earner's previous attempt


@dataclass
class Plan:
    """The reviewers chosen per submission, and the open assignments each reviewer then has."""

    chosen: dict[int, list[int]] = field(default_factory=dict)
    loads: dict[int, int] = field(default_factory=dict)


def is_submitter(reviewer: Reviewer, submitter_email: str) -> bool:
    return reviewer.email.strip().lower() == submitter_email.strip().lower()


def eligible(reviewers: Sequence[Reviewer], submitter_email: str) -> list[Reviewer]:
    """The reviewers who may score a submission: everyone of the issuer but the submitter."""
    return [r for r in reviewers if not is_submitter(r, submitter_email)]


def choose(item: ToAssign, reviewers: Sequence[Reviewer], loads: Mapping[int, int]) -> list[int]:
    """Three reviewer ids for one submission (``Conflict`` naming it when fewer than three of the
    issuer's reviewers may score it)."""
    allowed = eligible(reviewers, item.submitter_email)
    if len(allowed) < REVIEWERS_PER_SUBMISSION:
        raise Conflict(
            f"{item.label} needs {REVIEWERS_PER_SUBMISSION} reviewers who did not submit it, "
            f"but only {len(allowed)} of the issuer's reviewers can score it; "
            "invite more reviewers, then assign again.",
            code="not_enough_reviewers",
        )
    allowed_ids = {r.account_id for r in allowed}
    chosen: list[int] = []
    for preferred in (item.scored_by, item.previous_reviewers):
        for account_id in sorted(preferred, key=lambda a: (loads.get(a, 0), a)):
            if account_id in allowed_ids and account_id not in chosen:
                chosen.append(account_id)
    chosen = chosen[:REVIEWERS_PER_SUBMISSION]
    rest = sorted((a for a in allowed_ids if a not in chosen), key=lambda a: (loads.get(a, 0), a))
    chosen.extend(rest[: REVIEWERS_PER_SUBMISSION - len(chosen)])
    return chosen


def plan(
    items: Sequence[ToAssign], reviewers: Sequence[Reviewer], loads: Mapping[int, int]
) -> Plan:
    """Reviewers for each submission in the order given (oldest first), the loads growing as
    the run assigns; all or nothing: one submission without three reviewers stops the run."""
    result = Plan(loads={r.account_id: loads.get(r.account_id, 0) for r in reviewers})
    for item in items:
        chosen = choose(item, reviewers, result.loads)
        result.chosen[item.submission_id] = chosen
        for account_id in chosen:
            if account_id not in item.scored_by:  # a score already given is no open work
                result.loads[account_id] = result.loads.get(account_id, 0) + 1
    return result
