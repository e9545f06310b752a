"""``/evidence/<id>``: an evidence file for people's pages (session sign-in), under the same rule as
the API: the earner and the issuer's reviewers and admins only (others get the 403 page), always
as an attachment with ``nosniff``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, url_for

from issuer.api.uploads import send_evidence
from issuer.web import read_as, signed_in
from issuer.workflow.learning import evidence

blueprint = Blueprint("evidence_files", __name__)


@blueprint.get("/evidence/<int:file_id>")
def evidence_file(file_id: int) -> Any:
    actor = signed_in()
    if actor is None:
        return redirect(url_for("web.login"))
    return send_evidence(read_as(actor, lambda ctx: evidence.download(ctx, file_id)))
