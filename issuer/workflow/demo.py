"""A realistic demo deployment so a newcomer sees a living system at once (`flask --app wsgi demo`)."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from sqlalchemy import select

from issuer.domain.mail import ROLE_WORDS, MailKind
from issuer.domain.states import Role
from issuer.models import Award, Earner, Issuer
from issuer.workflow import audit
from issuer.workflow.accounts import accounts, signin
from issuer.workflow.awards import completions
from issuer.workflow.context import Context
from issuer.workflow.integrations import notices
from issuer.workflow.integrations.mail_outbox import queue_mail
from issuer.workflow.learning import earners, enrollments, reviews
from issuer.workflow.programs import approvals, issuers, programs, stacks

DEMO_ISSUER = "Riverside Unified School District"

PROGRAMS: list[dict[str, Any]] = [
    {
        "name": "PL Foundations",
        "description": "How micro-credentials work: evidence, rubrics and reflective practice.",
        "criteria": "Submit a reflection on a recent lesson, scored Proficient (3) or higher.",
        "competencies": ["Reflects on practice using evidence"],
        "estimated_hours": 5,
        "learning_methods": ["online", "own_path"],
        "prior_training_eligible": False,
    },
    {
        "name": "Formative Assessment in Practice",
        "description": "Designs and uses checks for understanding to adjust instruction in the moment.",
        "criteria": "Submit two lesson plans with checks for understanding and student work samples.",
        "competencies": ["Designs checks for understanding", "Adjusts instruction from evidence"],
        "estimated_hours": 15,
        "learning_methods": ["face_to_face", "online", "own_path"],
    },
    {
        "name": "Culturally Responsive Classroom Discourse",
        "description": "Facilitates discussion in which every student's voice is heard and valued.",
        "criteria": "Submit a recorded discussion with a transcript analysis.",
        "competencies": ["Facilitates equitable discussion"],
        "estimated_hours": 12,
        "learning_methods": ["face_to_face", "online"],
    },
    {
        "name": "Data-Driven Instructional Coaching",
        "description": "Coaches colleagues through cycles of data analysis and instructional change.",
        "criteria": "Submit a coaching cycle log with pre and post data.",
        "competencies": ["Leads data conversations", "Plans coaching cycles"],
        "estimated_hours": 20,
        "learning_methods": ["face_to_face", "own_path"],
        "validity_days": 1095,
    },
]

EDUCATORS = [
    ("Maria Alvarez", "maria.alvarez@riverside.example.org", "classroom teacher", "TN-100234"),
    ("James Okafor", "james.okafor@riverside.example.org", "instructional coach", "TN-100871"),
    ("Priya Raman", "priya.raman@riverside.example.org", "classroom teacher", "TN-101552"),
    ("Lee Chen", "lee.chen@riverside.example.org", "school administrator", "TN-102003"),
]

ALIGNMENT = {
    "target_name": "Standard 5: Assessment",
    "target_url": "https://standards.ptsb.example.org/teaching/5",
    "framework": "PTSB Teaching Standards",
}


BOARD_EMAIL = "demo-board@ptsb.example.org"
ADMIN_EMAIL = "pd-admin@riverside.example.org"
REVIEWER_EMAILS = [f"reviewer{i}@riverside.example.org" for i in (1, 2, 3)]


def seed_demo(ctx: Context, secret_key: str) -> dict[str, Any]:
    """Seed once, then describe the deployment: who is who, fresh API tokens (tokens are shown
    once, so every run mints new ones), a password link per person, and what to open."""
    existing = ctx.session.scalar(select(Issuer).where(Issuer.name == DEMO_ISSUER))
    if existing is not None:
        described = _describe(ctx, existing.id, secret_key)
        return {"already_seeded": True, "issuer_id": existing.id, **described}
    seeded = _seed(ctx)
    described = _describe(ctx, seeded["issuer_id"], secret_key)
    _invite_by_mail(ctx, described["people"], seeded["issuer_id"])
    return {"already_seeded": False, **seeded, **described}


def _invite_by_mail(ctx: Context, people: list[dict[str, Any]], issuer_id: int) -> None:
    """Each seeded person also gets the invitation with their password link, as people invited
    over the API do, so the demo leaves real messages to open (SPEC §9)."""
    for person in people:
        queue_mail(
            ctx,
            MailKind.INVITATION,
            person["email"],
            {
                "role_words": ROLE_WORDS[person["role"]],
                "password_link": person["password_link"],
                "expires_on": ctx.now + signin.LINK_LIFETIME,
            },
            issuer_id=None if person["role"] == Role.PTSB else issuer_id,
            dedupe_key=f"demo-invitation:{person['email']}",
        )


def _seed(ctx: Context) -> dict[str, Any]:
    issuer = issuers.create_issuer(
        ctx,
        name=DEMO_ISSUER,
        url="https://riverside.example.org",
        email="pd@riverside.example.org",
        description="A public school district offering micro-credentials to its educators.",
    )
    accounts.create_account(ctx, Role.PTSB, BOARD_EMAIL)
    admin = _actor(ctx, Role.ISSUER_ADMIN, ADMIN_EMAIL, issuer.id)
    reviewers = [_actor(ctx, Role.REVIEWER, email, issuer.id) for email in REVIEWER_EMAILS]
    program_ids = [_approved_program(ctx, admin, issuer.id, spec) for spec in PROGRAMS]
    foundations = program_ids[0]
    stack = stacks.create_stack(
        admin,
        issuer_id=issuer.id,
        name="Instructional Leadership",
        description="Earned by completing PL Foundations, Formative Assessment and Classroom Discourse.",
        program_ids=program_ids[:3],
        credit_hours=0,
    )
    people = [
        earners.register_earner(admin, name=n, email=e, position=p, license_number=lic)[0]
        for n, e, p, lic in EDUCATORS
    ]
    for person in people:
        accounts.create_account(ctx, Role.EARNER, person.email)
    maria, james, priya, lee = (p.id for p in people)
    flow = _Flow(admin, reviewers)
    for program_id in program_ids[:3]:
        flow.earn(maria, program_id)
    flow.earn(james, foundations)
    flow.submit(flow.enrol(james, program_ids[1]), scores=[3, 4])  # in review: two of three reviews
    flow.earn(priya, foundations)
    flow.submit(flow.enrol(priya, program_ids[2]), scores=[2, 2, 3])  # needs revision
    flow.enrol(lee, foundations)
    first_notice = notices.list_notices(ctx, "pending")[0]
    notices.acknowledge(
        ctx, first_notice.id, license_number="TN-100234", certificate_reference="PTSB-MC-0001"
    )
    return {
        "issuer_id": issuer.id,
        "programs": program_ids,
        "stack_id": stack.id,
        "earners": [p.id for p in people],
    }


def _describe(ctx: Context, issuer_id: int, secret_key: str) -> dict[str, Any]:
    """Who the seeded people are (with a fresh token for one of each role) and what to open."""
    people = _people(ctx, issuer_id, secret_key)
    maria_id = ctx.session.scalar(select(Earner.id).where(Earner.email == EDUCATORS[0][1]))
    awards = sorted(  # in the order she earned them: the programs, then the stack
        ctx.session.scalars(select(Award).where(Award.earner_id == maria_id)),
        key=lambda award: (award.kind == "stack", award.program_id or 0),
    )
    return {
        "base_url": ctx.urls.base,
        "people": people,
        "tokens": {p["role"]: p["token"] for p in people if "token" in p},
        "awards": [
            {
                "earner": EDUCATORS[0][0],
                "badge": award.name,
                "verify_url": ctx.urls.award_artifacts(award.id)["verify_url"],
                "credential": ctx.urls.ob3_credential(award.id),
                "certificate_pdf": ctx.urls.certificate(award.id, "pdf"),
            }
            for award in awards
        ],
    }


def _people(ctx: Context, issuer_id: int, secret_key: str) -> list[dict[str, Any]]:
    names = {email: name for name, email, _, _ in EDUCATORS}
    staff = [
        (BOARD_EMAIL, "PTSB license desk (board staff)"),
        (ADMIN_EMAIL, f"badge facilitator of {DEMO_ISSUER}"),
        *((email, f"reviewer at {DEMO_ISSUER}") for email in REVIEWER_EMAILS),
    ]
    described = [*staff, *((email, f"educator {name}") for email, name in names.items())]
    token_for = {BOARD_EMAIL, ADMIN_EMAIL, REVIEWER_EMAILS[0], EDUCATORS[0][1]}
    people = []
    for email, who in described:
        account = accounts.find_by_email(ctx.session, email)
        if account is None:  # a deployment seeded by an earlier release had fewer accounts
            role = Role.EARNER if email in names else Role.REVIEWER
            account, _ = accounts.create_account(ctx, role, email, issuer_id)
        person: dict[str, Any] = {"who": who, "email": email, "role": account.role}
        if email in token_for:
            person["token"] = accounts.mint_token(account)
            audit.record(ctx, "token.minted", "account", account.id)
        person["password_link"] = ctx.urls.password_setup(
            signin.password_setup_token(account, secret_key)
        )
        people.append(person)
    return people


class _Flow:
    """Walks educators through enrol, submit, review and complete as the demo's staff."""

    def __init__(self, admin: Context, reviewers: list[Context]) -> None:
        self.admin, self.reviewers = admin, reviewers

    def enrol(self, earner_id: int, program_id: int) -> int:
        return enrollments.enrol(self.admin, program_id, "online", earner_id).id

    def submit(self, enrollment_id: int, scores: list[int]) -> None:
        submission = reviews.submit_evidence(
            self.admin,
            enrollment_id,
            "Lesson analysis with student work samples.",
            ["https://evidence.example.org/demo"],
        )
        for reviewer, score in zip(self.reviewers, scores, strict=False):
            reviews.add_review(
                reviewer,
                submission.id,
                score,
                "Clear evidence." if score >= 3 else "Add student work.",
            )

    def earn(self, earner_id: int, program_id: int) -> None:
        enrollment_id = self.enrol(earner_id, program_id)
        self.submit(enrollment_id, [3, 4, 3])
        completions.complete(self.admin, enrollment_id, f"demo-{uuid.uuid4().hex}")


def _approved_program(ctx: Context, admin: Context, issuer_id: int, spec: dict[str, Any]) -> int:
    fields = {**spec, "alignments": [ALIGNMENT]}
    if spec["name"] != "PL Foundations":
        foundations = ctx.session.scalar(
            select(programs.ProgramVersion.program_id).where(
                programs.ProgramVersion.name == "PL Foundations"
            )
        )
        fields["prerequisites"] = [foundations]
    program_id = programs.create_program(admin, issuer_id, fields).program.id
    programs.submit_program(admin, program_id)
    approvals.approve(ctx, program_id, "Approved by the PTSB review panel.")
    return program_id


def _actor(ctx: Context, role: Role, email: str, issuer_id: int | None) -> Context:
    account, _ = accounts.create_account(ctx, role, email, issuer_id)
    return dataclasses.replace(ctx, actor=accounts.actor_for(account))
