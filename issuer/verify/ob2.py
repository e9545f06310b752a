"""Open Badges 2.0: hosted assertions (fetched from their id, on the issuer's origin) and signed
assertions (compact JWS whose ``verification.creator`` is a CryptographicKey the issuer owns and
lists), each run through the same named checks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from issuer.signing.jws import peek_compact, verify_compact
from issuer.verify.checks import (
    Context,
    check_expiry,
    check_identity,
    check_valid_from,
    earliest_end,
    fetch_json,
    is_url,
    iso,
    missing_fields,
    parse_datetime,
    resolve_document,
    run,
    short,
    types_of,
)
from issuer.verify.fetch import FetchFailed, FetchRefused
from issuer.verify.inputs import OB2_CONTEXTS, Payload, as_list, parse_json, strings
from issuer.verify.keys import KeyResolver
from issuer.verify.report import (
    Check,
    CheckResult,
    Format,
    Party,
    Report,
    ReportBuilder,
    failed,
    passed,
)

HOSTED_TYPES = frozenset({"hosted", "HostedBadge"})
SIGNED_TYPES = frozenset({"signed", "SignedBadge"})
# Fields of a pasted assertion that must agree with the one hosted at its id.
COMPARED_FIELDS = ("badge", "recipient", "issuedOn", "expires", "revoked")


class _Found:
    """What the checks of one assertion learn and share (badge class, issuer, hosted copy)."""

    def __init__(self, assertion: dict[str, Any]) -> None:
        """Start from the assertion as given; hosted verification may replace it."""
        self.assertion = assertion
        self.hosted_status = 200
        self.badge: dict[str, Any] | None = None
        self.issuer: dict[str, Any] | None = None


def verify_ob2(payload: Payload, ctx: Context) -> Report:
    """Verify an OB 2.0 assertion: signed when it arrived as a JWS, hosted otherwise."""
    if payload.token is not None:
        return _verify_signed(payload, ctx)
    return _verify_hosted(payload, ctx)


def _verify_hosted(payload: Payload, ctx: Context) -> Report:
    """Hosted verification: the assertion as its id answers it is the one that counts."""
    builder = ReportBuilder(Format.OB2_HOSTED, str(payload.kind))
    found = _Found(payload.document)
    run(builder, Check.HOSTED, lambda: _load_hosted(payload, found, ctx))
    run(builder, Check.STRUCTURE, lambda: check_structure(found.assertion, signed=False))
    run(builder, Check.ISSUER, lambda: _load_badge_and_issuer(found, ctx))
    if not builder.has_failed(Check.HOSTED):
        run(builder, Check.HOSTED, lambda: _check_origin(found))
    run(builder, Check.REVOCATION, lambda: _hosted_revocation(found, builder))
    _common(builder, found, ctx)
    return builder.build()


def _verify_signed(payload: Payload, ctx: Context) -> Report:
    """Signed verification: JWS signature, key ownership, and the issuer's revocation list."""
    builder = ReportBuilder(Format.OB2_SIGNED, str(payload.kind))
    found = _Found(payload.document)
    token = payload.token or ""
    keys = KeyResolver(ctx.fetch)
    run(builder, Check.STRUCTURE, lambda: check_structure(found.assertion, signed=True))
    run(builder, Check.SIGNATURE, lambda: _check_signature(token, found, keys))
    run(builder, Check.ISSUER, lambda: _load_badge_and_issuer(found, ctx))
    run(builder, Check.KEY_OWNERSHIP, lambda: _check_key_owner(found, keys))
    run(builder, Check.REVOCATION, lambda: _signed_revocation(found, builder, ctx))
    _common(builder, found, ctx)
    return builder.build()


def _common(builder: ReportBuilder, found: _Found, ctx: Context) -> None:
    """Dates and recipient, and the facts the report shows."""
    assertion = found.assertion
    builder.badge_id = assertion.get("id") if isinstance(assertion.get("id"), str) else None
    builder.issuer, builder.achievement = party_names(found)
    issued = parse_datetime(assertion.get("issuedOn"))
    builder.issued = iso(issued)
    builder.expires = earliest_end([("expires", assertion.get("expires"))])
    run(
        builder,
        Check.VALID_FROM,
        lambda: check_valid_from(assertion.get("issuedOn"), "issuedOn", ctx.now, required=True),
    )
    run(
        builder,
        Check.EXPIRY,
        lambda: check_expiry([("expires", assertion.get("expires"))], ctx.now),
    )
    run(builder, Check.RECIPIENT, lambda: _check_recipient(assertion, ctx.recipient_email))


def check_structure(assertion: dict[str, Any], *, signed: bool) -> CheckResult:
    """The OB 2.0 Assertion shape: context, type, id, recipient, badge, issuedOn, verification."""
    problems: list[str] = []
    if not set(strings(assertion.get("@context"))) & OB2_CONTEXTS:
        problems.append("@context does not name the Open Badges 2.0 context")
    if "Assertion" not in types_of(assertion):
        problems.append("type is not Assertion")
    if not isinstance(assertion.get("id"), str) or ":" not in assertion.get("id", ""):
        problems.append("id is not an IRI")
    recipient = assertion.get("recipient")
    if not isinstance(recipient, dict):
        problems.append("recipient is missing")
    elif not isinstance(recipient.get("identity"), str) or not isinstance(
        recipient.get("type"), str
    ):
        problems.append("recipient needs identity and type")
    if not (is_url(assertion.get("badge")) or isinstance(assertion.get("badge"), dict)):
        problems.append("badge is neither a URL nor a BadgeClass")
    if parse_datetime(assertion.get("issuedOn")) is None:
        problems.append("issuedOn is not a date-time")
    if "expires" in assertion and parse_datetime(assertion["expires"]) is None:
        problems.append("expires is not a date-time")
    problems += _verification_problems(assertion.get("verification"), signed=signed)
    return missing_fields(problems, "Open Badges 2.0 assertion")


def _verification_problems(verification: Any, *, signed: bool) -> list[str]:
    """What is wrong with the ``verification`` object for the way the badge arrived."""
    if not isinstance(verification, dict):
        return ["verification is missing"]
    kind = verification.get("type") if isinstance(verification.get("type"), str) else None
    if signed:
        if kind not in SIGNED_TYPES:
            return [f"verification.type is {short(kind)} but the assertion is signed"]
        if not is_url(verification.get("creator")):
            return ["verification.creator is not a key URL"]
    elif kind not in HOSTED_TYPES:
        return [f"verification.type is {short(kind)}; a signed assertion must be given as its JWS"]
    return []


def _load_hosted(payload: Payload, found: _Found, ctx: Context) -> CheckResult:
    """Fetch the assertion from its id (unless that is where it came from) and compare."""
    given = payload.document
    assertion_id = given.get("id")
    if payload.fetched_from is not None and payload.fetched_from == assertion_id:
        found.hosted_status = payload.status
        return passed(Check.HOSTED, f"The assertion was fetched from its id {assertion_id}.")
    if payload.fetched_from is not None and payload.status == 410:
        found.hosted_status = 410
        return passed(Check.HOSTED, f"{payload.fetched_from} answered 410 Gone.")
    if not is_url(assertion_id):
        return failed(Check.HOSTED, "A hosted assertion's id must be its URL.", "not_hosted")
    answer = ctx.fetch(assertion_id)
    if not answer.ok and answer.status != 410:
        return failed(
            Check.HOSTED, f"{assertion_id} answered HTTP {answer.status}.", "hosted_unavailable"
        )
    hosted = parse_json(answer.body)
    if not isinstance(hosted, dict):
        return failed(Check.HOSTED, f"{assertion_id} did not answer a JSON object.", "not_hosted")
    found.hosted_status = answer.status
    if answer.status == 410:  # revoked; the body may say no more than that
        found.assertion = {**given, **hosted}
        return passed(Check.HOSTED, f"{assertion_id} answered 410 Gone.")
    found.assertion = hosted
    if hosted.get("id") != assertion_id:
        return failed(Check.HOSTED, f"{assertion_id} answers another assertion.", "hosted_mismatch")
    differing = [name for name in COMPARED_FIELDS if given.get(name) != hosted.get(name)]
    if differing:
        return failed(
            Check.HOSTED,
            f"The assertion given differs from the one hosted at its id ({', '.join(differing)}).",
            "hosted_mismatch",
        )
    return passed(Check.HOSTED, f"The assertion matches the one hosted at {assertion_id}.")


def _check_origin(found: _Found) -> CheckResult:
    """A hosted assertion lives on its issuer's origin (or one the issuer allows)."""
    if found.hosted_status == 410:
        return passed(Check.HOSTED, "The hosted assertion answered 410 Gone (revoked).")
    issuer = found.issuer
    if issuer is None:
        return failed(
            Check.HOSTED, "Without the issuer profile the origin cannot be checked.", "no_issuer"
        )
    assertion_id = str(found.assertion.get("id"))
    verification = (
        issuer.get("verification") if isinstance(issuer.get("verification"), dict) else {}
    )
    allowed = [o for o in as_list(verification.get("allowedOrigins")) if isinstance(o, str)]
    if not allowed:
        allowed = [urlsplit(str(issuer.get("id", ""))).netloc]
    origin = urlsplit(assertion_id).netloc
    if origin not in allowed:
        return failed(
            Check.HOSTED,
            f"The assertion is hosted on {origin}, not on the issuer's origin {', '.join(allowed)}.",
            "wrong_origin",
        )
    starts = [s for s in as_list(verification.get("startsWith")) if isinstance(s, str)]
    if starts and not any(assertion_id.startswith(prefix) for prefix in starts):
        return failed(
            Check.HOSTED, "The assertion URL is outside the issuer's allowed paths.", "wrong_origin"
        )
    return passed(
        Check.HOSTED, f"The assertion is hosted at its id, on the issuer's origin {origin}."
    )


def _load_badge_and_issuer(found: _Found, ctx: Context) -> CheckResult:
    """Resolve the BadgeClass and its Issuer profile (embedded or by URL)."""
    badge = resolve_document(ctx.fetch, found.assertion.get("badge"), "BadgeClass")
    if "BadgeClass" not in types_of(badge):
        return failed(Check.ISSUER, "The badge is not a BadgeClass.", "not_a_badge_class")
    found.badge = badge
    issuer = resolve_document(ctx.fetch, badge.get("issuer"), "issuer profile")
    if not set(types_of(issuer)) & {"Issuer", "Profile"}:
        return failed(Check.ISSUER, "The badge's issuer is not an Issuer profile.", "not_an_issuer")
    if is_url(badge.get("issuer")) and issuer.get("id") != badge.get("issuer"):
        return failed(Check.ISSUER, "The issuer profile has another id.", "issuer_mismatch")
    found.issuer = issuer
    return passed(Check.ISSUER, f"Issued by {short(issuer.get('name'))} ({issuer.get('id')}).")


def _check_signature(token: str, found: _Found, keys: KeyResolver) -> CheckResult:
    """The JWS verifies with the key named by ``verification.creator`` (RS256 or EdDSA only)."""
    peek_compact(token)  # the algorithm and header policy first: alg none, HMAC...
    verification = found.assertion.get("verification")
    creator = verification.get("creator") if isinstance(verification, dict) else None
    key = keys.resolve(creator)
    verified = verify_compact(token, lambda header: key.public_key)
    return passed(
        Check.SIGNATURE, f"The {verified.header['alg']} signature verifies with {creator}."
    )


def _check_key_owner(found: _Found, keys: KeyResolver) -> CheckResult:
    """The signing key's owner is the issuer and the issuer lists the key in publicKey."""
    verification = found.assertion.get("verification")
    creator = verification.get("creator") if isinstance(verification, dict) else None
    if found.issuer is None:
        return failed(Check.KEY_OWNERSHIP, "The issuer profile is unknown.", "no_issuer")
    key = keys.resolve(creator)
    issuer_id = found.issuer.get("id")
    if key.controller != issuer_id:
        return failed(
            Check.KEY_OWNERSHIP,
            f"The key is owned by {short(key.controller)}, not by the issuer {short(issuer_id)}.",
            "key_not_issuers",
        )
    listed = [
        item.get("id") if isinstance(item, dict) else item
        for item in as_list(found.issuer.get("publicKey"))
    ]
    if creator not in listed:
        return failed(
            Check.KEY_OWNERSHIP,
            f"The issuer does not list {creator} in publicKey.",
            "key_not_listed",
        )
    return passed(Check.KEY_OWNERSHIP, f"The issuer owns and lists the key {creator}.")


def _hosted_revocation(found: _Found, builder: ReportBuilder) -> CheckResult:
    """Revoked when the hosted assertion says so or its URL answers 410 Gone."""
    assertion = found.assertion
    if found.hosted_status == 410 or assertion.get("revoked") is True:
        reason = assertion.get("revocationReason")
        return _revoked(builder, str(reason) if reason else "The issuer has revoked this badge.")
    builder.revocation_status = "active"
    return passed(Check.REVOCATION, "The hosted assertion is not revoked.")


def _signed_revocation(found: _Found, builder: ReportBuilder, ctx: Context) -> CheckResult:
    """Revoked when the issuer's RevocationList names the assertion's id."""
    if found.issuer is None:
        return failed(Check.REVOCATION, "The issuer profile is unknown.", "no_issuer")
    list_url = found.issuer.get("revocationList")
    if list_url is None:
        builder.revocation_status = "active"
        return passed(Check.REVOCATION, "The issuer publishes no revocation list.")
    try:
        revocations = fetch_json(ctx.fetch, list_url, "revocation list")
    except (FetchRefused, FetchFailed) as error:
        return failed(
            Check.REVOCATION, f"The revocation list is unavailable: {error.message}", error.code
        )
    assertion_id = found.assertion.get("id")
    for item in as_list(revocations.get("revokedAssertions")):
        revoked_id = item.get("id") if isinstance(item, dict) else item
        if revoked_id is not None and revoked_id == assertion_id:
            reason = item.get("revocationReason") if isinstance(item, dict) else None
            return _revoked(
                builder, str(reason) if reason else "The issuer has revoked this badge."
            )
    builder.revocation_status = "active"
    return passed(Check.REVOCATION, "The assertion is not on the issuer's revocation list.")


def _revoked(builder: ReportBuilder, reason: str) -> CheckResult:
    """Record a revocation in the report and fail the check."""
    builder.revocation_status, builder.revocation_reason = "revoked", reason
    return failed(Check.REVOCATION, f"Revoked: {reason}", "revoked")


def _check_recipient(assertion: dict[str, Any], email: str | None) -> CheckResult:
    """Compare the recipient with the email given, if one was."""
    recipient = assertion.get("recipient") if isinstance(assertion.get("recipient"), dict) else {}
    return check_identity(
        email,
        recipient.get("identity"),
        hashed=recipient.get("hashed"),
        salt=recipient.get("salt"),
        kind=recipient.get("type"),
        email_kinds={"email"},
    )


def party_names(found: _Found) -> tuple[Party | None, Party | None]:
    """Issuer and achievement (badge class) as the report names them."""
    issuer = found.issuer
    badge = found.badge
    return (
        Party(issuer.get("id"), issuer.get("name")) if issuer else None,
        Party(badge.get("id"), badge.get("name")) if badge else None,
    )
