"""Stacks: ordered sets of programs (all, or N of M) that earn a credential of their own."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from issuer.domain.states import Role
from issuer.errors import ValidationFailed
from issuer.models import Issuer, Program, Stack, StackProgram
from issuer.workflow import audit
from issuer.workflow.awards import publishing
from issuer.workflow.context import Context


def create_stack(
    ctx: Context,
    *,
    issuer_id: int,
    name: str,
    description: str,
    program_ids: list[int],
    required: int | None = None,
    credit_hours: Decimal | float | None = None,
) -> Stack:
    """Create a stack of existing programs (the issuer's admins)."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    ctx.actor.require_issuer(issuer_id)
    ctx.get(Issuer, issuer_id)
    members = list(dict.fromkeys(program_ids))
    if len(members) != len(program_ids):
        raise ValidationFailed(fields={"programs": "lists a program twice"})
    found = {i: ctx.session.get(Program, i) for i in members}
    unknown = [i for i, program in found.items() if program is None]
    if unknown:
        raise ValidationFailed(fields={"programs": f"unknown program ids {unknown}"})
    foreign = [i for i, program in found.items() if program and program.issuer_id != issuer_id]
    if foreign:
        raise ValidationFailed(fields={"programs": f"programs {foreign} belong to another issuer"})
    if required is not None and not 1 <= required <= len(members):
        raise ValidationFailed(fields={"required": f"must be between 1 and {len(members)}"})
    stack = Stack(
        issuer_id=issuer_id,
        name=name,
        description=description,
        required=required,
        credit_hours=Decimal(str(credit_hours)) if credit_hours is not None else Decimal("0"),
        created_at=ctx.now,
    )
    ctx.session.add(stack)
    ctx.session.flush()
    for position, program_id in enumerate(members):
        ctx.session.add(StackProgram(stack_id=stack.id, program_id=program_id, position=position))
    ctx.session.flush()
    ctx.session.refresh(stack)
    publishing.publish_stack(ctx, stack)
    audit.record(ctx, "stack.created", "stack", stack.id, programs=members, required=required)
    return stack


def get_stack(ctx: Context, stack_id: int) -> Stack:
    return ctx.get(Stack, stack_id)


def program_ids(stack: Stack) -> list[int]:
    return [member.program_id for member in stack.members]


def stacks_containing(ctx: Context, program_ids_: set[int]) -> list[Stack]:
    """Stacks that include any of these programs."""
    if not program_ids_:
        return []
    query = (
        select(Stack)
        .join(StackProgram, StackProgram.stack_id == Stack.id)
        .where(StackProgram.program_id.in_(program_ids_))
        .distinct()
        .order_by(Stack.id)
    )
    return list(ctx.session.scalars(query))
