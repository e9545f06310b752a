"""The Badge Specification Sheet, ``/programs/<id>`` (SPEC §8): what the enrolment message and the
catalog link to. Signed-in educators get the enrol form (posted to ``/learning/enrol/<id>``);
visitors a link to sign in. Not approved: the 404 page."""

from __future__ import annotations

from flask import Blueprint, render_template

from issuer.domain.actors import SYSTEM
from issuer.web import read_as
from issuer.web.session import signed_in
from issuer.workflow.programs.spec_sheet import prior_training_offered, spec_sheet

blueprint = Blueprint("spec_sheet", __name__)


@blueprint.get("/programs/<int:program_id>")
def program_page(program_id: int) -> str:
    sheet = read_as(SYSTEM, lambda ctx: spec_sheet(ctx, program_id))
    visitor = signed_in()
    prior_training = visitor is not None and read_as(
        visitor, lambda ctx: prior_training_offered(ctx, program_id)
    )
    return render_template("spec_sheet.html", sheet=sheet, prior_training=prior_training)
