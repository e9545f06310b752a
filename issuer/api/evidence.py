"""Evidence files: the bytes of one file of a submission, to the people who may read it."""

from __future__ import annotations

from flask import Response

from issuer.api.context import read
from issuer.api.routing import area
from issuer.api.uploads import send_evidence
from issuer.workflow.learning import evidence

api = area("evidence", "Enrollments")


@api.route(
    "/evidence/<int:file_id>",
    "GET",
    "Download an evidence file (the earner, the issuer's reviewers and admins), as an attachment",
    errors=(401, 403, 404),
    produces=("application/octet-stream",),
)
def download_evidence(file_id: int) -> Response:
    return send_evidence(read(lambda ctx: evidence.download(ctx, file_id)))
