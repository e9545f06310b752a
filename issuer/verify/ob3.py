"""Open Badges 3.0: credentials with an embedded Data Integrity proof (eddsa-rdfc-2022 or, from
other software, Ed25519Signature2020) and VC-JWTs (RS256 or EdDSA, key named by ``kid``), each
run through the same named checks.

Structure: a built-in shape check always runs; when a JSON Schema is passed in
(``issuer.verify.schema.CredentialSchema``, e.g. the 1EdTech AchievementCredential schema loaded
from ``schemas/ob3``) the credential must satisfy it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from issuer.errors import IssuerError, ValidationFailed
from issuer.signing.data_integrity import ProofResult, verify_data_integrity
from issuer.signing.jws import peek_compact, verify_compact
from issuer.signing.keys import public_key_from_jwk
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
    run,
    short,
    types_of,
)
from issuer.verify.inputs import Payload, as_list
from issuer.verify.keys import KeyResolver, ResolvedKey
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
from issuer.verify.status import check_credential_status

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB3_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"
CREDENTIAL_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
JWT_CLAIMS = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti")
EMBEDDED_JWK = "(the JWT header's embedded jwk)"


@dataclass
class _State:
    """What the checks of one credential learn and share."""

    credential: dict[str, Any]
    issuer_id: Any
    keys: KeyResolver
    signing_keys: list[ResolvedKey] = field(default_factory=list)
    proofs: tuple[ProofResult, ...] = ()


def verify_ob3(payload: Payload, ctx: Context) -> Report:
    """Verify an OB 3.0 credential: a VC-JWT when it arrived as a JWS, Data Integrity otherwise."""
    if payload.token is not None:
        return _verify_jwt(payload, ctx)
    return _verify_data_integrity(payload, ctx)


def _verify_data_integrity(payload: Payload, ctx: Context) -> Report:
    """Embedded proofs, then ownership, status, dates and recipient."""
    builder = ReportBuilder(Format.OB3_DI, str(payload.kind))
    credential = payload.document
    state = _State(credential, _issuer_id(credential), KeyResolver(ctx.fetch))
    run(builder, Check.STRUCTURE, lambda: check_structure(credential, ctx))
    run(builder, Check.SIGNATURE, lambda: _check_proofs(state, ctx))
    run(builder, Check.KEY_OWNERSHIP, lambda: _check_proof_ownership(state))
    _common(builder, state, ctx, ())
    return builder.build()


def _verify_jwt(payload: Payload, ctx: Context) -> Report:
    """JWS signature with the ``kid`` key, ownership, JWT claims, status, dates and recipient."""
    builder = ReportBuilder(Format.OB3_JWT, str(payload.kind))
    claims = payload.document
    credential = jwt_credential(claims)
    state = _State(credential, _issuer_id(credential), KeyResolver(ctx.fetch))
    token, header = payload.token or "", payload.header or {}
    run(builder, Check.STRUCTURE, lambda: check_structure(credential, ctx))
    run(builder, Check.SIGNATURE, lambda: _check_jwt_signature(token, header, state))
    run(builder, Check.KEY_OWNERSHIP, lambda: _check_jwt_ownership(header, state))
    run(builder, Check.JWT_CLAIMS, lambda: _check_claims(claims, credential))
    _common(builder, state, ctx, claims)
    return builder.build()


def jwt_credential(claims: dict[str, Any]) -> dict[str, Any]:
    """The credential a VC-JWT carries: the ``vc`` claim (VC 1.1) or the payload minus JWT claims."""
    if isinstance(claims.get("vc"), dict):
        return dict(claims["vc"])
    return {key: value for key, value in claims.items() if key not in JWT_CLAIMS}


def _common(builder: ReportBuilder, state: _State, ctx: Context, claims: Any) -> None:
    """Status, dates and recipient, and the facts the report shows."""
    credential = state.credential
    claims = claims if isinstance(claims, dict) else {}
    starts = credential.get("validFrom", credential.get("issuanceDate"))
    ends = [
        ("validUntil", credential.get("validUntil")),
        ("expirationDate", credential.get("expirationDate")),
        ("exp", claims.get("exp")),
    ]
    run(builder, Check.REVOCATION, lambda: _check_status(state, ctx, builder))
    run(builder, Check.VALID_FROM, lambda: _check_starts(starts, claims.get("nbf"), ctx))
    run(builder, Check.EXPIRY, lambda: check_expiry(ends, ctx.now))
    run(builder, Check.RECIPIENT, lambda: _check_recipient(credential, ctx.recipient_email))
    builder.badge_id = credential.get("id") if isinstance(credential.get("id"), str) else None
    builder.issued = iso(parse_datetime(starts if starts is not None else claims.get("nbf")))
    builder.expires = earliest_end(ends)
    builder.issuer = _issuer_party(credential, ctx)
    builder.achievement = _achievement_party(credential)


def check_structure(credential: dict[str, Any], ctx: Context) -> CheckResult:
    """The built-in OB 3.0 shape, then the JSON Schema passed in (if any)."""
    problems: list[str] = []
    contexts = as_list(credential.get("@context"))
    if not contexts or contexts[0] not in (VC2_CONTEXT, VC1_CONTEXT):
        problems.append("@context does not start with the Verifiable Credentials context")
    if not any(isinstance(c, str) and c.startswith(OB3_CONTEXT_PREFIX) for c in contexts):
        problems.append("@context does not name an Open Badges 3.0 context")
    types = set(types_of(credential))
    if "VerifiableCredential" not in types or not types & CREDENTIAL_TYPES:
        problems.append("type must include VerifiableCredential and OpenBadgeCredential")
    if not isinstance(_issuer_id(credential), str):
        problems.append("issuer has no id")
    start = credential.get("validFrom", credential.get("issuanceDate"))
    if parse_datetime(start) is None:
        problems.append("validFrom is not a date-time")
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if not isinstance(subject, dict):
        problems.append("credentialSubject is not an object")
    elif not isinstance(achievement, dict) or not isinstance(achievement.get("name"), str):
        problems.append("credentialSubject.achievement with a name is missing")
    if ctx.ob3_schema is not None:
        problems += [f"schema: {p}" for p in ctx.ob3_schema.problems(credential)]
    return missing_fields(problems, "Open Badges 3.0 credential")


def _check_proofs(state: _State, ctx: Context) -> CheckResult:
    """Every embedded proof verifies (the DI module refuses other suites and safe-mode breaches)."""
    result = verify_data_integrity(
        state.credential,
        lambda method: _remember(state, method).public_key,
        ctx.loader,
        now=ctx.now,
    )
    state.proofs = result.proofs
    if not result.verified:
        return failed(Check.SIGNATURE, result.reason, result.code or "bad_signature")
    names = ", ".join(f"{p.proof_type} by {p.verification_method}" for p in result.proofs)
    return passed(Check.SIGNATURE, f"The proof verifies: {names}.")


def _remember(state: _State, method: str) -> ResolvedKey:
    """Resolve a verification method and keep it for the ownership check."""
    key = state.keys.resolve(method)
    if key not in state.signing_keys:
        state.signing_keys.append(key)
    return key


def _check_proof_ownership(state: _State) -> CheckResult:
    """At least one verifying proof's key is controlled by the issuer and listed for assertions."""
    verified = {p.verification_method for p in state.proofs if p.verified}
    keys = [k for k in state.signing_keys if k.method in verified] or state.signing_keys
    if not keys:
        return failed(Check.KEY_OWNERSHIP, "No proof names a key that could be resolved.", "no_key")
    results = [state.keys.ownership(key, state.issuer_id) for key in keys]
    return next((r for r in results if not r.failed), results[0])


def _jwt_key(header: dict[str, Any], state: _State) -> ResolvedKey:
    """The key a VC-JWT names: ``kid`` (URL, DID URL, or ``#fragment`` of the issuer's DID)."""
    kid = header.get("kid")
    if isinstance(kid, str) and kid:
        if kid.startswith("#") and isinstance(state.issuer_id, str):
            kid = state.issuer_id + kid
        return state.keys.resolve(kid)
    if isinstance(header.get("jwk"), dict):
        return ResolvedKey(EMBEDDED_JWK, public_key_from_jwk(header["jwk"]), None, "JWK")
    raise ValidationFailed("The JWT header names no key (kid).", code="key_unresolved")


def _check_jwt_signature(token: str, header: dict[str, Any], state: _State) -> CheckResult:
    """The JWS verifies under the allow-list (RS256, EdDSA) with the key its header names."""
    peek_compact(token)  # algorithm and header policy first: alg none, HMAC, unknown headers
    key = _jwt_key(header, state)
    verified = verify_compact(token, lambda _header: key.public_key)
    return passed(
        Check.SIGNATURE, f"The {verified.header['alg']} signature verifies with {key.method}."
    )


def _check_jwt_ownership(header: dict[str, Any], state: _State) -> CheckResult:
    """The ``kid`` key is the issuer's (a key only embedded in the header proves nothing)."""
    key = _jwt_key(header, state)
    if key.method == EMBEDDED_JWK:
        return failed(
            Check.KEY_OWNERSHIP,
            "The JWT is signed with a key embedded in its own header, not one the issuer publishes.",
            "key_not_published",
        )
    return state.keys.ownership(key, state.issuer_id)


def _check_claims(claims: dict[str, Any], credential: dict[str, Any]) -> CheckResult:
    """The JWT's registered claims agree with the credential (iss, jti, sub, nbf, exp)."""
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    problems = [
        f"{claim} {short(claims[claim])} is not {what} {short(value)}"
        for claim, what, value in (
            ("iss", "the issuer", _issuer_id(credential)),
            ("jti", "the credential id", credential.get("id")),
            ("sub", "the subject id", subject_id),
        )
        if claim in claims and value is not None and claims[claim] != value
    ]
    for claim, names in (
        ("nbf", ("validFrom", "issuanceDate")),
        ("exp", ("validUntil", "expirationDate")),
    ):
        date = next((credential[n] for n in names if n in credential), None)
        if claim in claims and date is not None and not _same_second(claims[claim], date):
            problems.append(f"{claim} does not match {names[0]}")
    if problems:
        return failed(Check.JWT_CLAIMS, "; ".join(problems), "jwt_claims_mismatch")
    return passed(Check.JWT_CLAIMS, "The JWT claims agree with the credential.")


def _check_starts(start: Any, nbf: Any, ctx: Context) -> CheckResult:
    """validFrom (or issuanceDate) and the JWT's nbf are not in the future."""
    result = check_valid_from(start, "validFrom", ctx.now, required=True)
    if not result.failed and nbf is not None:
        return check_valid_from(nbf, "nbf", ctx.now, required=False)
    return result


def _check_status(state: _State, ctx: Context, builder: ReportBuilder) -> CheckResult:
    """Revocation and suspension through the credential's status entries."""
    answer = check_credential_status(
        state.credential,
        ctx.fetch,
        ctx.now,
        lambda doc, token: _verify_list(doc, token, state, ctx),
    )
    builder.revocation_status, builder.revocation_reason = answer.status, answer.reason
    return answer.result


def _verify_list(
    document: dict[str, Any], token: str | None, state: _State, ctx: Context
) -> CheckResult:
    """A status list credential is the issuer's, and its proof (if any) is the issuer's key."""
    if _issuer_id(document) != state.issuer_id:
        return failed(Check.REVOCATION, "The status list has another issuer.", "status_list_issuer")
    keys = KeyResolver(ctx.fetch)
    if token is not None:
        key = _jwt_key(dict(peek_compact(token).header), _State(document, state.issuer_id, keys))
        verify_compact(token, lambda _header: key.public_key)
        return _as_status(keys.ownership(key, state.issuer_id))
    if "proof" not in document:
        return passed(Check.REVOCATION, "The status list is unsigned; read from the issuer's URL.")
    result = verify_data_integrity(
        document, lambda method: keys.resolve(method).public_key, ctx.loader, now=ctx.now
    )
    if not result.verified:
        reason = f"The status list's proof fails: {result.reason}"
        return failed(Check.REVOCATION, reason, "status_list_proof")
    methods = [p.verification_method for p in result.proofs if p.verification_method]
    owned = [keys.ownership(keys.resolve(method), state.issuer_id) for method in methods]
    return _as_status(next((r for r in owned if not r.failed), owned[0]))


def _as_status(ownership: CheckResult) -> CheckResult:
    """The status list's key ownership, reported under the revocation check."""
    if ownership.failed:
        reason = f"The status list is not signed by the issuer: {ownership.reason}"
        return failed(Check.REVOCATION, reason, "status_list_key")
    return passed(Check.REVOCATION, "The status list is signed by the issuer.")


def _check_recipient(credential: dict[str, Any], email: str | None) -> CheckResult:
    """Compare the subject's email identifiers (hashed or not) with the email given."""
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    identifiers = [item for item in as_list(subject.get("identifier")) if isinstance(item, dict)]
    candidates = [item for item in identifiers if item.get("identityType") == "emailAddress"]
    if isinstance(subject.get("id"), str) and subject["id"].lower().startswith("mailto:"):
        candidates.append({"identityType": "emailAddress", "identityHash": subject["id"][7:]})
    if not candidates:  # let the comparison say what the recipient is identified by instead
        candidates = [{"identityType": identifiers[0].get("identityType") if identifiers else None}]
    results = [
        check_identity(
            email,
            item.get("identityHash"),
            hashed=item.get("hashed"),
            salt=item.get("salt"),
            kind=item.get("identityType"),
            email_kinds={"emailAddress"},
        )
        for item in candidates
    ]
    return next((r for r in results if not r.failed), results[0])


def _issuer_id(credential: Mapping[str, Any]) -> Any:
    """The issuer's id, whether the issuer is given as an id or an object."""
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _issuer_party(credential: dict[str, Any], ctx: Context) -> Party | None:
    """The issuer's id and name (the embedded profile, else the profile its URL answers)."""
    issuer = credential.get("issuer")
    issuer_id = _issuer_id(credential)
    if not isinstance(issuer_id, str):
        return None
    name = issuer.get("name") if isinstance(issuer, dict) else None
    if name is None and is_url(issuer_id):
        try:
            name = fetch_json(ctx.fetch, issuer_id, "issuer profile").get("name")
        except IssuerError:
            name = None
    return Party(issuer_id, name if isinstance(name, str) else None)


def _achievement_party(credential: dict[str, Any]) -> Party | None:
    """The achievement's id and name."""
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if not isinstance(achievement, dict):
        return None
    ident, name = achievement.get("id"), achievement.get("name")
    return Party(ident if isinstance(ident, str) else None, name if isinstance(name, str) else None)


def _same_second(claim: Any, date: Any) -> bool:
    """A NumericDate claim and an XML date-time denote the same second."""
    moment = parse_datetime(date)
    return (
        isinstance(claim, int | float)
        and not isinstance(claim, bool)
        and moment is not None
        and int(claim) == int(moment.timestamp())
    )
