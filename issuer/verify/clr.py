"""CLR 2.0: a ``ClrCredential`` (Data Integrity or VC-JWT) is checked like an OB 3.0 credential
(structure, its own proof and key, JWT claims, status, dates, recipient), then every credential
inside it is verified on its own, with its own signature and status; each gets its own report,
and the record is valid only when all of them are.

Structure: a built-in CLR shape check always runs; a JSON Schema passed in (1EdTech's
``clr_v2p0_clrcredential_schema.json`` in the tests) must hold too.
"""

from __future__ import annotations

from typing import Any

from issuer.errors import IssuerError
from issuer.verify import ob3
from issuer.verify.checks import (
    Context,
    missing_fields,
    parse_datetime,
    run,
    short,
    types_of,
)
from issuer.verify.inputs import InputKind, Payload, Version, as_list, detect_version, from_token
from issuer.verify.keys import KeyResolver
from issuer.verify.report import (
    Check,
    CheckResult,
    Format,
    Report,
    ReportBuilder,
    failed,
    passed,
)

CLR_TYPE = "ClrCredential"
CLR_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/clr/v2p0/context"


def is_clr(payload: Payload) -> bool:
    """Whether the payload is a ClrCredential (as JSON, or as the credential a VC-JWT carries)."""
    credential = ob3.jwt_credential(payload.document) if payload.token else payload.document
    return CLR_TYPE in types_of(credential)


def verify_clr(payload: Payload, ctx: Context) -> Report:
    """The record's own checks, then one report per credential inside it."""
    jwt = payload.token is not None
    builder = ReportBuilder(Format.CLR_JWT if jwt else Format.CLR_DI, str(payload.kind))
    claims = payload.document if jwt else {}
    credential = ob3.jwt_credential(claims) if jwt else payload.document
    state = ob3._State(credential, ob3._issuer_id(credential), KeyResolver(ctx.fetch))
    run(builder, Check.STRUCTURE, lambda: check_clr_structure(credential, ctx))
    if jwt:
        token, header = payload.token or "", payload.header or {}
        run(builder, Check.SIGNATURE, lambda: ob3._check_jwt_signature(token, header, state))
        run(builder, Check.KEY_OWNERSHIP, lambda: ob3._check_jwt_ownership(header, state))
        run(builder, Check.JWT_CLAIMS, lambda: ob3._check_claims(claims, credential))
    else:
        run(builder, Check.SIGNATURE, lambda: ob3._check_proofs(state, ctx))
        run(builder, Check.KEY_OWNERSHIP, lambda: ob3._check_proof_ownership(state))
    ob3._common(builder, state, ctx, claims)
    builder.achievement = None
    run(builder, Check.CREDENTIALS, lambda: _check_nested(credential, ctx, builder))
    return builder.build()


def check_clr_structure(credential: dict[str, Any], ctx: Context) -> CheckResult:
    """The CLR 2.0 shape: contexts VC 2.0, CLR, OB 3.0 in that order; types; a ClrSubject
    holding credentials; then the JSON Schema passed in (if any)."""
    problems: list[str] = []
    contexts = as_list(credential.get("@context"))
    wanted = (ob3.VC2_CONTEXT, CLR_CONTEXT_PREFIX, ob3.OB3_CONTEXT_PREFIX)
    if len(contexts) < 3 or not all(
        isinstance(given, str) and given.startswith(prefix)
        for given, prefix in zip(contexts, wanted, strict=False)
    ):
        problems.append("@context must start with the VC 2.0, CLR 2.0 and OB 3.0 contexts")
    if not {"VerifiableCredential", CLR_TYPE} <= set(types_of(credential)):
        problems.append("type must include VerifiableCredential and ClrCredential")
    if not isinstance(ob3._issuer_id(credential), str):
        problems.append("issuer has no id")
    if not isinstance(credential.get("name"), str):
        problems.append("name is missing")
    if parse_datetime(credential.get("validFrom")) is None:
        problems.append("validFrom is not a date-time")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict) or "ClrSubject" not in types_of(subject):
        problems.append("credentialSubject is not a ClrSubject")
    elif not as_list(subject.get("verifiableCredential")):
        problems.append("credentialSubject.verifiableCredential is empty")
    if ctx.clr_schema is not None:
        problems += [f"schema: {p}" for p in ctx.clr_schema.problems(credential)]
    return missing_fields(problems, "CLR 2.0 ClrCredential")


def _check_nested(credential: dict[str, Any], ctx: Context, builder: ReportBuilder) -> CheckResult:
    """Verify each credential inside; name the ones that are not valid and why."""
    subject = credential.get("credentialSubject")
    items = as_list(subject.get("verifiableCredential")) if isinstance(subject, dict) else []
    reports = [_verify_one(item, ctx) for item in items]
    builder.credentials = reports
    if not reports:
        return failed(Check.CREDENTIALS, "The record holds no credential.", "no_credentials")
    bad = [
        f"{short(report.badge_id or f'credential {n}')}: {_why(report)}"
        for n, report in enumerate(reports, start=1)
        if not report.valid
    ]
    if bad:
        return failed(
            Check.CREDENTIALS,
            f"{len(bad)} of the {len(reports)} credentials inside are not valid: " + "; ".join(bad),
            "nested_credential_invalid",
        )
    return passed(Check.CREDENTIALS, f"All {len(reports)} credentials inside verify.")


def _verify_one(item: Any, ctx: Context) -> Report:
    """One nested credential: JSON (with its proof) or a VC-JWT string."""
    try:
        if isinstance(item, str):
            payload = from_token(item, InputKind.JWS)
        elif isinstance(item, dict):
            payload = Payload(InputKind.JSON, detect_version(item), item)
        else:
            raise TypeError
        if payload.version is not Version.OB3:
            raise TypeError
    except (IssuerError, TypeError):
        builder = ReportBuilder(Format.OB3_DI, str(InputKind.JSON))
        builder.add(
            failed(Check.STRUCTURE, "This item is not a Verifiable Credential.", "not_a_credential")
        )
        return builder.build()
    return ob3.verify_ob3(payload, ctx)


def _why(report: Report) -> str:
    """``revoked`` when it is, else the failed checks by name."""
    if report.revocation_status == "revoked":
        return "revoked"
    return ", ".join(str(check.name) for check in report.failed_checks) or "not authenticated"
