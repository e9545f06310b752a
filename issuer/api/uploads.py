"""Multipart submissions (narrative, evidence links, files) and sending evidence files back.

Parsing only: the fields are checked against the same schema as the JSON body, the files are
handed on as streams for the evidence store to check by content and size.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import wrap_file

from issuer.api.bodies import checked, reject_control_characters
from issuer.errors import PayloadTooLarge
from issuer.evidence import Upload, size_text
from issuer.workflow.learning.evidence import Download

FILE_POLICY = "default-src 'none'; sandbox"


@dataclass(frozen=True)
class SubmissionForm:
    narrative: str
    evidence_urls: list[str]
    files: list[Upload]


def admit_submission_body() -> None:
    """Let this request's body be as large as an evidence submission (files included); every
    other request keeps the smaller upload limit."""
    request.max_content_length = current_app.config["MAX_SUBMISSION_REQUEST_BYTES"]


def is_multipart() -> bool:
    return request.mimetype == "multipart/form-data"


def submission_form(schema: str = "submission_multipart") -> SubmissionForm:
    """The multipart form of a submission; evidence links may repeat ``evidence_urls`` or send
    one JSON array in it; empty file parts (a form sent without a file) are skipped."""
    try:
        form, parts = request.form, request.files.getlist("files")
    except RequestEntityTooLarge:
        limit = current_app.config["MAX_SUBMISSION_REQUEST_BYTES"]
        raise PayloadTooLarge(
            f"A submission is limited to {size_text(limit)} in all.", code="submission_too_large"
        ) from None
    unknown = set(form) - {"narrative", "evidence_urls"}
    body: dict[str, Any] = {"narrative": form.get("narrative", "")} if "narrative" in form else {}
    urls = _urls(form.getlist("evidence_urls"))
    if urls:
        body["evidence_urls"] = urls
    body.update(dict.fromkeys(unknown, ""))  # named by the schema check as not allowed
    reject_control_characters(body)
    body = checked(schema, body)
    files = [Upload(p.filename or "", p.stream) for p in parts if p.filename or _has_bytes(p)]
    return SubmissionForm(body["narrative"], body.get("evidence_urls", []), files)


def _urls(values: list[str]) -> list[Any]:
    if len(values) == 1 and values[0].lstrip().startswith("["):
        try:
            parsed = json.loads(values[0])
        except json.JSONDecodeError:
            return values
        return parsed if isinstance(parsed, list) else values
    return [v for v in values if v.strip()]


def _has_bytes(part: Any) -> bool:
    data = part.stream.read(1)
    part.stream.seek(0)
    return bool(data)


def send_evidence(download: Download) -> Response:
    """The file as an attachment under its recorded type: never rendered by the browser."""
    body = wrap_file(request.environ, download.body)
    response = Response(body, mimetype=None, direct_passthrough=True)
    response.headers["Content-Type"] = download.media_type
    response.headers["Content-Length"] = str(download.size)
    response.headers["Content-Disposition"] = attachment(download.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = FILE_POLICY
    return response


def attachment(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name as RFC 8187 UTF-8."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
