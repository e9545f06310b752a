"""Accounts over the API: inviting people, and people minting their own tokens."""

from __future__ import annotations

from typing import Any

from flask import request

from issuer.api.bodies import json_body
from issuer.api.context import read, services, write
from issuer.api.routing import area
from issuer.domain.actors import SYSTEM
from issuer.domain.states import Role
from issuer.errors import Unauthenticated
from issuer.workflow import present
from issuer.workflow.accounts import accounts, invitations, password_resets, tokens

api = area("accounts", "Accounts")


@api.route(
    "/accounts",
    "POST",
    "Create an account and invite its owner; no token or password link is answered",
    body="account_create",
    status=201,
    errors=(401, 403, 404, 409, 422),
)
def create_account() -> tuple[dict[str, Any], int]:
    body = json_body("account_create")
    account = write(
        lambda ctx: invitations.invite_person(
            ctx, Role(body["role"]), body["email"], body.get("issuer_id")
        )
    )
    return {**present.account(account), "invited": accounts.is_invited(account)}, 201


@api.route(
    "/tokens",
    "POST",
    "Mint your own API token with your email and password (replaces your previous token)",
    body="token_create",
    status=201,
    errors=(401, 422, 429),
    public=True,
)
def mint_token() -> tuple[dict[str, Any], int]:
    body = json_body("token_create")
    svc = services()
    client = request.remote_addr or "-"
    with svc.db.transaction() as session:  # a failure is committed: the sign-in limits count it
        minted = tokens.mint_own_token(
            svc.context(session, SYSTEM), body["email"], body["password"], client
        )
        answer = None if minted is None else present.account(minted.account, minted.token)
    if answer is None:
        raise Unauthenticated("The email or password is not right.", code="invalid_credentials")
    return answer, 201


@api.route(
    "/password-resets",
    "POST",
    "Email a one-time password link to the account with this email, if there is one (the "
    "answer is the same either way)",
    body="password_reset",
    status=202,
    errors=(422, 429),
    public=True,
)
def request_password_reset() -> tuple[dict[str, Any], int]:
    body = json_body("password_reset")
    svc = services()
    with svc.db.transaction() as session:
        password_resets.request_password_reset(
            svc.context(session, SYSTEM), body["email"], request.remote_addr or "-"
        )
    return {"status": "accepted"}, 202


@api.route("/me", "GET", "The account the token belongs to", errors=(401,))
def me() -> dict[str, Any]:
    return read(
        lambda ctx: {
            "account_id": ctx.actor.account_id,
            "role": ctx.actor.role.value,
            "email": ctx.actor.email,
            "issuer_id": ctx.actor.issuer_id,
        }
    )
