"""POST /api/v1/verify: anyone can check a badge (SPEC §4); no token, nothing is written.

The view parses the input (JSON ``url`` or ``credential``, or a multipart ``file``) and calls
``run_verification``, which wires the engine to this deployment: our own ``BASE_URL`` documents
come from storage (a short read-only session per lookup), other URLs go through the SSRF-safe
fetcher, the clock and the offline context loader come from the app's services.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import request

from issuer.api.bodies import json_body, reject_control_characters
from issuer.api.context import services
from issuer.api.routing import area
from issuer.errors import PayloadTooLarge, ValidationFailed
from issuer.openbadges.contexts import ContextLoader
from issuer.runtime import Services
from issuer.verify import (
    CredentialSchema,
    LocalFirstFetcher,
    Report,
    SafeHttpFetcher,
    VerifyInput,
    verify_badge,
)
from issuer.workflow.awards.public_reads import stored_document

api = area("verify", "Verification")
log = logging.getLogger(__name__)

MAX_EMAIL_LENGTH = 320
_LOADER_KEY = "verify.context_loader"
_SCHEMA_KEY = "verify.ob3_schema"


@api.route(
    "/verify",
    "POST",
    "Verify an Open Badges 2.0 or 3.0 badge: URL, JSON, JWS / VC-JWT, or a baked PNG or SVG",
    body="verify",
    multipart=True,
    public=True,
    errors=(400, 413, 415, 422),
)
def verify() -> dict[str, Any]:
    """The report as JSON: 200 whether or not the badge is valid; 4xx for unusable input."""
    return run_verification(services(), _verify_input()).as_dict()


def run_verification(svc: Services, raw: VerifyInput) -> Report:
    """Verify with this deployment's storage, fetcher, clock, contexts and OB 3.0 schema."""
    settings = svc.settings

    def lookup(path: str) -> tuple[bytes, str] | None:
        """Our published bytes at ``path``, read in a short session of its own."""
        session = svc.db.session()
        try:
            document = stored_document(session, path)
        finally:
            session.close()
        return None if document is None else (document.body, document.media_type)

    fetch = LocalFirstFetcher(
        settings.base_url, lookup, SafeHttpFetcher(allow_private=settings.verify_allow_private)
    )
    return verify_badge(
        raw, fetch=fetch, now=svc.clock(), loader=_loader(svc), ob3_schema=_schema(svc)
    )


def _verify_input() -> VerifyInput:
    """The badge from a multipart upload or from the JSON body."""
    if request.mimetype == "multipart/form-data":
        return _upload_input()
    body = json_body("verify")
    email = body.get("recipient_email")
    given = [name for name in ("url", "credential") if name in body]
    if len(given) != 1:
        raise ValidationFailed(
            "Give exactly one of url or credential.",
            fields={name: "give exactly one of url or credential" for name in given or ["url"]},
        )
    if "url" in body:
        return VerifyInput.from_url(body["url"], recipient_email=email)
    return VerifyInput.from_credential(body["credential"], recipient_email=email)


def _upload_input() -> VerifyInput:
    """A baked PNG or SVG in the ``file`` field (10 MiB at most) and an optional email."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(fields={"file": "required: a baked PNG or SVG image"})
    limit = services().settings.max_upload_bytes
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"Uploads are limited to {limit} bytes.")
    if not data:
        raise ValidationFailed(fields={"file": "the file is empty"})
    return VerifyInput.from_image(data, recipient_email=_form_email())


def _form_email() -> str | None:
    """The optional ``recipient_email`` form field, checked like the JSON one."""
    email = request.form.get("recipient_email") or None
    if email is None:
        return None
    reject_control_characters(email, "recipient_email")
    if len(email) > MAX_EMAIL_LENGTH or "@" not in email:
        raise ValidationFailed(fields={"recipient_email": "not an email address"})
    return email


def _loader(svc: Services) -> ContextLoader:
    """The offline JSON-LD context loader, built once per app."""
    loader = svc.extra.get(_LOADER_KEY)
    if loader is None:
        loader = svc.extra[_LOADER_KEY] = ContextLoader(svc.settings.schemas_dir / "contexts")
    return loader  # type: ignore[no-any-return]


def _schema(svc: Services) -> CredentialSchema | None:
    """The OB 3.0 credential schema from ``schemas/ob3`` when present (read once per app).

    Without it the structure check uses its built-in shape check only; a schema directory that
    cannot be read is logged and treated the same way, so verification keeps answering.
    """
    if _SCHEMA_KEY not in svc.extra:
        try:
            svc.extra[_SCHEMA_KEY] = CredentialSchema.from_directory(
                svc.settings.schemas_dir / "ob3"
            )
        except (OSError, ValueError, ValidationFailed):
            log.exception("schemas/ob3 could not be read; using the built-in OB 3.0 shape check")
            svc.extra[_SCHEMA_KEY] = None
    return svc.extra[_SCHEMA_KEY]  # type: ignore[no-any-return]
