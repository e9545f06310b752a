"""What an award's documents say, gathered once from the database for every published format."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from issuer.baking import validate_badge_image
from issuer.domain import rubric
from issuer.models import Award, Earner, Issuer, ProgramVersion, SigningKey, Stack, Submission
from issuer.openbadges.artwork import BadgeArtwork, badge_artwork
from issuer.workflow.context import Context
from issuer.workflow.learning import reviews
from issuer.workflow.programs import stacks


@dataclass(frozen=True)
class BadgeFacts:
    """A badge (an approved program version, or a stack) as every format describes it."""

    kind: str  # "program" or "stack"
    ob2_url: str
    ob3_url: str
    issuer: Issuer
    name: str
    description: str
    criteria: str
    competencies: list[str]
    alignments: list[dict[str, Any]]
    credit_hours: Any
    version: ProgramVersion | None
    stack: Stack | None
    image: bytes | None
    image_type: str | None

    def artwork(self) -> BadgeArtwork:
        size = None
        if self.image is not None and self.image_type == "image/png":
            info = validate_badge_image(self.image)
            size = (info.width or 256, info.height or 256)
        return badge_artwork(self.name, self.image, self.image_type, size)


def program_badge(ctx: Context, version: ProgramVersion) -> BadgeFacts:
    program_issuer = ctx.get(Issuer, version.program.issuer_id)
    return BadgeFacts(
        kind="program",
        ob2_url=ctx.urls.ob2_program_badge(version.program_id, version.version),
        ob3_url=ctx.urls.ob3_program_achievement(version.program_id, version.version),
        issuer=program_issuer,
        name=version.name,
        description=version.description,
        criteria=version.criteria,
        competencies=list(version.competencies),
        alignments=list(version.alignments),
        credit_hours=version.credit_hours,
        version=version,
        stack=None,
        image=version.image,
        image_type=version.image_type,
    )


def stack_badge(ctx: Context, stack: Stack) -> BadgeFacts:
    member_names = [
        ctx.session.scalar(
            select(ProgramVersion.name)
            .where(ProgramVersion.program_id == pid)
            .order_by(ProgramVersion.version.desc())
            .limit(1)
        )
        for pid in stacks.program_ids(stack)
    ]
    needed = stack.required or len(member_names)
    criteria = (
        f"Earn {needed} of these micro-credentials: "
        + "; ".join(n or "?" for n in member_names)
        + "."
    )
    return BadgeFacts(
        kind="stack",
        ob2_url=ctx.urls.ob2_stack_badge(stack.id),
        ob3_url=ctx.urls.ob3_stack_achievement(stack.id),
        issuer=ctx.get(Issuer, stack.issuer_id),
        name=stack.name,
        description=stack.description,
        criteria=criteria,
        competencies=[],
        alignments=[],
        credit_hours=stack.credit_hours,
        version=None,
        stack=stack,
        image=None,
        image_type=None,
    )


def badge_of(ctx: Context, award: Award) -> BadgeFacts:
    if award.program_version_id is not None:
        return program_badge(ctx, ctx.get(ProgramVersion, award.program_version_id))
    assert award.stack_id is not None  # noqa: S101 - an award is for a program or a stack
    return stack_badge(ctx, ctx.get(Stack, award.stack_id))


@dataclass(frozen=True)
class AwardFacts:
    award: Award
    earner: Earner
    badge: BadgeFacts
    submission: Submission | None

    @property
    def result_narrative(self) -> str | None:
        score = self.award.score
        if score is None:
            return None
        level = rubric.RUBRIC_LEVELS.get(score, str(score))
        return (
            f"Performance task scored {score} ({level}) on the 1-4 rubric: the median of three "
            f"reviewers' scores; 3 or higher is proficiency."
        )


def award_facts(ctx: Context, award: Award) -> AwardFacts:
    """Read once per unit of work: every format of the award is built from the same facts."""
    return ctx.remember(("award_facts", award.id), lambda: _award_facts(ctx, award))


def _award_facts(ctx: Context, award: Award) -> AwardFacts:
    submission = None
    if award.enrollment_id is not None:
        key = ("latest_submission", award.enrollment_id)
        submission = (
            ctx.memo[key]
            if key in ctx.memo
            else reviews.latest_submission(ctx, award.enrollment_id)
        )
    return AwardFacts(
        award=award,
        earner=ctx.get(Earner, award.earner_id),
        badge=badge_of(ctx, award),
        submission=submission,
    )


def keys_of(ctx: Context, issuer_id: int, algorithm: str) -> list[SigningKey]:
    """Every key of one algorithm the issuer ever had, oldest first (all stay published)."""
    query = select(SigningKey).where(
        SigningKey.issuer_id == issuer_id, SigningKey.algorithm == algorithm
    )
    return list(ctx.session.scalars(query.order_by(SigningKey.created_at, SigningKey.id)))
