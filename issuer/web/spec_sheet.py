"""The program's public page, ``/programs/<id>``: what the enrolment message links to. The full
spec sheet comes later; this shows the version in force. Not approved: the 404 page."""

from __future__ import annotations

from flask import Blueprint, render_template

from issuer.domain.actors import SYSTEM
from issuer.web import read_as
from issuer.workflow.spec_sheet import spec_sheet

blueprint = Blueprint("spec_sheet", __name__)


@blueprint.get("/programs/<int:program_id>")
def program_page(program_id: int) -> str:
    sheet = read_as(SYSTEM, lambda ctx: spec_sheet(ctx, program_id))
    return render_template("spec_sheet.html", sheet=sheet)
