"""Stacks: ordered sets of programs (all, or N of M) that earn a credential of their own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from issuer.domain.states import Role
from issuer.errors import Conflict, ValidationFailed
from issuer.models import Award, Issuer, Program, Stack, StackProgram
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
    members = _checked_members(ctx, issuer_id, program_ids, required)
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


def _checked_members(
    ctx: Context, issuer_id: int, program_ids: list[int], required: int | None
) -> list[int]:
    """The stack's programs in order: each once, existing, the issuer's own; ``required`` (N of
    M) between 1 and their number."""
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
    return members


UNSET: Any = object()


def edit_stack(
    ctx: Context,
    stack_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
    program_ids: list[int] | None = None,
    required: int | None = UNSET,
    credit_hours: Decimal | float | None = None,
) -> Stack:
    """Change a stack (the issuer's admins) until its first credential is issued: afterwards its
    published BadgeClass and Achievement describe credentials people hold, so it stays as it is
    (409 ``stack_awarded``). Its documents are published again with the change."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    stack = ctx.get(Stack, stack_id, lock=True)
    ctx.actor.require_issuer(stack.issuer_id)
    if ctx.session.scalar(select(Award.id).where(Award.stack_id == stack.id).limit(1)):
        raise Conflict(
            f"“{stack.name}” has been earned already, so it can no longer change.",
            code="stack_awarded",
        )
    members = program_ids if program_ids is not None else [m.program_id for m in stack.members]
    new_required = stack.required if required is UNSET else required
    members = _checked_members(ctx, stack.issuer_id, members, new_required)
    if name is not None:
        stack.name = name
    if description is not None:
        stack.description = description
    if credit_hours is not None:
        stack.credit_hours = Decimal(str(credit_hours))
    stack.required = new_required
    if program_ids is not None:
        for member in list(stack.members):
            ctx.session.delete(member)
        ctx.session.flush()
        for position, program_id in enumerate(members):
            ctx.session.add(
                StackProgram(stack_id=stack.id, program_id=program_id, position=position)
            )
    ctx.session.flush()
    ctx.session.refresh(stack)
    publishing.publish_stack(ctx, stack)
    audit.record(ctx, "stack.edited", "stack", stack.id, programs=members, required=new_required)
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
