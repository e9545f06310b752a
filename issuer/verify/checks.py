"""Checks shared by both versions: dates against the clock, the recipient against an email,
reading linked JSON documents, and running a check so that no failure escapes as an exception."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from issuer.errors import IssuerError, ValidationFailed
from issuer.openbadges.contexts import ContextLoader
from issuer.openbadges.identity import recipient_matches
from issuer.verify.fetch import Fetcher, FetchFailed
from issuer.verify.inputs import parse_json, strings
from issuer.verify.report import Check, CheckResult, ReportBuilder, failed, passed, skipped

log = logging.getLogger(__name__)

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_TEXT = 200


class SchemaCheck(Protocol):
    """A JSON Schema an OB 3.0 credential must satisfy (``issuer.verify.ob3.CredentialSchema``)."""

    def problems(self, document: Mapping[str, Any]) -> list[str]:
        """What the document breaks in the schema (empty when it conforms)."""
        ...


@dataclass(frozen=True)
class Context:
    """Everything one verification depends on, passed in: fetcher, clock, loader, options."""

    fetch: Fetcher
    now: datetime
    loader: ContextLoader
    recipient_email: str | None = None
    ob3_schema: SchemaCheck | None = None
    clr_schema: SchemaCheck | None = None


def run(builder: ReportBuilder, name: Check, check: Callable[[], CheckResult]) -> CheckResult:
    """Run one check; our errors become a failed result with their code.

    Hostile documents can make field access fail in ways no check foresaw (a list where an
    object belongs); such a crash is logged as a defect and reported as a failed check, so a
    verification always answers with a report rather than an HTTP 500.
    """
    try:
        result = check()
    except IssuerError as error:
        result = failed(name, error.message, error.code)
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError):
        log.exception("verification check %s crashed on its input", name)
        result = failed(name, "The document has a shape this check cannot read.", "unreadable")
    return builder.add(result)


def fetch_json(fetch: Fetcher, url: Any, what: str) -> dict[str, Any]:
    """The JSON object at ``url`` (a 2xx answer); IssuerError naming ``what`` otherwise."""
    if not isinstance(url, str) or not url:
        raise ValidationFailed(f"The {what} is not given as a URL.", code="missing_reference")
    answer = fetch(url)
    if not answer.ok:
        raise FetchFailed(
            f"The {what} at {url} answered HTTP {answer.status}.",
            code="http_status",
            status=answer.status,
        )
    document = parse_json(answer.body)
    if not isinstance(document, dict):
        raise ValidationFailed(f"The {what} at {url} is not a JSON object.", code="not_an_object")
    return document


def resolve_document(fetch: Fetcher, value: Any, what: str) -> dict[str, Any]:
    """An embedded object as is, or the JSON object a URL names."""
    if isinstance(value, dict):
        return value
    return fetch_json(fetch, value, what)


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 date-time (or date) in UTC; None when it cannot be read."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip()
    if _DATE_ONLY.match(text):
        text += "T00:00:00"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    """A UTC date-time as ISO 8601 with ``Z``, for the report."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def check_valid_from(start: Any, label: str, now: datetime, *, required: bool) -> CheckResult:
    """The badge is already valid: its start (issuedOn / validFrom) is not in the future."""
    if start is None:
        if required:
            return failed(Check.VALID_FROM, f"{label} is missing.", "missing_date")
        return passed(Check.VALID_FROM, f"No {label} is given.")
    moment = parse_datetime(start)
    if moment is None:
        return failed(Check.VALID_FROM, f"{label} {short(start)} is not a date-time.", "bad_date")
    if moment > now:
        return failed(
            Check.VALID_FROM, f"The badge is not valid before {iso(moment)}.", "not_yet_valid"
        )
    return passed(Check.VALID_FROM, f"Valid since {iso(moment)}.")


def check_expiry(ends: list[tuple[str, Any]], now: datetime) -> CheckResult:
    """The badge has not expired: every end date given (expires / validUntil / exp) is ahead."""
    present = [(label, value) for label, value in ends if value is not None]
    if not present:
        return passed(Check.EXPIRY, "The badge does not expire.")
    for label, value in present:
        moment = parse_datetime(value)
        if moment is None:
            return failed(Check.EXPIRY, f"{label} {short(value)} is not a date-time.", "bad_date")
        if moment <= now:
            return failed(Check.EXPIRY, f"The badge expired on {iso(moment)}.", "expired")
    soonest = min(m for _, v in present if (m := parse_datetime(v)) is not None)
    return passed(Check.EXPIRY, f"Valid until {iso(soonest)}.")


def earliest_end(ends: list[tuple[str, Any]]) -> str | None:
    """The first end date among those given, for the report's ``expires``."""
    moments = [m for _, value in ends if (m := parse_datetime(value)) is not None]
    return iso(min(moments)) if moments else None


def check_identity(
    email: str | None, identity: Any, *, hashed: Any, salt: Any, kind: Any, email_kinds: set[str]
) -> CheckResult:
    """Does a published recipient identity belong to ``email``? Case-insensitive, salted hash."""
    if not email:
        return skipped(Check.RECIPIENT, "No email was given to compare with the recipient.")
    if not isinstance(kind, str) or kind not in email_kinds:
        return failed(
            Check.RECIPIENT,
            f"The recipient is identified by {short(kind)}, not by an email address.",
            "recipient_not_email",
        )
    if not isinstance(identity, str) or not identity:
        return failed(Check.RECIPIENT, "The recipient identity is missing.", "recipient_missing")
    if hashed is True and not identity.lower().startswith("sha256$"):
        return failed(
            Check.RECIPIENT,
            "Only sha256 recipient hashes are accepted.",
            "unsupported_recipient_hash",
        )
    if hashed is not True and identity.lower().startswith(("sha256$", "md5$")):
        return failed(Check.RECIPIENT, "The identity is hashed but not marked so.", "bad_recipient")
    if hashed is True:
        identity = "sha256$" + identity[len("sha256$") :].lower()
    salt_text = salt if isinstance(salt, str) else None
    if recipient_matches(identity, email, salt_text) or _hashed_as_given(
        identity, email, salt_text
    ):
        return passed(Check.RECIPIENT, "The badge was awarded to that email address.")
    return failed(
        Check.RECIPIENT, "The badge was not awarded to that email address.", "recipient_mismatch"
    )


def _hashed_as_given(identity: str, email: str, salt: str | None) -> bool:
    """Other issuers may hash the address without lower-casing it (as 1EdTech's validator does)."""
    digest = hashlib.sha256((email.strip() + (salt or "")).encode()).hexdigest()
    return hmac.compare_digest(identity, f"sha256${digest}")


def is_url(value: Any) -> bool:
    """An absolute http(s) URL."""
    return isinstance(value, str) and value.lower().startswith(("https://", "http://"))


def types_of(document: Mapping[str, Any]) -> list[str]:
    """The ``type`` of a document as a list of strings."""
    return strings(document.get("type"))


def short(value: Any) -> str:
    """A value for a message, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


def missing_fields(problems: list[str], what: str) -> CheckResult:
    """The structure check's answer from a list of problems."""
    if problems:
        shown = "; ".join(problems[:8]) + ("; …" if len(problems) > 8 else "")
        return failed(Check.STRUCTURE, f"The {what} is malformed: {shown}", "malformed_badge")
    return passed(Check.STRUCTURE, f"The {what} has the required shape.")
