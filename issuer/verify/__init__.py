"""Badge verification: one entry point for the JSON API and the /verify page.

    verify_badge(
        raw: VerifyInput,
        *,
        fetch: Fetcher,
        now: datetime,
        loader: ContextLoader,
        ob3_schema: SchemaCheck | None = None,
        clr_schema: SchemaCheck | None = None,
    ) -> Report

``raw`` is a URL, a credential (JSON object, or text: JSON, compact JWS/JWT, URL) or a baked PNG
/ SVG, plus an optional ``recipient_email``. Everything the verification depends on is passed in:
``fetch`` reads URLs (``SafeHttpFetcher`` for the world; wrap it in ``LocalFirstFetcher`` so our
own ``BASE_URL`` documents come from storage), ``now`` is the clock, ``loader`` the offline
JSON-LD context loader, ``ob3_schema`` an optional JSON Schema (``CredentialSchema``) for OB 3.0,
``clr_schema`` one for CLR 2.0 records. A ClrCredential (CLR 2.0) is verified with every
credential inside it (format clr-di or clr-jwt; the report then lists ``credentials``).

It answers a ``Report``: ``valid``, ``format`` (ob2-hosted, ob2-signed, ob3-di, ob3-jwt), issuer,
achievement, recipient check, dates, revocation status, and named checks (structure,
hosted_verification, signature, key_ownership, jwt_claims, issuer, revocation, valid_from,
expiry, recipient), each passed/failed/skipped with a reason. A badge that fails checks is a
report, not an exception; only unusable input raises an ``IssuerError`` (not a badge, an unsafe
image, a URL the fetcher refuses or cannot read), which the API renders as a 4xx. Example::

    from datetime import UTC, datetime
    from issuer.verify import SafeHttpFetcher, VerifyInput, verify_badge

    report = verify_badge(
        VerifyInput.from_url(url, recipient_email="ada@school.example.org"),
        fetch=SafeHttpFetcher(allow_private=settings.verify_allow_private),
        now=datetime.now(UTC),
        loader=ContextLoader(settings.schemas_dir / "contexts"),
    )
    report.valid, report.as_dict()["checks"]
"""

from __future__ import annotations

from datetime import datetime

from issuer.openbadges.contexts import ContextLoader
from issuer.verify.checks import Context, SchemaCheck
from issuer.verify.clr import is_clr, verify_clr
from issuer.verify.fetch import (
    Fetched,
    Fetcher,
    FetchFailed,
    FetchRefused,
    LocalFirstFetcher,
    MemoFetcher,
    SafeHttpFetcher,
)
from issuer.verify.inputs import VerifyInput, Version, read_input
from issuer.verify.ob2 import verify_ob2
from issuer.verify.ob3 import verify_ob3
from issuer.verify.report import Check, CheckResult, Format, Outcome, Report
from issuer.verify.schema import CredentialSchema

__all__ = [
    "Check",
    "CheckResult",
    "CredentialSchema",
    "FetchFailed",
    "FetchRefused",
    "Fetched",
    "Fetcher",
    "Format",
    "LocalFirstFetcher",
    "Outcome",
    "Report",
    "SafeHttpFetcher",
    "VerifyInput",
    "verify_badge",
]


def verify_badge(
    raw: VerifyInput,
    *,
    fetch: Fetcher,
    now: datetime,
    loader: ContextLoader,
    ob3_schema: SchemaCheck | None = None,
    clr_schema: SchemaCheck | None = None,
) -> Report:
    """Verify one badge; see the module docstring. ``now`` must be timezone-aware."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    memo = MemoFetcher(fetch)
    payload = read_input(raw, memo)
    email = raw.recipient_email.strip() if raw.recipient_email else None
    ctx = Context(memo, now, loader, email or None, ob3_schema, clr_schema)
    if payload.version is Version.OB2:
        return verify_ob2(payload, ctx)
    if is_clr(payload):
        return verify_clr(payload, ctx)
    return verify_ob3(payload, ctx)
