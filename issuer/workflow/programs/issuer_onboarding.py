"""PTSB registers an issuer and invites its first admin in one transaction (SPEC §8, PTSB):
the issuer with its keys (``issuers.create_issuer``), then the ``issuer_admin`` account and its
invitation by email (``invitations.invite_person``). Nobody but the invited person ever sees a
token or password link. Also the issuers list PTSB's page shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from issuer.domain.states import Role
from issuer.errors import Conflict, ValidationFailed
from issuer.models import Account, Issuer, Program
from issuer.workflow.accounts import accounts, invitations
from issuer.workflow.context import Context
from issuer.workflow.programs import issuers

FIELDS = ("name", "url", "email", "description", "admin_email")


@dataclass(frozen=True)
class IssuerLine:
    """One issuer on PTSB's list."""

    id: int
    name: str
    url: str
    email: str
    is_board: bool
    created_at: datetime
    admins: list[str]  # their emails
    invited: list[str]  # admins who have not set a password yet
    programs: int


@dataclass(frozen=True)
class Registered:
    issuer_id: int
    issuer_name: str
    admin_email: str


def register_issuer(ctx: Context, fields: dict[str, str]) -> Registered:
    """Create the issuer (``name, url, email, description``) and invite its first admin
    (``admin_email``); nothing is stored when either is refused: ``ValidationFailed`` naming each
    field, or ``account_exists`` when the admin's email already has an account."""
    ctx.actor.require_role(Role.PTSB)
    values = {k: (fields.get(k) or "").strip() for k in FIELDS}
    check_fields(values)
    admin = accounts.normalize_email(values["admin_email"], field="admin_email")
    if accounts.find_by_email(ctx.session, admin) is not None:
        raise Conflict(
            "An account with this email already exists: invite someone else as the first admin.",
            code="account_exists",
        )
    issuer = issuers.create_issuer(
        ctx,
        name=values["name"],
        url=values["url"],
        email=accounts.normalize_email(values["email"]),
        description=values["description"],
    )
    invitations.invite_person(ctx, Role.ISSUER_ADMIN, admin, issuer.id)
    return Registered(issuer.id, issuer.name, admin)


def issuer_lines(ctx: Context) -> list[IssuerLine]:
    """Every issuer by name with its admins and program count (PTSB)."""
    ctx.actor.require_role(Role.PTSB)
    lines = []
    for issuer in ctx.session.scalars(select(Issuer).order_by(Issuer.name, Issuer.id)):
        admins = list(
            ctx.session.scalars(
                select(Account)
                .where(Account.issuer_id == issuer.id, Account.role == Role.ISSUER_ADMIN.value)
                .order_by(Account.email)
            )
        )
        count = ctx.session.scalar(
            select(func.count()).select_from(Program).where(Program.issuer_id == issuer.id)
        )
        lines.append(
            IssuerLine(
                id=issuer.id,
                name=issuer.name,
                url=issuer.url,
                email=issuer.email,
                is_board=issuer.is_board,
                created_at=issuer.created_at,
                admins=[a.email for a in admins],
                invited=[a.email for a in admins if accounts.is_invited(a)],
                programs=int(count or 0),
            )
        )
    return lines


def check_fields(fields: dict[str, str]) -> None:
    """Human checks of the issuer form, each naming its field."""
    problems: dict[str, str] = {}
    if not fields.get("name", "").strip() or len(fields["name"]) > 200:
        problems["name"] = "Enter the issuer's name (at most 200 characters)."
    url = fields.get("url", "").strip()
    if not url.startswith(("https://", "http://")) or len(url) > 2000 or " " in url:
        problems["url"] = "Enter the issuer's website, starting with https://."
    try:
        accounts.normalize_email(fields.get("email", ""))
    except ValidationFailed:
        problems["email"] = "Enter the issuer's contact email, like pd@district.example.org."
    if len(fields.get("description", "")) > 10_000:
        problems["description"] = "Keep the description under 10,000 characters."
    try:
        accounts.normalize_email(fields.get("admin_email", ""), field="admin_email")
    except ValidationFailed:
        problems["admin_email"] = "Enter the first admin's email address."
    for field in FIELDS:
        text = fields.get(field, "")
        allowed = "\t\n\r" if field == "description" else ""
        if field not in problems and any(_control(ch) and ch not in allowed for ch in text):
            problems[field] = "Remove the control characters from this field."
    if problems:
        raise ValidationFailed(fields=problems)


def _control(ch: str) -> bool:
    return ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F
