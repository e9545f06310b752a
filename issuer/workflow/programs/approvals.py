"""PTSB's decisions on submitted program versions."""

from __future__ import annotations

from issuer.domain.states import ProgramStatus, Role, check_program_transition
from issuer.errors import Forbidden
from issuer.models import Issuer, Program
from issuer.workflow import audit
from issuer.workflow.awards import publishing
from issuer.workflow.context import Context
from issuer.workflow.integrations import events, mail_messages
from issuer.workflow.programs import programs


def approve(ctx: Context, program_id: int, comment: str | None = None) -> programs.ProgramView:
    """Approve the submitted version; the one it replaces is superseded but its awards stand.
    The ``program.approved`` event is written in the same transaction."""
    version = _decidable(ctx, program_id)
    check_program_transition(ProgramStatus(version.status), ProgramStatus.APPROVED)
    previous = programs.view(ctx, program_id).approved
    if previous is not None:
        previous.status = ProgramStatus.SUPERSEDED.value
        ctx.session.flush()
    version.status = ProgramStatus.APPROVED.value
    version.review_comment = comment
    version.decided_at = ctx.now
    ctx.session.flush()
    publishing.publish_program_version(ctx, version)
    events.program_approved(ctx, ctx.get(Program, program_id).issuer_id, version, previous)
    audit.record(
        ctx, "program.approved", "program", program_id, version=version.version, comment=comment
    )
    mail_messages.program_decided(ctx, ctx.get(Program, program_id), version)
    return programs.view(ctx, program_id)


def reject(ctx: Context, program_id: int, comment: str | None = None) -> programs.ProgramView:
    """Send the submitted version back; the issuer may edit and resubmit it."""
    version = _decidable(ctx, program_id)
    check_program_transition(ProgramStatus(version.status), ProgramStatus.REJECTED)
    version.status = ProgramStatus.REJECTED.value
    version.review_comment = comment
    version.decided_at = ctx.now
    audit.record(
        ctx, "program.rejected", "program", program_id, version=version.version, comment=comment
    )
    mail_messages.program_decided(ctx, ctx.get(Program, program_id), version)
    return programs.view(ctx, program_id)


def _decidable(ctx: Context, program_id: int) -> programs.ProgramVersion:
    ctx.actor.require_role(Role.PTSB)
    program = ctx.get(Program, program_id)
    if ctx.get(Issuer, program.issuer_id).is_board:
        raise Forbidden("The board cannot approve its own program.", code="own_program")
    return programs.latest_version(ctx, program_id, lock=True)
