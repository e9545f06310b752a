"""What a person sees about one award: the verification page, the certificate, the portfolio card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from issuer.models import Award
from issuer.workflow.awards import awards
from issuer.workflow.awards.badge_facts import AwardFacts, award_facts
from issuer.workflow.context import Context
from issuer.workflow.learning import enrollments, my_learning
from issuer.workflow.programs import issuers, programs, stacks

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


@dataclass(frozen=True)
class AwardPage:
    award: Award
    facts: AwardFacts
    status: str  # "valid", "expired" or "revoked"
    status_text: str
    issuer_name: str
    issuer_url: str
    badge_image: str
    credit_hours: str
    approval: dict[str, Any] | None
    links: dict[str, Any]
    verify_url: str
    linkedin_url: str

    @property
    def earner_name(self) -> str:
        return self.award.earner_name

    @property
    def name(self) -> str:
        return self.facts.badge.name


def award_page(ctx: Context, award_id: str) -> AwardPage:
    """Everything the public verification page of ``award_id`` shows (raises NotFound)."""
    award = ctx.get(Award, award_id)
    facts = award_facts(ctx, award)
    links = ctx.urls.award_artifacts(award.id)
    status, text = _status(award, ctx.now)
    issuer = facts.badge.issuer
    return AwardPage(
        award=award,
        facts=facts,
        status=status,
        status_text=text,
        issuer_name=issuer.name,
        issuer_url=issuer.url,
        badge_image=ctx.urls.badge_image(facts.badge.ob2_url, "png"),
        credit_hours=_hours(award.credit_hours),
        approval=_approval(ctx, facts),
        links=links,
        verify_url=str(links["verify_url"]),
        linkedin_url=_linkedin(facts.badge.name, issuer.name, award, str(links["verify_url"])),
    )


def _status(award: Award, now: datetime) -> tuple[str, str]:
    if award.status == "revoked":
        return "revoked", f"Revoked: {award.revocation_reason or 'by the issuer'}"
    if award.expires_at is not None and award.expires_at <= now:
        return "expired", f"Expired on {award.expires_at.date().isoformat()}"
    return "valid", "Valid"


def _hours(value: Any) -> str:
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text


def _approval(ctx: Context, facts: AwardFacts) -> dict[str, Any] | None:
    version = facts.badge.version
    board = issuers.board(ctx)
    if version is None or board is None or version.decided_at is None:
        return None
    return {
        "board": board.name,
        "on": version.decided_at.date().isoformat(),
        "comment": version.review_comment,
        "endorsement": ctx.urls.ob2_endorsement(version.program_id, version.version),
    }


def _linkedin(name: str, organization: str, award: Award, url: str) -> str:
    """LinkedIn's add-certification link, prefilled (name, issuer, dates, verification URL)."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": name,
        "organizationName": organization,
        "issueYear": award.issued_at.year,
        "issueMonth": award.issued_at.month,
        "certUrl": url,
        "certId": award.id,
    }
    if award.expires_at is not None:
        params |= {
            "expirationYear": award.expires_at.year,
            "expirationMonth": award.expires_at.month,
        }
    return f"{LINKEDIN_ADD}?{urlencode(params)}"


@dataclass(frozen=True)
class StackPoster:
    name: str
    earned: bool
    required: int
    programs: list[tuple[str, bool]]  # (program name, earned)
    credit_hours: str | None  # the stack's own credit hours; None when it carries none


@dataclass(frozen=True)
class PortfolioPage:
    earner_name: str
    license_number: str | None
    awards: list[tuple[AwardPage, dict[str, Any] | None]]  # page, license record
    credit_hours_total: str
    stacks: list[StackPoster]
    in_progress: list[my_learning.EnrollmentLine]


def portfolio_page(ctx: Context, earner_id: int) -> PortfolioPage:
    """The signed-in earner's portfolio: awards with downloads, share and LinkedIn links, credit
    hours, stack posters, and the work in progress (enrollments not completed nor withdrawn)."""
    result = awards.portfolio(ctx, earner_id)
    earned = enrollments.earned_program_ids(ctx, earner_id)
    posters = [
        StackPoster(
            name=s.stack.name,
            earned=s.progress.earned,
            required=s.progress.programs_required,
            programs=[
                (programs.view(ctx, pid).latest.name, pid in earned)
                for pid in stacks.program_ids(s.stack)
            ],
            credit_hours=_hours(s.stack.credit_hours) if s.stack.credit_hours else None,
        )
        for s in result.stacks
    ]
    cards = []
    for entry in result.entries:
        record = None
        if entry.notice is not None and entry.notice.status == "acknowledged":
            record = {
                "license_number": entry.notice.license_number,
                "certificate_reference": entry.notice.certificate_reference,
                "recorded_on": entry.notice.acknowledged_on,
            }
        cards.append((award_page(ctx, entry.award.id), record))
    return PortfolioPage(
        earner_name=result.earner.name,
        license_number=result.earner.license_number,
        awards=cards,
        credit_hours_total=_hours(result.credit_hours_total),
        stacks=posters,
        in_progress=my_learning.in_progress(ctx, earner_id),
    )
