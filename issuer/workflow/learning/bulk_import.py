"""Bulk import of a roster (earners, and enrollments in the issuer's programs): all or nothing.

Each row goes through the same use cases as the single API calls (``register_earner``,
``enrol``: approval, prerequisites, learning methods, prior training), inside a savepoint of its
own, so a bad row is recorded and the following rows are still checked. When any row has a
problem the whole import is rolled back and every problem reported; a dry run is always rolled
back. Re-running a file changes nothing: known emails and enrollments that are not withdrawn
are reported as ``existing``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from issuer.domain.roster import Roster, RosterRow, RowProblem
from issuer.domain.states import Role
from issuer.errors import IssuerError, NotFound, RowsRejected, ValidationFailed
from issuer.models import Issuer, Program
from issuer.workflow import audit
from issuer.workflow.accounts.accounts import normalize_email
from issuer.workflow.context import Context
from issuer.workflow.learning import earners, enrollments

CREATED, EXISTING = "created", "existing"

FIELD_OF_CODE = {
    "program_not_found": "program_id",
    "program_not_approved": "program_id",
    "prerequisites_missing": "program_id",
    "other_issuer": "program_id",
    "already_enrolled": "program_id",
    "prior_training_not_eligible": "learning_method",
    "prior_training_missing": "learning_method",
}
"""Which row field a refusal of the enrolment rules is about."""


@dataclass(frozen=True)
class RowOutcome:
    """What one row did: ``earner`` is created, existing or updated (license number filled in);
    ``enrollment`` is created, existing, or None for a row without a program."""

    position: int
    earner_id: int | None
    earner: str
    enrollment_id: int | None = None
    enrollment: str | None = None

    def planned(self) -> RowOutcome:
        """The same outcome for a dry run: nothing was kept, so created rows have no id."""
        return replace(
            self,
            earner_id=None if self.earner == CREATED else self.earner_id,
            enrollment_id=None if self.enrollment == CREATED else self.enrollment_id,
        )


@dataclass(frozen=True)
class ImportReport:
    position_name: str
    dry_run: bool
    outcomes: list[RowOutcome]

    def count(self, what: str, outcome: str) -> int:
        return sum(1 for o in self.outcomes if getattr(o, what) == outcome)


def require_importer(ctx: Context, issuer_id: int) -> None:
    """Imports enrol earners, which only the issuer's own admins do."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    ctx.actor.require_issuer(issuer_id)
    ctx.get(Issuer, issuer_id)


def import_roster(ctx: Context, issuer_id: int, roster: Roster, *, dry_run: bool) -> ImportReport:
    """Import every row in this transaction, or nothing (``RowsRejected`` naming every problem)."""
    require_importer(ctx, issuer_id)
    problems = list(roster.problems)
    outcomes: list[RowOutcome] = []
    programs: dict[int, Program | None] = {}  # held, so the session's identity map keeps them
    attempt = ctx.session.begin_nested()
    for row in roster.rows:
        try:
            with ctx.session.begin_nested():
                outcomes.append(_import_row(ctx, issuer_id, row, programs))
        except IssuerError as exc:
            problems.extend(_problems_of(row.position, exc))
    if problems:
        attempt.rollback()
        raise _rejected(roster, problems)
    if dry_run:
        attempt.rollback()
        outcomes = [outcome.planned() for outcome in outcomes]
    else:
        attempt.commit()
    report = ImportReport(roster.position_name, dry_run, outcomes)
    if not dry_run:
        audit.record(
            ctx,
            "roster.imported",
            "issuer",
            issuer_id,
            rows=len(outcomes),
            earners_created=report.count("earner", CREATED),
            enrollments_created=report.count("enrollment", CREATED),
        )
    return report


def _import_row(
    ctx: Context, issuer_id: int, row: RosterRow, programs: dict[int, Program | None]
) -> RowOutcome:
    values = row.values
    program_id = values.get("program_id")
    method = values.get("learning_method")
    if program_id is not None and method is None:
        raise ValidationFailed(fields={"learning_method": "required when program_id is given"})
    if method is not None and program_id is None:
        raise ValidationFailed(fields={"program_id": "required when learning_method is given"})
    email = normalize_email(str(values["email"]))
    earner, created = earners.register_earner(
        ctx,
        name=str(values["name"]),
        email=email,
        license_number=_text(values.get("license_number")),
        position=_text(values.get("position")),
    )
    # A known educator's record stays as it is: only PTSB or the educator change it.
    outcome = RowOutcome(row.position, earner.id, CREATED if created else EXISTING)
    if program_id is None:
        return outcome
    program = _issuer_program(ctx, issuer_id, int(str(program_id)), programs)
    enrollment = enrollments.active_enrollment(ctx, earner.id, program.id)
    if enrollment is not None:
        return replace(outcome, enrollment_id=enrollment.id, enrollment=EXISTING)
    enrollment = enrollments.enrol(ctx, program.id, str(method), earner.id)
    return replace(outcome, enrollment_id=enrollment.id, enrollment=CREATED)


def _issuer_program(
    ctx: Context, issuer_id: int, program_id: int, programs: dict[int, Program | None]
) -> Program:
    if program_id not in programs:
        programs[program_id] = ctx.session.get(Program, program_id)
    program = programs[program_id]
    if program is None or program.issuer_id != issuer_id:
        raise NotFound(f"No program {program_id} of this issuer.", code="program_not_found")
    return program


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _problems_of(position: int, error: IssuerError) -> list[RowProblem]:
    if isinstance(error, ValidationFailed) and error.fields:
        return [
            RowProblem(position, field, error.code, reason)
            for field, reason in error.fields.items()
        ]
    field = FIELD_OF_CODE.get(error.code, "(row)")
    return [RowProblem(position, field, error.code, error.message)]


def _rejected(roster: Roster, problems: list[RowProblem]) -> RowsRejected:
    problems = sorted(problems, key=lambda p: (p.position, p.field))
    bad = len({p.position for p in problems})
    total = len({r.position for r in roster.rows} | {p.position for p in problems})
    return RowsRejected(
        f"{bad} of {total} rows have problems; nothing was imported.",
        problems=[
            {
                roster.position_name: p.position,
                "field": p.field,
                "error": p.code,
                "reason": p.reason,
            }
            for p in problems
        ],
    )
