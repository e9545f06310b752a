"""What the signed-in educator reads about their own learning: every enrollment with its status
and next step in words, one enrollment with its attempts and (after the third review) the
feedback, and which prerequisites of a program they still have to earn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from issuer.domain import rubric
from issuer.domain.credentials import missing_prerequisites
from issuer.domain.mail import METHOD_WORDS
from issuer.domain.states import EnrollmentStatus, can_accept_submission
from issuer.models import Enrollment, Program, ProgramVersion, Submission
from issuer.workflow.context import Context
from issuer.workflow.learning import earners, enrollments, evidence, review_cycles, reviews
from issuer.workflow.programs import programs

S = EnrollmentStatus
STATUS_WORDS: dict[str, str] = {
    S.ENROLLED: "Enrolled",
    S.SUBMITTED: "Submitted",
    S.IN_REVIEW: "In review",
    S.NEEDS_REVISION: "Needs revision",
    S.PASSED: "Passed",
    S.COMPLETED: "Completed",
    S.WITHDRAWN: "Withdrawn",
}
"""Each enrollment status as a phrase for people."""

NEXT_STEPS: dict[str, str] = {
    S.ENROLLED: "Submit your performance task",
    S.SUBMITTED: "In review — three reviewers will score it",
    S.IN_REVIEW: "In review — three reviewers will score it",
    S.NEEDS_REVISION: "Read the feedback and resubmit",
    S.PASSED: "Passed — waiting for your district to confirm",
    S.COMPLETED: "Completed — see your badge",
    S.WITHDRAWN: "Withdrawn — nothing more to do",
}
"""What the educator does next (or waits for), per status."""

PROCESS = ["Enrol", "Submit your performance task", "Review", "District confirms", "Badge"]
_STEP_OF_STATUS = {
    S.ENROLLED: 1,
    S.NEEDS_REVISION: 1,
    S.SUBMITTED: 2,
    S.IN_REVIEW: 2,
    S.PASSED: 3,
    S.COMPLETED: 4,
}
_IN_PROGRESS = {S.ENROLLED, S.SUBMITTED, S.IN_REVIEW, S.NEEDS_REVISION, S.PASSED}


def long_date(moment: datetime) -> str:
    """'4 December 2026': dates as people write them."""
    return f"{moment.day} {moment:%B %Y}"


@dataclass(frozen=True)
class EnrollmentLine:
    """One enrollment as "My learning" lists it."""

    id: int
    program_id: int
    program_name: str
    method: str
    method_words: str
    status: str
    status_words: str
    next_step: str
    award_id: str | None
    enrolled_on: str
    current_step: int | None  # index into PROCESS; None when withdrawn

    @property
    def in_progress(self) -> bool:
        return self.status in _IN_PROGRESS


@dataclass(frozen=True)
class Feedback:
    """The outcome of an attempt after its third review; reviewers are numbered, never named."""

    score_of_record: int
    level: str
    passed: bool
    feedbacks: list[tuple[str, str]]  # ("Reviewer 1", text)


@dataclass(frozen=True)
class Attempt:
    number: int
    narrative: str
    evidence_urls: list[str]
    submitted_on: str
    reviews_done: int
    feedback: Feedback | None
    files: list[tuple[str, str]]  # (file name, the page that serves it to the educator)


@dataclass(frozen=True)
class EnrollmentPage:
    line: EnrollmentLine
    methods: list[tuple[str, str]]  # (value, words) the educator may switch to
    can_submit: bool
    can_switch: bool
    can_withdraw: bool
    attempts: list[Attempt]


def my_enrollments(ctx: Context) -> list[EnrollmentLine]:
    """Every enrollment of the signed-in educator, newest first (``NotFound`` without a record)."""
    earner = earners.own_earner(ctx)
    query = select(Enrollment).where(Enrollment.earner_id == earner.id)
    rows = ctx.session.scalars(query.order_by(Enrollment.created_at.desc(), Enrollment.id.desc()))
    return [_line(ctx, enrollment) for enrollment in rows]


def in_progress(ctx: Context, earner_id: int) -> list[EnrollmentLine]:
    """The earner's enrollments still under way (not completed, not withdrawn), for the portfolio."""
    query = select(Enrollment).where(
        Enrollment.earner_id == earner_id,
        Enrollment.status.in_([s.value for s in _IN_PROGRESS]),
    )
    return [_line(ctx, e) for e in ctx.session.scalars(query.order_by(Enrollment.id))]


def enrollment_page(ctx: Context, enrollment_id: int) -> EnrollmentPage:
    """One enrollment of the signed-in educator with every attempt (``Forbidden`` for another's)."""
    enrollment = enrollments.acting_on(ctx, enrollment_id)
    status = S(enrollment.status)
    finished = status in (S.PASSED, S.COMPLETED, S.WITHDRAWN)
    version = ctx.get(ProgramVersion, enrollment.program_version_id)
    offered = list(version.learning_methods)
    if enrollment.learning_method not in offered:  # the prior-training path, chosen at enrolment
        offered.append(enrollment.learning_method)
    methods = [(m, METHOD_WORDS.get(m, m)) for m in offered]
    return EnrollmentPage(
        line=_line(ctx, enrollment),
        methods=methods,
        can_submit=can_accept_submission(status),
        can_switch=not finished,
        can_withdraw=status not in (S.COMPLETED, S.WITHDRAWN),
        attempts=[_attempt(ctx, s) for s in reviews.submissions_of(ctx, enrollment_id)],
    )


def own_active_enrollment_id(ctx: Context, program_id: int) -> int | None:
    """The signed-in educator's enrollment in the program that is not withdrawn, if any."""
    found = enrollments.active_enrollment(ctx, earners.own_earner(ctx).id, program_id)
    return found.id if found is not None else None


def missing_for_me(ctx: Context, program_id: int) -> list[tuple[int, str]]:
    """The prerequisites of the program's version in force the signed-in educator has not earned,
    as (program id, name): what an enrolment refusal names and links."""
    earner = earners.own_earner(ctx)
    version = programs.approved_version(ctx, program_id)
    earned = enrollments.earned_program_ids(ctx, earner.id)
    return [
        (pid, programs.display_name(ctx, pid))
        for pid in missing_prerequisites(version.prerequisites, earned)
    ]


def _line(ctx: Context, enrollment: Enrollment) -> EnrollmentLine:
    status = S(enrollment.status)
    version = ctx.get(ProgramVersion, enrollment.program_version_id)
    award_id = enrollments.award_id_of(ctx, enrollment.id) if status is S.COMPLETED else None
    return EnrollmentLine(
        id=enrollment.id,
        program_id=enrollment.program_id,
        program_name=version.name,
        method=enrollment.learning_method,
        method_words=METHOD_WORDS.get(enrollment.learning_method, enrollment.learning_method),
        status=status.value,
        status_words=STATUS_WORDS[status],
        next_step=_next_step(ctx, enrollment, status),
        award_id=award_id,
        enrolled_on=long_date(enrollment.created_at),
        current_step=_STEP_OF_STATUS.get(status),
    )


def _next_step(ctx: Context, enrollment: Enrollment, status: EnrollmentStatus) -> str:
    """The next step in words; in review, with the closing date of the cycle reviewing it."""
    if status in (S.SUBMITTED, S.IN_REVIEW):
        latest = reviews.latest_submission(ctx, enrollment.id)
        issuer_id = ctx.get(Program, enrollment.program_id).issuer_id
        cycle = review_cycles.cycle_for_submission(ctx, issuer_id, latest) if latest else None
        if cycle is not None:
            closes = review_cycles.long_date(cycle.closes_on)
            return f"{NEXT_STEPS[status]} by {closes}, when the review cycle closes"
    return NEXT_STEPS[status]


def _attempt(ctx: Context, submission: Submission) -> Attempt:
    done = reviews.reviews_for(ctx, submission.id)
    feedback = None
    if len(done) >= rubric.REVIEWS_REQUIRED:
        score = rubric.score_of_record([r.score for r in done[: rubric.REVIEWS_REQUIRED]])
        feedback = Feedback(
            score_of_record=score,
            level=rubric.RUBRIC_LEVELS[score],
            passed=score >= rubric.PASSING_SCORE,
            feedbacks=[(f"Reviewer {n}", r.feedback) for n, r in enumerate(done, start=1)],
        )
    return Attempt(
        number=submission.attempt,
        narrative=submission.narrative,
        evidence_urls=list(submission.evidence_urls or []),
        submitted_on=long_date(submission.created_at),
        reviews_done=len(done),
        feedback=feedback,
        files=[
            (f.filename, evidence.page_url(ctx, f.id))
            for f in evidence.files_of(ctx, submission.id)
        ],
    )
