"""Review cycles (SPEC §8, Reviewer and Facilitator): an issuer admin opens a cycle with its
closing date, assigns three reviewers to each submission waiting for review, reassigns one; the
reviewer reads their queue and scores what they were given. Once a submission has assigned
reviewers only they may score it; one without assignments may be scored by any reviewer of its
issuer (SPEC §5)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from issuer.domain import review_cycles as rule
from issuer.domain import rubric
from issuer.domain.states import EnrollmentStatus, Role
from issuer.errors import Conflict, Forbidden, ValidationFailed
from issuer.models import (
    Account,
    Earner,
    Enrollment,
    Issuer,
    Program,
    ProgramVersion,
    Review,
    ReviewAssignment,
    ReviewCycle,
    Submission,
)
from issuer.workflow import audit
from issuer.workflow.context import Context
from issuer.workflow.integrations import mail_messages
from issuer.workflow.learning import evidence

OPEN = "open"
UNDER_REVIEW = (EnrollmentStatus.SUBMITTED.value, EnrollmentStatus.IN_REVIEW.value)


def long_date(day: date) -> str:
    """'31 December 2026': dates as people write them."""
    return f"{day.day} {day:%B %Y}"


# ---- what the use cases answer ---------------------------------------------------------------


@dataclass(frozen=True)
class AssignedReviewer:
    id: int
    name: str  # reviewers are known by their account's email
    scored: bool


@dataclass(frozen=True)
class SubmissionProgress:
    """One submission of a cycle: whose, which program and attempt, who reviews it, how far."""

    submission_id: int
    enrollment_id: int
    educator_name: str
    program_name: str
    attempt: int
    submitted_at: datetime
    reviewers: list[AssignedReviewer]

    @property
    def scored(self) -> int:
        return sum(1 for r in self.reviewers if r.scored)


@dataclass(frozen=True)
class CycleView:
    id: int
    issuer_id: int
    issuer_name: str
    closes_on: date
    status: str
    opened_at: datetime
    opened_by: str | None
    submissions: list[SubmissionProgress]
    waiting: int  # submissions this cycle would review that have no reviewers yet

    @property
    def reviews_done(self) -> int:
        return sum(s.scored for s in self.submissions)

    @property
    def reviews_needed(self) -> int:
        return rule.REVIEWERS_PER_SUBMISSION * len(self.submissions)


@dataclass(frozen=True)
class AssignRun:
    cycle: CycleView
    assigned: int  # submissions given their reviewers by this run


@dataclass(frozen=True)
class QueueItem:
    submission_id: int
    cycle_id: int
    program_name: str
    attempt: int
    submitted_at: datetime
    due_on: date


@dataclass(frozen=True)
class ScoringPage:
    """What a reviewer reads to score one submission; never another reviewer's score."""

    submission_id: int
    program_name: str
    criteria: str
    competencies: list[str]
    attempt: int
    submitted_at: datetime
    narrative: str
    evidence_urls: list[str]
    files: list[tuple[str, str]]  # (file name, the page that serves it)
    rubric: list[rubric.RubricLevel]
    due_on: date | None
    my_score: int | None  # the reviewer's own score, once given
    open_for_review: bool


# ---- the facilitator's use cases -------------------------------------------------------------


def open_cycle(ctx: Context, issuer_id: int, closes_on: date | None = None) -> ReviewCycle:
    """A new cycle of the issuer closing on ``closes_on`` (default: the end of this month); not
    in the past, and one open cycle per closing date (a re-posted form opens nothing more)."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    issuer = ctx.get(Issuer, issuer_id)
    ctx.actor.require_issuer(issuer.id)
    today = ctx.now.astimezone(UTC).date()
    closes_on = closes_on or rule.end_of_month(today)
    if closes_on < today:
        raise ValidationFailed(fields={"closes_on": "must be today or a later date"})
    existing = ctx.session.scalar(
        select(ReviewCycle).where(
            ReviewCycle.issuer_id == issuer.id,
            ReviewCycle.closes_on == closes_on,
        )
    )
    if existing is not None:
        raise Conflict(
            f"{issuer.name} already has a review cycle closing on {long_date(closes_on)}.",
            code="cycle_exists",
        )
    cycle = ReviewCycle(
        issuer_id=issuer.id,
        closes_on=closes_on,
        status=OPEN,
        opened_by=ctx.actor.account_id,
        opened_at=ctx.now,
    )
    ctx.session.add(cycle)
    ctx.session.flush()
    audit.record(ctx, "review_cycle.opened", "review_cycle", cycle.id, closes_on=str(closes_on))
    return cycle


def list_cycles(
    ctx: Context, issuer_id: int, *, limit: int, offset: int
) -> tuple[list[CycleView], int]:
    """The issuer's cycles, latest closing date first, each with its progress."""
    _require_reader(ctx, ctx.get(Issuer, issuer_id).id)
    query = select(ReviewCycle).where(ReviewCycle.issuer_id == issuer_id)
    total = ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = ctx.session.scalars(
        query.order_by(ReviewCycle.closes_on.desc(), ReviewCycle.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_view(ctx, cycle) for cycle in rows], int(total)


def get_cycle(ctx: Context, cycle_id: int) -> CycleView:
    """A cycle with its progress per submission (the issuer's admins; PTSB reads)."""
    cycle = ctx.get(ReviewCycle, cycle_id, what="review cycle")
    _require_reader(ctx, cycle.issuer_id)
    return _view(ctx, cycle)


def assign(ctx: Context, cycle_id: int) -> AssignRun:
    """Give each submission this cycle reviews that has no reviewers yet its three; assigning
    again assigns only the submissions that arrived since. Each reviewer given something gets one
    message listing it. All or nothing: a submission without three eligible reviewers stops the
    run with a 409 naming it."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    cycle = ctx.get(ReviewCycle, cycle_id, what="review cycle")
    ctx.actor.require_issuer(cycle.issuer_id)
    ctx.get(Issuer, cycle.issuer_id, lock=True)  # one assignment run per issuer at a time
    _require_open(cycle)
    waiting = _waiting(ctx, cycle)
    reviewers = _reviewers(ctx, cycle.issuer_id)
    items = [_to_assign(ctx, submission) for submission in waiting]
    planned = rule.plan(items, reviewers, _open_loads(ctx, cycle.issuer_id))
    given: dict[int, list[Submission]] = defaultdict(list)
    for submission in waiting:
        chosen = planned.chosen[submission.id]
        for reviewer_id in chosen:
            ctx.session.add(
                ReviewAssignment(
                    cycle_id=cycle.id,
                    submission_id=submission.id,
                    reviewer_id=reviewer_id,
                    assigned_at=ctx.now,
                )
            )
            given[reviewer_id].append(submission)
        audit.record(
            ctx, "review.assigned", "submission", submission.id, cycle_id=cycle.id, reviewers=chosen
        )
    ctx.session.flush()
    audit.record(ctx, "review_cycle.assigned", "review_cycle", cycle.id, submissions=len(waiting))
    for reviewer_id, submissions in sorted(given.items()):
        mail_messages.reviewer_assignments(
            ctx,
            ctx.get(Account, reviewer_id),
            cycle.closes_on,
            [_program_and_attempt(ctx, s) for s in submissions],
        )
    return AssignRun(_view(ctx, cycle), len(waiting))


def set_reviewers(ctx: Context, submission_id: int, reviewer_ids: Sequence[int]) -> CycleView:
    """Reassign: the submission's three reviewers become ``reviewer_ids``. Each must be a reviewer
    of the issuer and not the submitter; a reviewer who already scored it stays; the submission
    must have been assigned in an open cycle and still be under review."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    submission = ctx.get(Submission, submission_id)
    enrollment = ctx.get(Enrollment, submission.enrollment_id, lock=True)
    issuer_id = ctx.get(Program, enrollment.program_id).issuer_id
    ctx.actor.require_issuer(issuer_id)
    wanted = list(dict.fromkeys(reviewer_ids))
    if len(wanted) != rule.REVIEWERS_PER_SUBMISSION or len(reviewer_ids) != len(wanted):
        raise ValidationFailed(fields={"reviewer_ids": "must name three different reviewers"})
    current = _assignments(ctx, submission.id)
    if not current:
        raise Conflict(
            "This submission has no reviewers yet: assign reviewers in a review cycle first.",
            code="not_assigned_yet",
        )
    cycle = ctx.get(ReviewCycle, current[0].cycle_id, what="review cycle")
    _require_open(cycle)
    if enrollment.status not in UNDER_REVIEW or _latest_id(ctx, enrollment.id) != submission.id:
        raise Conflict("This submission is no longer under review.", code="not_under_review")
    submitter = ctx.get(Earner, enrollment.earner_id).email
    by_id = {r.account_id: r for r in _reviewers(ctx, issuer_id)}
    problems = []
    for account_id in wanted:
        reviewer = by_id.get(account_id)
        if reviewer is None:
            account = ctx.session.get(Account, account_id)
            who = account.email if account is not None else "one of them"
            problems.append(f"{who} is not a reviewer of this issuer")
        elif rule.is_submitter(reviewer, submitter):
            problems.append(f"{reviewer.email} submitted this work and cannot review it")
    if problems:
        raise ValidationFailed(fields={"reviewer_ids": "; ".join(problems)})
    scored = _scored_by(ctx, submission.id)
    kept_out = [by_id.get(a) for a in scored if a not in wanted]
    if kept_out:
        names = ", ".join(r.email if r else "a former reviewer" for r in kept_out)
        raise Conflict(
            f"{names} already scored this submission and stays assigned to it.",
            code="reviewer_already_scored",
        )
    removed = [a.reviewer_id for a in current if a.reviewer_id not in wanted]
    added = [a for a in wanted if a not in {c.reviewer_id for c in current}]
    for assignment in current:
        if assignment.reviewer_id in removed:
            ctx.session.delete(assignment)
    ctx.session.flush()
    for account_id in added:
        ctx.session.add(
            ReviewAssignment(
                cycle_id=cycle.id,
                submission_id=submission.id,
                reviewer_id=account_id,
                assigned_at=ctx.now,
            )
        )
    ctx.session.flush()
    if added or removed:
        audit.record(
            ctx,
            "review.reassigned",
            "submission",
            submission.id,
            cycle_id=cycle.id,
            removed=removed,
            added=added,
        )
        for account_id in added:
            mail_messages.reviewer_assignments(
                ctx,
                ctx.get(Account, account_id),
                cycle.closes_on,
                [_program_and_attempt(ctx, submission)],
            )
    return _view(ctx, cycle)


def default_closing_date(ctx: Context) -> date:
    """The date the open form offers: the end of this month."""
    return rule.end_of_month(ctx.now.astimezone(UTC).date())


def cycle_page(ctx: Context, cycle_id: int) -> tuple[CycleView, list[rule.Reviewer]]:
    """A cycle with its progress and the issuer's reviewers to reassign among."""
    view = get_cycle(ctx, cycle_id)
    return view, _reviewers(ctx, view.issuer_id)


def issuer_reviewers(ctx: Context, issuer_id: int) -> list[rule.Reviewer]:
    """The issuer's reviewers (for the reassign form)."""
    _require_reader(ctx, issuer_id)
    return _reviewers(ctx, issuer_id)


# ---- the reviewer's use cases ----------------------------------------------------------------


def my_queue(ctx: Context) -> list[QueueItem]:
    """The calling reviewer's assignments in open cycles not yet scored, oldest submission
    first, each due on its cycle's closing date; never their own submission."""
    ctx.actor.require_role(Role.REVIEWER)
    query = (
        select(ReviewAssignment, ReviewCycle, Submission, Enrollment)
        .join(ReviewCycle, ReviewCycle.id == ReviewAssignment.cycle_id)
        .join(Submission, Submission.id == ReviewAssignment.submission_id)
        .join(Enrollment, Enrollment.id == Submission.enrollment_id)
        .where(
            ReviewAssignment.reviewer_id == ctx.actor.account_id,
            ReviewCycle.status == OPEN,
            Enrollment.status.in_(UNDER_REVIEW),
        )
        .order_by(Submission.created_at, Submission.id)
    )
    items = []
    for _assignment, cycle, submission, enrollment in ctx.session.execute(query):
        if ctx.actor.account_id in _scored_by(ctx, submission.id):
            continue
        if _latest_id(ctx, enrollment.id) != submission.id:
            continue
        if ctx.get(Earner, enrollment.earner_id).email.lower() == ctx.actor.email.lower():
            continue
        items.append(
            QueueItem(
                submission_id=submission.id,
                cycle_id=cycle.id,
                program_name=ctx.get(ProgramVersion, enrollment.program_version_id).name,
                attempt=submission.attempt,
                submitted_at=submission.created_at,
                due_on=cycle.closes_on,
            )
        )
    return items


def scoring_page(ctx: Context, submission_id: int) -> ScoringPage:
    """The submission as its reviewer scores it: narrative, links, files, the program's criteria
    and rubric; the reviewer's own score once given, never the others'."""
    ctx.actor.require_role(Role.REVIEWER)
    submission = ctx.get(Submission, submission_id)
    enrollment = ctx.get(Enrollment, submission.enrollment_id)
    ctx.actor.require_issuer(ctx.get(Program, enrollment.program_id).issuer_id)
    check_may_score(ctx, submission, enrollment)
    version = ctx.get(ProgramVersion, enrollment.program_version_id)
    mine = ctx.session.scalar(
        select(Review.score).where(
            Review.submission_id == submission.id, Review.reviewer_id == ctx.actor.account_id
        )
    )
    open_for_review = (
        enrollment.status in UNDER_REVIEW and _latest_id(ctx, enrollment.id) == submission.id
    )
    return ScoringPage(
        submission_id=submission.id,
        program_name=version.name,
        criteria=version.criteria,
        competencies=list(version.competencies or []),
        attempt=submission.attempt,
        submitted_at=submission.created_at,
        narrative=submission.narrative,
        evidence_urls=list(submission.evidence_urls or []),
        files=[
            (f.filename, evidence.page_url(ctx, f.id))
            for f in evidence.files_of(ctx, submission.id)
        ],
        rubric=list(rubric.rubric_levels(version.rubric)),
        due_on=_due_on(ctx, submission.id),
        my_score=mine,
        open_for_review=open_for_review,
    )


def check_may_score(ctx: Context, submission: Submission, enrollment: Enrollment) -> None:
    """A reviewer never scores their own submission; once a submission has assigned reviewers,
    only they may score it (403 ``not_assigned``)."""
    if ctx.get(Earner, enrollment.earner_id).email.lower() == ctx.actor.email.lower():
        raise Forbidden("Nobody reviews their own submission.", code="own_submission")
    assigned = {a.reviewer_id for a in _assignments(ctx, submission.id)}
    if assigned and ctx.actor.account_id not in assigned:
        raise Forbidden(
            "This submission is assigned to other reviewers in its review cycle.",
            code="not_assigned",
        )


# ---- what other use cases ask about cycles ---------------------------------------------------


def cycle_for_submission(
    ctx: Context, issuer_id: int, submission: Submission
) -> ReviewCycle | None:
    """The cycle that reviews (or will review) a submission: the one it is assigned in, else the
    issuer's open cycle with the earliest closing date on or after the day it was made."""
    assigned = _assignments(ctx, submission.id)
    if assigned:
        return ctx.get(ReviewCycle, assigned[0].cycle_id)
    made_on = submission.created_at.astimezone(UTC).date()
    return ctx.session.scalar(
        select(ReviewCycle)
        .where(
            ReviewCycle.issuer_id == issuer_id,
            ReviewCycle.status == OPEN,
            ReviewCycle.closes_on >= made_on,
        )
        .order_by(ReviewCycle.closes_on, ReviewCycle.id)
        .limit(1)
    )


def known_cycle(ctx: Context, cycle_id: int) -> ReviewCycle | None:
    return ctx.session.get(ReviewCycle, cycle_id)


def submissions_in(cycle_id: int):  # noqa: ANN201 - a select of submission ids
    """The ids of the submissions assigned in a cycle (a subquery for the list call)."""
    return select(ReviewAssignment.submission_id).where(ReviewAssignment.cycle_id == cycle_id)


# ---- helpers ---------------------------------------------------------------------------------


def _require_reader(ctx: Context, issuer_id: int) -> None:
    ctx.actor.require_role(Role.ISSUER_ADMIN, Role.PTSB)
    ctx.actor.require_issuer(issuer_id)


def _require_open(cycle: ReviewCycle) -> None:
    if cycle.status != OPEN:
        raise Conflict("This review cycle is closed.", code="cycle_closed")


def _view(ctx: Context, cycle: ReviewCycle) -> CycleView:
    rows: dict[int, list[ReviewAssignment]] = defaultdict(list)
    query = (
        select(ReviewAssignment)
        .where(ReviewAssignment.cycle_id == cycle.id)
        .order_by(ReviewAssignment.id)
    )
    for assignment in ctx.session.scalars(query):
        rows[assignment.submission_id].append(assignment)
    submissions = [ctx.get(Submission, sid) for sid in rows]
    submissions.sort(key=lambda s: (s.created_at, s.id))
    progress = []
    for submission in submissions:
        enrollment = ctx.get(Enrollment, submission.enrollment_id)
        scored = _scored_by(ctx, submission.id)
        progress.append(
            SubmissionProgress(
                submission_id=submission.id,
                enrollment_id=enrollment.id,
                educator_name=ctx.get(Earner, enrollment.earner_id).name,
                program_name=ctx.get(ProgramVersion, enrollment.program_version_id).name,
                attempt=submission.attempt,
                submitted_at=submission.created_at,
                reviewers=[
                    AssignedReviewer(
                        a.reviewer_id,
                        ctx.get(Account, a.reviewer_id).email,
                        a.reviewer_id in scored,
                    )
                    for a in rows[submission.id]
                ],
            )
        )
    opener = ctx.session.get(Account, cycle.opened_by) if cycle.opened_by else None
    return CycleView(
        id=cycle.id,
        issuer_id=cycle.issuer_id,
        issuer_name=ctx.get(Issuer, cycle.issuer_id).name,
        closes_on=cycle.closes_on,
        status=cycle.status,
        opened_at=cycle.opened_at,
        opened_by=opener.email if opener else None,
        submissions=progress,
        waiting=len(_waiting(ctx, cycle)) if cycle.status == OPEN else 0,
    )


def _waiting(ctx: Context, cycle: ReviewCycle) -> list[Submission]:
    """The issuer's submissions under review, made on or before the closing date, that have no
    reviewers yet: the latest attempt of an enrollment that is submitted or in review."""
    latest = (
        select(func.max(Submission.attempt))
        .where(Submission.enrollment_id == Enrollment.id)
        .correlate(Enrollment)
        .scalar_subquery()
    )
    before = datetime.combine(cycle.closes_on + timedelta(days=1), time(), tzinfo=UTC)
    assigned = select(ReviewAssignment.submission_id)
    query = (
        select(Submission)
        .join(Enrollment, Enrollment.id == Submission.enrollment_id)
        .join(Program, Program.id == Enrollment.program_id)
        .where(
            Program.issuer_id == cycle.issuer_id,
            Enrollment.status.in_(UNDER_REVIEW),
            Submission.attempt == latest,
            Submission.created_at < before,
            Submission.id.not_in(assigned),
        )
        .order_by(Submission.created_at, Submission.id)
    )
    return list(ctx.session.scalars(query))


def _reviewers(ctx: Context, issuer_id: int) -> list[rule.Reviewer]:
    query = (
        select(Account)
        .where(Account.role == Role.REVIEWER.value, Account.issuer_id == issuer_id)
        .order_by(Account.id)
    )
    return [rule.Reviewer(a.id, a.email) for a in ctx.session.scalars(query)]


def _open_loads(ctx: Context, issuer_id: int) -> dict[int, int]:
    """Per reviewer of the issuer: assignments in open cycles they have not scored yet."""
    query = (
        select(ReviewAssignment.reviewer_id, ReviewAssignment.submission_id)
        .join(ReviewCycle, ReviewCycle.id == ReviewAssignment.cycle_id)
        .where(ReviewCycle.issuer_id == issuer_id, ReviewCycle.status == OPEN)
    )
    scored = {
        (row[0], row[1])
        for row in ctx.session.execute(
            select(Review.reviewer_id, Review.submission_id).where(
                Review.submission_id.in_(query.with_only_columns(ReviewAssignment.submission_id))
            )
        )
    }
    loads: dict[int, int] = defaultdict(int)
    for reviewer_id, submission_id in ctx.session.execute(query):
        if (reviewer_id, submission_id) not in scored:
            loads[reviewer_id] += 1
    return dict(loads)


def _to_assign(ctx: Context, submission: Submission) -> rule.ToAssign:
    enrollment = ctx.get(Enrollment, submission.enrollment_id)
    earner = ctx.get(Earner, enrollment.earner_id)
    program = ctx.get(ProgramVersion, enrollment.program_version_id).name
    previous: list[int] = []
    if submission.attempt > 1:
        before = ctx.session.scalar(
            select(Submission).where(
                Submission.enrollment_id == enrollment.id,
                Submission.attempt == submission.attempt - 1,
            )
        )
        if before is not None:
            previous = list(
                dict.fromkeys(
                    [a.reviewer_id for a in _assignments(ctx, before.id)]
                    + sorted(_scored_by(ctx, before.id))
                )
            )
    return rule.ToAssign(
        submission_id=submission.id,
        submitter_email=earner.email,
        label=f"{earner.name}'s attempt {submission.attempt} of {program}",
        scored_by=sorted(_scored_by(ctx, submission.id)),
        previous_reviewers=previous,
    )


def _assignments(ctx: Context, submission_id: int) -> list[ReviewAssignment]:
    query = (
        select(ReviewAssignment)
        .where(ReviewAssignment.submission_id == submission_id)
        .order_by(ReviewAssignment.id)
    )
    return list(ctx.session.scalars(query))


def _scored_by(ctx: Context, submission_id: int) -> set[int]:
    query = select(Review.reviewer_id).where(Review.submission_id == submission_id)
    return set(ctx.session.scalars(query))


def _latest_id(ctx: Context, enrollment_id: int) -> int | None:
    query = (
        select(Submission.id)
        .where(Submission.enrollment_id == enrollment_id)
        .order_by(Submission.attempt.desc())
        .limit(1)
    )
    return ctx.session.scalar(query)


def _due_on(ctx: Context, submission_id: int) -> date | None:
    assigned = _assignments(ctx, submission_id)
    return ctx.get(ReviewCycle, assigned[0].cycle_id).closes_on if assigned else None


def _program_and_attempt(ctx: Context, submission: Submission) -> tuple[str, int]:
    enrollment = ctx.get(Enrollment, submission.enrollment_id)
    return ctx.get(ProgramVersion, enrollment.program_version_id).name, submission.attempt


# ---- JSON answers ----------------------------------------------------------------------------


def cycle_json(view: CycleView, *, with_submissions: bool = True) -> dict[str, object]:
    body: dict[str, object] = {
        "id": view.id,
        "issuer_id": view.issuer_id,
        "closes_on": view.closes_on.isoformat(),
        "status": view.status,
        "opened_at": _when(view.opened_at),
        "opened_by": view.opened_by,
        "submissions_assigned": len(view.submissions),
        "submissions_waiting": view.waiting,
        "reviews_done": view.reviews_done,
        "reviews_needed": view.reviews_needed,
    }
    if with_submissions:
        body["submissions"] = [
            {
                "submission_id": s.submission_id,
                "enrollment_id": s.enrollment_id,
                "educator_name": s.educator_name,
                "program_name": s.program_name,
                "attempt": s.attempt,
                "submitted_at": _when(s.submitted_at),
                "reviewers": [
                    {"id": r.id, "name": r.name, "scored": r.scored} for r in s.reviewers
                ],
                "scored": s.scored,
            }
            for s in view.submissions
        ]
    return body


def queue_json(items: list[QueueItem]) -> dict[str, object]:
    return {
        "items": [
            {
                "submission_id": i.submission_id,
                "cycle_id": i.cycle_id,
                "program_name": i.program_name,
                "attempt": i.attempt,
                "submitted_at": _when(i.submitted_at),
                "due_on": i.due_on.isoformat(),
            }
            for i in items
        ],
        "total": len(items),
    }


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
