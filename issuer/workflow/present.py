"""The JSON answers of the API (SPEC §5 shapes), read from rows inside the use case's session:
adapters render what these return and never touch a row themselves."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from issuer.domain import oid4vci, rubric, vcapi
from issuer.domain.states import EnrollmentStatus
from issuer.models import (
    Account,
    Award,
    Earner,
    Enrollment,
    EvidenceFile,
    Issuer,
    Notice,
    PriorTraining,
    ProgramVersion,
    Review,
    Stack,
    Submission,
    WebhookSubscription,
)
from issuer.workflow import lists
from issuer.workflow.awards import wallet_copies
from issuer.workflow.awards.awards import Portfolio
from issuer.workflow.awards.bulk_completion import OUTCOMES, BulkCompletion
from issuer.workflow.awards.exports import CompletionRecord
from issuer.workflow.context import Context
from issuer.workflow.integrations.webhooks import DeliveryRecord
from issuer.workflow.learning import enrollments, evidence, reviews
from issuer.workflow.learning.bulk_import import CREATED, EXISTING, ImportReport
from issuer.workflow.programs import catalog as catalogs
from issuer.workflow.programs import programs, stacks


def number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def when(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat()


def account(row: Account, token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "role": row.role,
        "email": row.email,
        "issuer_id": row.issuer_id,
        "created_at": when(row.created_at),
    }
    if token is not None:
        body["token"] = token
    return body


def issuer(ctx: Context, row: Issuer) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "url": row.url,
        "email": row.email,
        "description": row.description,
        "is_board": row.is_board,
        "status_method": row.status_method,
        "has_image": row.image is not None,
        "created_at": when(row.created_at),
        "profiles": {"ob2": ctx.urls.ob2_issuer(row.id), "ob3": ctx.urls.ob3_issuer(row.id)},
    }


def program(ctx: Context, view: programs.ProgramView) -> dict[str, Any]:
    latest, approved = view.latest, view.approved
    body = {
        "id": view.program.id,
        "issuer_id": view.program.issuer_id,
        "version": latest.version,
        "status": latest.status,
        "approved_version": approved.version if approved else None,
        **_version_fields(latest),
        "review_comment": latest.review_comment,
        "versions": [_version_summary(v) for v in view.program.versions],
    }
    if approved is not None:
        body["badge"] = {
            "ob2": ctx.urls.ob2_program_badge(view.program.id, approved.version),
            "ob3": ctx.urls.ob3_program_achievement(view.program.id, approved.version),
        }
    return body


def _version_fields(v: ProgramVersion) -> dict[str, Any]:
    return {
        "name": v.name,
        "description": v.description,
        "criteria": v.criteria,
        "competencies": v.competencies,
        "estimated_hours": number(v.estimated_hours),
        "credit_hours": number(v.credit_hours),
        "learning_methods": v.learning_methods,
        "alignments": v.alignments,
        "prerequisites": v.prerequisites,
        "validity_days": v.validity_days,
        "prior_training_eligible": v.prior_training_eligible,
        "next_steps": v.next_steps or {},
        "rubric": rubric_answer(v),
        "rubric_is_default": not v.rubric,
        "passing_level": rubric.PASSING_SCORE,
        "has_image": v.image is not None,
    }


def rubric_answer(v: ProgramVersion) -> list[dict[str, Any]]:
    """The rubric in force for this version: the issuer's, else the Task Neutral Rubric."""
    return [
        {"level": level.level, "label": level.label, "descriptor": level.descriptor}
        for level in rubric.rubric_levels(v.rubric)
    ]


def _version_summary(v: ProgramVersion) -> dict[str, Any]:
    return {
        "version": v.version,
        "status": v.status,
        "submitted_at": when(v.submitted_at),
        "decided_at": when(v.decided_at),
    }


def stack(ctx: Context, row: Stack) -> dict[str, Any]:
    members = stacks.program_ids(row)
    return {
        "id": row.id,
        "issuer_id": row.issuer_id,
        "name": row.name,
        "description": row.description,
        "programs": members,
        "required": row.required if row.required is not None else len(members),
        "credit_hours": number(row.credit_hours),
        "created_at": when(row.created_at),
        "badge": {
            "ob2": ctx.urls.ob2_stack_badge(row.id),
            "ob3": ctx.urls.ob3_stack_achievement(row.id),
        },
    }


def catalog(result: catalogs.Catalog) -> dict[str, Any]:
    """``GET /api/v1/catalog``: a page of approved programs, the matching stacks, the choices."""
    return {
        "items": [
            {
                "id": p.id,
                "version": p.version,
                "name": p.name,
                "description": p.description,
                "issuer": {"id": p.issuer_id, "name": p.issuer_name},
                "estimated_hours": number(p.estimated_hours),
                "credit_hours": number(p.credit_hours),
                "learning_methods": p.learning_methods,
                "alignments": p.alignments,
                "url": p.url,
                "image": p.image_url,
                "badge": {"ob2": p.ob2_url, "ob3": p.ob3_url},
            }
            for p in result.items
        ],
        "total": result.total,
        "stacks": [
            {
                "id": s.id,
                "name": s.name,
                "description": s.description,
                "issuer": {"id": s.issuer_id, "name": s.issuer_name},
                "required": s.required,
                "credit_hours": number(s.credit_hours),
                "programs": [{"id": m.id, "name": m.name, "url": m.url} for m in s.programs],
            }
            for s in result.stacks
        ],
    }


def earner(row: Earner) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "license_number": row.license_number,
        "position": row.position,
        "created_at": when(row.created_at),
    }


def prior_training(row: PriorTraining) -> dict[str, Any]:
    return {
        "id": row.id,
        "earner_id": row.earner_id,
        "issuer_id": row.issuer_id,
        "description": row.description,
        "created_at": when(row.created_at),
    }


def enrollment(ctx: Context, row: Enrollment) -> dict[str, Any]:
    version = ctx.get(ProgramVersion, row.program_version_id)
    subs = reviews.submissions_of(ctx, row.id)
    award_id = enrollments.award_id_of(ctx, row.id)
    body: dict[str, Any] = {
        "id": row.id,
        "earner_id": row.earner_id,
        "program_id": row.program_id,
        "program_version": version.version,
        "learning_method": row.learning_method,
        "status": row.status,
        "created_at": when(row.created_at),
        "updated_at": when(row.updated_at),
        "submissions": [_submission_summary(ctx, s) for s in subs],
        "award_id": award_id,
    }
    if row.status == EnrollmentStatus.NEEDS_REVISION.value and subs:
        body["feedback"] = [r.feedback for r in reviews.reviews_for(ctx, subs[-1].id)]
    return body


def _submission_summary(ctx: Context, row: Submission) -> dict[str, Any]:
    scores = reviews.scores_for(ctx, row.id)
    return {
        "id": row.id,
        "attempt": row.attempt,
        "created_at": when(row.created_at),
        "reviews": len(scores),
        "score": rubric.score_of_record(scores) if len(scores) == rubric.REVIEWS_REQUIRED else None,
        "files": [evidence_file(ctx, f) for f in evidence.files_of(ctx, row.id)],
    }


def submission(row: Submission, ctx: Context | None = None) -> dict[str, Any]:
    """A submission; given the context, with its evidence files."""
    body: dict[str, Any] = {
        "id": row.id,
        "enrollment_id": row.enrollment_id,
        "attempt": row.attempt,
        "narrative": row.narrative,
        "evidence_urls": row.evidence_urls,
        "created_at": when(row.created_at),
    }
    if ctx is not None:
        body["files"] = [evidence_file(ctx, f) for f in evidence.files_of(ctx, row.id)]
    return body


def evidence_file(ctx: Context, row: EvidenceFile) -> dict[str, Any]:
    """One evidence file: ``url`` for API clients (bearer token), ``page_url`` for browsers."""
    return {
        "id": row.id,
        "filename": row.filename,
        "media_type": row.media_type,
        "size": row.size,
        "sha256": row.sha256,
        "url": evidence.api_url(ctx, row.id),
        "page_url": evidence.page_url(ctx, row.id),
        "created_at": when(row.created_at),
    }


def listed_submission(ctx: Context, row: Submission) -> dict[str, Any]:
    """A submission in ``GET /api/v1/submissions``: whose, for which program, how far reviewed."""
    enrollment_row = ctx.get(Enrollment, row.enrollment_id)
    summary = _submission_summary(ctx, row)
    return {
        **submission(row, ctx),
        "earner_id": enrollment_row.earner_id,
        "program_id": enrollment_row.program_id,
        "status": lists.submission_status(ctx, row).value,
        "reviews": summary["reviews"],
        "score": summary["score"],
    }


def review(ctx: Context, row: Review) -> dict[str, Any]:
    sub = ctx.get(Submission, row.submission_id)
    status = ctx.get(Enrollment, sub.enrollment_id).status
    return {
        "id": row.id,
        "submission_id": row.submission_id,
        "reviewer_id": row.reviewer_id,
        "score": row.score,
        "feedback": row.feedback,
        "created_at": when(row.created_at),
        "enrollment_id": sub.enrollment_id,
        "enrollment_status": status,
    }


def award(ctx: Context, row: Award) -> dict[str, Any]:
    version = ctx.get(ProgramVersion, row.program_version_id) if row.program_version_id else None
    return {
        "id": row.id,
        "status": row.status,
        "kind": row.kind,
        "name": row.name,
        "earner_id": row.earner_id,
        "issuer_id": row.issuer_id,
        "program_id": row.program_id,
        "program_version": version.version if version else None,
        "stack_id": row.stack_id,
        "credit_hours": number(row.credit_hours),
        "score": row.score,
        "issued_on": row.issued_at.date().isoformat(),
        "issued_at": when(row.issued_at),
        "expires_at": when(row.expires_at),
        "revocation_reason": row.revocation_reason,
        "revoked_at": when(row.revoked_at),
        **ctx.urls.award_artifacts(row.id),
    }


def portfolio(ctx: Context, result: Portfolio) -> dict[str, Any]:
    entries = []
    for entry in result.entries:
        body = award(ctx, entry.award)
        if entry.notice is not None and entry.notice.status == "acknowledged":
            body["license_record"] = {
                "license_number": entry.notice.license_number,
                "certificate_reference": entry.notice.certificate_reference,
                "recorded_on": when(entry.notice.acknowledged_on),
            }
        entries.append(body)
    return {
        "earner_id": result.earner.id,
        "awards": entries,
        "credit_hours_total": number(result.credit_hours_total),
        "stacks": [
            {
                "id": s.stack.id,
                "name": s.stack.name,
                "earned": s.progress.earned,
                "programs_earned": s.progress.programs_earned,
                "programs_required": s.progress.programs_required,
            }
            for s in result.stacks
        ],
    }


def notice(row: Notice, delivery_state: str | None = None) -> dict[str, Any]:
    """A notice; ``delivery_state`` is how far its webhook to PTSB's license system has got."""
    body: dict[str, Any] = {
        "id": row.id,
        "award_id": row.award_id,
        "earner_id": row.earner_id,
        "program_id": row.program_id,
        "stack_id": row.stack_id,
        "credit_hours": number(row.credit_hours),
        "status": row.status,
        "created_at": when(row.created_at),
        "delivery_state": delivery_state,
    }
    if row.status == "acknowledged":
        body["license_number"] = row.license_number
        body["certificate_reference"] = row.certificate_reference
        body["acknowledged_on"] = when(row.acknowledged_on)
    return body


def listed_notice(ctx: Context, row: Notice, delivery_state: str | None) -> dict[str, Any]:
    """A notice in PTSB's inbox (SPEC §8): also whose, for what and from which issuer."""
    award_row = ctx.get(Award, row.award_id)
    person = ctx.get(Earner, row.earner_id)
    from_issuer = ctx.get(Issuer, award_row.issuer_id)
    version = (
        ctx.get(ProgramVersion, award_row.program_version_id)
        if award_row.program_version_id
        else None
    )
    return {
        **notice(row, delivery_state),
        "earner": {"id": person.id, "name": person.name, "license_number": person.license_number},
        "program": (
            {"id": row.program_id, "name": version.name, "version": version.version}
            if version is not None and row.program_id is not None
            else None
        ),
        "stack": (
            {"id": row.stack_id, "name": award_row.name} if row.stack_id is not None else None
        ),
        "issuer": {"id": from_issuer.id, "name": from_issuer.name},
    }


def webhook_subscription(row: WebhookSubscription, *, secret: str | None = None) -> dict[str, Any]:
    """A subscription; the secret only in the answer that created it."""
    body: dict[str, Any] = {
        "id": row.id,
        "issuer_id": row.issuer_id,
        "url": row.url,
        "event_types": list(row.event_types),
        "description": row.description,
        "active": row.deleted_at is None,
        "created_at": when(row.created_at),
        "deleted_at": when(row.deleted_at),
    }
    if secret is not None:
        body["secret"] = secret
    return body


def webhook_delivery(record: DeliveryRecord) -> dict[str, Any]:
    """One delivery with its log of attempts (oldest first)."""
    delivery, event = record.delivery, record.event
    return {
        "id": delivery.id,
        "webhook_id": event.id,
        "event_type": event.type,
        "event_created_at": when(event.created_at),
        "subscription_id": delivery.subscription_id,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "next_attempt_at": when(delivery.next_attempt_at) if delivery.state == "pending" else None,
        "delivered_at": when(delivery.delivered_at),
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "log": [
            {
                "at": when(a.at),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in record.attempts
        ],
    }


def import_report(report: ImportReport) -> dict[str, Any]:
    return {
        "dry_run": report.dry_run,
        "rows": len(report.outcomes),
        "earners": {name: report.count("earner", name) for name in (CREATED, EXISTING)},
        "enrollments": {name: report.count("enrollment", name) for name in (CREATED, EXISTING)},
        "results": [
            {
                report.position_name: o.position,
                "earner_id": o.earner_id,
                "earner": o.earner,
                "enrollment_id": o.enrollment_id,
                "enrollment": o.enrollment,
            }
            for o in report.outcomes
        ],
    }


def bulk_completion(result: BulkCompletion) -> dict[str, Any]:
    return {
        "counts": {name: result.count(name) for name in OUTCOMES},
        "remaining": result.remaining,
        "results": [
            {key: value for key, value in vars(o).items() if value is not None}
            for o in result.outcomes
        ],
    }


def completion_record(record: CompletionRecord) -> dict[str, Any]:
    body = dict(vars(record))
    body["credit_hours"] = number(record.credit_hours)
    body["awarded_on"] = when(record.awarded_on)
    body["expires_on"] = when(record.expires_on)
    return body


def wallet_offer(ctx: Context, offer: Any) -> dict[str, Any]:
    """A wallet offer (SPEC §10): the OpenID4VCI offer link and the LCW request link (VC-API);
    ``award_id`` or, for the educator's record, ``learner_record_id`` says what is offered."""
    offered = (
        {"award_id": offer.award_id}
        if offer.learner_record_id is None
        else {"learner_record_id": offer.learner_record_id}
    )
    return {
        "offer_id": offer.id,
        **offered,
        "credential_offer_uri": oid4vci.offer_uri(ctx.urls.base, offer.id),
        "offer_url": oid4vci.offer_url(ctx.urls.base, offer.id),
        "lcw_url": vcapi.lcw_request_link(ctx.urls.base, offer.exchange_token),
        "expires_at": when(offer.expires_at),
    }


def award_with_copies(ctx: Context, row: Award) -> dict[str, Any]:
    """An award as ``GET /api/v1/awards/{id}`` answers it: with the wallet copies issued."""
    return {
        **award(ctx, row),
        "wallet_copies": [
            {
                "id": copy.id,
                "credential": copy.credential_id,
                "holder": copy.holder_did,
                "format": copy.format,
                "issued_at": when(copy.issued_at),
            }
            for copy in wallet_copies.copies_of(ctx, row.id)
        ],
    }
