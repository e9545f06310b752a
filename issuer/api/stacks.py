"""Stacks of programs that earn their own credential."""

from __future__ import annotations

from typing import Any

from issuer.api.bodies import json_body
from issuer.api.context import read, write
from issuer.api.routing import area
from issuer.workflow import present
from issuer.workflow.programs import stacks

api = area("stacks", "Stacks")


@api.route(
    "/stacks",
    "POST",
    "Create a stack (all, or N of M programs)",
    body="stack_create",
    status=201,
    errors=(401, 403, 404, 422),
)
def create_stack() -> tuple[dict[str, Any], int]:
    body = json_body("stack_create")
    result = write(
        lambda ctx: present.stack(
            ctx,
            stacks.create_stack(
                ctx,
                issuer_id=body["issuer_id"],
                name=body["name"],
                description=body["description"],
                program_ids=body["programs"],
                required=body.get("required"),
                credit_hours=body.get("credit_hours"),
            ),
        )
    )
    return result, 201


@api.route("/stacks/<int:stack_id>", "GET", "Read a stack", errors=(401, 404))
def get_stack(stack_id: int) -> dict[str, Any]:
    return read(lambda ctx: present.stack(ctx, stacks.get_stack(ctx, stack_id)))


@api.route(
    "/stacks/<int:stack_id>",
    "PATCH",
    "Edit a stack until its first credential is issued",
    body="stack_update",
    errors=(401, 403, 404, 409, 422),
)
def edit_stack(stack_id: int) -> dict[str, Any]:
    body = json_body("stack_update")
    changes: dict[str, Any] = {
        "name": body.get("name"),
        "description": body.get("description"),
        "program_ids": body.get("programs"),
        "credit_hours": body.get("credit_hours"),
    }
    if "required" in body:
        changes["required"] = body["required"]
    return write(lambda ctx: present.stack(ctx, stacks.edit_stack(ctx, stack_id, **changes)))
