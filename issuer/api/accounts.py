"""Accounts over the API (the CLI offers the same)."""

from __future__ import annotations

from typing import Any

from issuer.api.bodies import json_body
from issuer.api.context import read, services, write
from issuer.api.routing import area
from issuer.domain.states import Role
from issuer.workflow import accounts, present, signin

api = area("accounts", "Accounts")


@api.route(
    "/accounts",
    "POST",
    "Create an account and return its token once",
    body="account_create",
    status=201,
    errors=(401, 403, 404, 422),
)
def create_account() -> tuple[dict[str, Any], int]:
    body = json_body("account_create")
    account, token = write(
        lambda ctx: accounts.create_account(
            ctx, Role(body["role"]), body["email"], body.get("issuer_id")
        )
    )
    svc = services()
    link = svc.urls.password_setup(signin.password_setup_token(account, svc.settings.secret_key))
    return {**present.account(account, token), "password_setup_url": link}, 201


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
