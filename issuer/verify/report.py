"""What a verification answers: named checks with outcomes, gathered into one report.

A failed check is data (``CheckResult``), never an exception; ``Report.valid`` is true only when
no check failed and the badge's authenticity was established (a signature or hosted check
passed). ``Report.as_dict()`` is the JSON the API returns and the page renders.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Outcome(enum.StrEnum):
    """How a check ended: skipped means it did not apply (e.g. no email given)."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


class Check(enum.StrEnum):
    """The stable names of the checks, in the order a report lists them."""

    STRUCTURE = "structure"
    HOSTED = "hosted_verification"
    SIGNATURE = "signature"
    ISSUER = "issuer"
    KEY_OWNERSHIP = "key_ownership"
    JWT_CLAIMS = "jwt_claims"
    REVOCATION = "revocation"
    VALID_FROM = "valid_from"
    EXPIRY = "expiry"
    RECIPIENT = "recipient"
    CREDENTIALS = "credentials"  # a CLR's nested credentials, each verified on its own


AUTHENTICITY = frozenset({Check.HOSTED, Check.SIGNATURE})
_ORDER = {check: index for index, check in enumerate(Check)}


class Format(enum.StrEnum):
    """What kind of badge was verified."""

    OB2_HOSTED = "ob2-hosted"
    OB2_SIGNED = "ob2-signed"
    OB3_DI = "ob3-di"
    OB3_JWT = "ob3-jwt"
    CLR_DI = "clr-di"
    CLR_JWT = "clr-jwt"


@dataclass(frozen=True)
class CheckResult:
    """One named check: its outcome, a reason for people and, when it failed, a stable code."""

    name: Check
    outcome: Outcome
    reason: str
    code: str | None = None

    @property
    def failed(self) -> bool:
        """Whether this check makes the badge not valid."""
        return self.outcome is Outcome.FAILED

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: name, status, reason (and code when failed)."""
        out: dict[str, Any] = {"name": str(self.name), "status": str(self.outcome)}
        out["reason"] = self.reason
        if self.code:
            out["code"] = self.code
        return out


def passed(name: Check, reason: str) -> CheckResult:
    """A check that passed."""
    return CheckResult(name, Outcome.PASSED, reason)


def failed(name: Check, reason: str, code: str) -> CheckResult:
    """A check that failed, with a stable code."""
    return CheckResult(name, Outcome.FAILED, reason, code)


def skipped(name: Check, reason: str) -> CheckResult:
    """A check that did not apply."""
    return CheckResult(name, Outcome.SKIPPED, reason)


@dataclass(frozen=True)
class Party:
    """An issuer or an achievement as the report names it."""

    id: str | None
    name: str | None

    def as_dict(self) -> dict[str, Any]:
        """``{"id", "name"}``."""
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class Report:
    """The answer of one verification; build it with ``ReportBuilder``."""

    format: Format
    input_kind: str
    checks: tuple[CheckResult, ...]
    badge_id: str | None = None
    issuer: Party | None = None
    achievement: Party | None = None
    issued: str | None = None
    expires: str | None = None
    revocation_status: str = "unknown"
    revocation_reason: str | None = None
    # A CLR's nested credentials, one report each, in the record's order.
    credentials: tuple[Report, ...] = ()

    @property
    def valid(self) -> bool:
        """No check failed and a signature or the hosted assertion proved authenticity."""
        authentic = any(c.name in AUTHENTICITY and c.outcome is Outcome.PASSED for c in self.checks)
        return authentic and not any(check.failed for check in self.checks)

    def check(self, name: Check | str) -> CheckResult | None:
        """The result of the check called ``name``, if it ran."""
        return next((check for check in self.checks if check.name == name), None)

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        """The checks that failed, in report order."""
        return tuple(check for check in self.checks if check.failed)

    def as_dict(self) -> dict[str, Any]:
        """The JSON report the API answers and the /verify page renders."""
        answer = self._own_dict()
        if self.format in (Format.CLR_DI, Format.CLR_JWT):
            answer["credentials"] = [report.as_dict() for report in self.credentials]
        return answer

    def _own_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "format": str(self.format),
            "input": self.input_kind,
            "id": self.badge_id,
            "issuer": self.issuer.as_dict() if self.issuer else None,
            "achievement": self.achievement.as_dict() if self.achievement else None,
            "recipient": self._recipient(),
            "issued": self.issued,
            "expires": self.expires,
            "revocation": {"status": self.revocation_status, "reason": self.revocation_reason},
            "checks": [check.as_dict() for check in self.checks],
            "failed": [str(check.name) for check in self.failed_checks],
        }

    def _recipient(self) -> dict[str, Any]:
        """``{"status": "matched" | "not_matched" | "not_checked", "reason"}``."""
        result = self.check(Check.RECIPIENT)
        if result is None or result.outcome is Outcome.SKIPPED:
            reason = result.reason if result else "No email was given to compare."
            return {"status": "not_checked", "reason": reason}
        status = "matched" if result.outcome is Outcome.PASSED else "not_matched"
        return {"status": status, "reason": result.reason}


@dataclass
class ReportBuilder:
    """Collects facts and check results while a verification runs."""

    format: Format
    input_kind: str
    results: list[CheckResult] = field(default_factory=list)
    badge_id: str | None = None
    issuer: Party | None = None
    achievement: Party | None = None
    issued: str | None = None
    expires: str | None = None
    revocation_status: str = "unknown"
    revocation_reason: str | None = None
    credentials: list[Report] = field(default_factory=list)

    def add(self, result: CheckResult) -> CheckResult:
        """Record a check result (a later result with the same name replaces the earlier one)."""
        self.results = [r for r in self.results if r.name != result.name] + [result]
        return result

    def has_failed(self, name: Check) -> bool:
        """Whether the named check ran and failed."""
        return any(r.name == name and r.failed for r in self.results)

    def build(self) -> Report:
        """The immutable report, checks in their fixed order."""
        checks = tuple(sorted(self.results, key=lambda r: _ORDER[r.name]))
        return Report(
            format=self.format,
            input_kind=self.input_kind,
            checks=checks,
            badge_id=self.badge_id,
            issuer=self.issuer,
            achievement=self.achievement,
            issued=self.issued,
            expires=self.expires,
            revocation_status=self.revocation_status,
            revocation_reason=self.revocation_reason,
            credentials=tuple(self.credentials),
        )
