"""Programs: issuers create and edit; PTSB approves or rejects."""

from __future__ import annotations

from typing import Any

from issuer.api.bodies import json_body
from issuer.api.context import read, write
from issuer.api.query import MAX_LIMIT, choice_arg, id_arg, page_args
from issuer.api.routing import QueryParam, area
from issuer.domain.states import ProgramStatus
from issuer.workflow import present
from issuer.workflow.context import Context
from issuer.workflow.programs import approvals, programs
from issuer.workflow.programs.images import image_from_data_url

api = area("programs", "Programs")


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in body.items() if k != "issuer_id"}
    if "image" in fields:
        fields["image"] = image_from_data_url(fields["image"]) if fields["image"] else None
    return fields


@api.route(
    "/programs",
    "POST",
    "Create a program (version 1, draft)",
    body="program_create",
    status=201,
    errors=(401, 403, 404, 422),
)
def create_program() -> tuple[dict[str, Any], int]:
    body = json_body("program_create")
    fields = _fields(body)
    result = write(
        lambda ctx: present.program(ctx, programs.create_program(ctx, body["issuer_id"], fields))
    )
    return result, 201


@api.route(
    "/programs",
    "GET",
    "List programs you may see",
    query=(
        QueryParam(
            "status",
            {"type": "string", "enum": [s.value for s in ProgramStatus]},
            "the latest version's status",
        ),
        QueryParam("issuer_id", {"type": "integer", "minimum": 1}),
        QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
        QueryParam("offset", {"type": "integer", "minimum": 0}),
    ),
    errors=(401, 422),
)
def list_programs() -> dict[str, Any]:
    status = choice_arg("status", ProgramStatus)
    issuer_id = id_arg("issuer_id", "an issuer id")
    limit, offset = page_args()

    def listed(ctx: Context) -> dict[str, Any]:
        page = programs.list_programs(ctx, issuer_id, status, limit=limit, offset=offset)
        return {"items": [present.program(ctx, v) for v in page.items], "total": page.total}

    return read(listed)


@api.route("/programs/<int:program_id>", "GET", "Read a program", errors=(401, 404))
def get_program(program_id: int) -> dict[str, Any]:
    return read(lambda ctx: present.program(ctx, programs.get_program(ctx, program_id)))


@api.route(
    "/programs/<int:program_id>",
    "PATCH",
    "Edit a draft, or start the next version of an approved program",
    body="program_update",
    errors=(401, 403, 404, 409, 422),
)
def edit_program(program_id: int) -> dict[str, Any]:
    fields = _fields(json_body("program_update"))
    return write(lambda ctx: present.program(ctx, programs.edit_program(ctx, program_id, fields)))


@api.route(
    "/programs/<int:program_id>/submit",
    "POST",
    "Submit the draft version for PTSB approval",
    errors=(401, 403, 404, 409),
)
def submit_program(program_id: int) -> dict[str, Any]:
    return write(lambda ctx: present.program(ctx, programs.submit_program(ctx, program_id)))


@api.route(
    "/programs/<int:program_id>/approve",
    "POST",
    "Approve the submitted version (PTSB)",
    body="decision",
    body_optional=True,
    errors=(401, 403, 404, 409, 422),
)
def approve_program(program_id: int) -> dict[str, Any]:
    comment = json_body("decision", optional=True).get("comment")
    return write(lambda ctx: present.program(ctx, approvals.approve(ctx, program_id, comment)))


@api.route(
    "/programs/<int:program_id>/reject",
    "POST",
    "Reject the submitted version (PTSB)",
    body="decision",
    body_optional=True,
    errors=(401, 403, 404, 409, 422),
)
def reject_program(program_id: int) -> dict[str, Any]:
    comment = json_body("decision", optional=True).get("comment")
    return write(lambda ctx: present.program(ctx, approvals.reject(ctx, program_id, comment)))


@api.route(
    "/programs/<int:program_id>/retire",
    "POST",
    "Retire a program; issued awards stay valid",
    errors=(401, 403, 404),
)
def retire_program(program_id: int) -> dict[str, Any]:
    return write(lambda ctx: present.program(ctx, programs.retire_program(ctx, program_id)))
