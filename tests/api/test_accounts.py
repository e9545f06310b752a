"""SPEC §5 accounts: the CLI prints ``{"id", "token"}``; ``POST /api/v1/accounts`` lets PTSB create
any role and an issuer admin reviewers and earners of their own issuer; tokens are stored hashed."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from issuer.db import Base
from tests.api.oauth_client import PASSWORD, set_password
from tests.conftest import Api

ROLES = ["ptsb", "issuer_admin", "reviewer", "earner"]
ISSUER_ROLES = {"issuer_admin", "reviewer"}


def new_email(role: str = "user") -> str:
    return f"{role}-{uuid.uuid4().hex[:8]}@example.org"


def cli_create(runner: Any, role: str, email: str, issuer_id: int | None = None) -> Any:
    args = ["accounts", "create", "--role", role, "--email", email, "--json"]
    if issuer_id is not None:
        args += ["--issuer", str(issuer_id)]
    return runner.invoke(args=args)


def account_count(app: Flask) -> int:
    session = app.extensions["issuer.services"].db.session()
    try:
        return session.scalar(select(func.count()).select_from(Base.metadata.tables["accounts"]))
    finally:
        session.close()


def every_stored_value(app: Flask, table: str | None = None) -> list[str]:
    """Every column value of every row (of one table, or of all), as text."""
    tables = [Base.metadata.tables[table]] if table else Base.metadata.sorted_tables
    session = app.extensions["issuer.services"].db.session()
    try:
        values = []
        for t in tables:
            for row in session.execute(select(t)):
                values += [str(v) for v in row]
        return values
    finally:
        session.close()


def me(api: Api, token: str) -> dict[str, Any]:
    return api.ok("GET", "/me", token)


def assert_refused(response: Any, status: int) -> dict[str, Any]:
    body = response.get_json()
    assert response.status_code == status, (response.status_code, body)
    assert isinstance(body["error"], str) and isinstance(body["message"], str), body
    return body  # type: ignore[no-any-return]


@pytest.fixture
def other(api: Api) -> tuple[int, str]:
    """A second issuer and its admin."""
    return api.issuer("Other District")


# --- the CLI ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_cli_create_prints_exactly_id_and_token(runner, district, role):
    issuer_id = district[0] if role in ISSUER_ROLES else None
    result = cli_create(runner, role, new_email(role), issuer_id)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    printed = json.loads(lines[0])
    assert set(printed) == {"id", "token"}
    assert isinstance(printed["id"], int) and printed["id"] > 0
    assert isinstance(printed["token"], str) and len(printed["token"]) >= 32


@pytest.mark.parametrize("role", ROLES)
def test_cli_token_works_as_a_bearer_token(api, runner, district, role):
    issuer_id = district[0] if role in ISSUER_ROLES else None
    email = new_email(role)
    printed = json.loads(cli_create(runner, role, email, issuer_id).stdout)
    account = me(api, printed["token"])
    assert account["account_id"] == printed["id"]
    assert account["role"] == role
    assert account["email"] == email
    assert account["issuer_id"] == issuer_id


@pytest.mark.parametrize("role", sorted(ISSUER_ROLES))
def test_cli_refuses_an_issuer_role_without_issuer(app, runner, role):
    before = account_count(app)
    result = cli_create(runner, role, new_email(role))
    assert result.exit_code != 0
    assert json.loads(result.stderr)["error"] == "invalid_fields"
    assert account_count(app) == before


def test_cli_refuses_an_unknown_issuer(app, runner):
    before = account_count(app)
    result = cli_create(runner, "issuer_admin", new_email(), 9999)
    assert result.exit_code != 0
    assert json.loads(result.stderr)["error"] == "issuer_not_found"
    assert account_count(app) == before


def test_cli_refuses_a_bad_email(app, runner):
    before = account_count(app)
    result = cli_create(runner, "ptsb", "not-an-email")
    assert result.exit_code != 0
    assert json.loads(result.stderr)["error"] == "invalid_fields"
    assert account_count(app) == before


def test_cli_refuses_an_unknown_role(app, runner):
    before = account_count(app)
    result = cli_create(runner, "superuser", new_email())
    assert result.exit_code == 2  # click's usage error
    assert account_count(app) == before


# --- tokens are stored hashed ----------------------------------------------------------------


def test_accounts_table_stores_no_clear_token(api, app, runner, district):
    issuer_id, admin = district
    tokens = [
        api.ptsb,
        admin,
        json.loads(cli_create(runner, "reviewer", new_email(), issuer_id).stdout)["token"],
        api.account("earner", token=admin),
    ]
    stored = every_stored_value(app, "accounts")
    assert len(stored) > 0
    for token in tokens:
        assert not [value for value in stored if token in value]


def test_no_table_stores_a_clear_token(api, app, district):
    issuer_id, admin = district
    program = api.approved_program(admin, issuer_id)
    api.passed_enrollment(admin, issuer_id, program)
    stored = every_stored_value(app)
    for token in (api.ptsb, admin):
        assert not [value for value in stored if token in value]


def test_every_account_gets_its_own_token(api, district):
    issuer_id, admin = district
    tokens = {api.account("reviewer", issuer_id, token=admin) for _ in range(5)}
    assert len(tokens) == 5


def test_minted_token_is_shown_once_and_never_by_me(api, district):
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": (email := new_email())})
    set_password(api.client, api.password_link(email))
    minted = api.ok("POST", "/tokens", None, {"email": email, "password": PASSWORD})
    shown = json.dumps(me(api, minted["token"]))
    assert minted["token"] not in shown
    assert "hash" not in shown


def test_minted_token_is_stored_only_as_a_hash(api, app):
    api.ok("POST", "/accounts", api.ptsb, {"role": "ptsb", "email": (email := new_email())})
    set_password(api.client, api.password_link(email))
    minted = api.ok("POST", "/tokens", None, {"email": email, "password": PASSWORD})
    session = app.extensions["issuer.services"].db.session()
    try:
        stored = session.execute(
            text("SELECT token_hash FROM accounts WHERE id = :id"), {"id": minted["id"]}
        ).scalar_one()
    finally:
        session.close()
    assert stored == hashlib.sha256(minted["token"].encode()).hexdigest()
    assert stored not in json.dumps(minted)


# --- POST /api/v1/accounts -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_ptsb_may_create_any_role(api, district, role):
    issuer_id = district[0] if role in ISSUER_ROLES else None
    email = new_email(role)
    body = {"role": role, "email": email, "issuer_id": issuer_id}
    answer = api.ok("POST", "/accounts", api.ptsb, body)
    assert (answer["role"], answer["issuer_id"], answer["email"]) == (role, issuer_id, email)
    account = me(api, api.own_token(answer["id"]))
    assert (account["account_id"], account["role"], account["email"]) == (answer["id"], role, email)


@pytest.mark.parametrize("role", ["reviewer", "earner"])
@pytest.mark.parametrize("give_issuer", [True, False], ids=["own-issuer-id", "no-issuer-id"])
def test_issuer_admin_creates_reviewers_and_earners_of_their_issuer(
    api, district, role, give_issuer
):
    issuer_id, admin = district
    body: dict[str, Any] = {"role": role, "email": new_email(role)}
    if give_issuer:
        body["issuer_id"] = issuer_id
    answer = api.ok("POST", "/accounts", admin, body)
    assert answer["role"] == role
    assert me(api, api.own_token(answer["id"]))["issuer_id"] == issuer_id


@pytest.mark.parametrize("role", ["issuer_admin", "ptsb"])
def test_issuer_admin_may_not_create_admin_or_board_accounts(api, app, district, role):
    issuer_id, admin = district
    before = account_count(app)
    body = {"role": role, "email": new_email(role), "issuer_id": issuer_id}
    assert_refused(api.call("POST", "/accounts", admin, body), 403)
    assert account_count(app) == before


@pytest.mark.parametrize("role", ["reviewer", "earner", "issuer_admin"])
def test_issuer_admin_may_not_create_accounts_of_another_issuer(api, app, district, other, role):
    _, admin = district
    other_id, _ = other
    before = account_count(app)
    body = {"role": role, "email": new_email(role), "issuer_id": other_id}
    assert_refused(api.call("POST", "/accounts", admin, body), 403)
    assert account_count(app) == before


@pytest.mark.parametrize("creator", ["reviewer", "earner"])
@pytest.mark.parametrize("role", ROLES)
def test_reviewers_and_earners_may_not_create_accounts(api, app, district, creator, role):
    issuer_id, admin = district
    token = api.account(creator, issuer_id, token=admin)
    before = account_count(app)
    body = {"role": role, "email": new_email(role), "issuer_id": issuer_id}
    assert_refused(api.call("POST", "/accounts", token, body), 403)
    assert account_count(app) == before


@pytest.mark.parametrize("role", sorted(ISSUER_ROLES))
@pytest.mark.parametrize("issuer", [{}, {"issuer_id": None}], ids=["omitted", "null"])
def test_issuer_role_without_issuer_answers_422_naming_issuer_id(api, app, role, issuer):
    before = account_count(app)
    body = {"role": role, "email": new_email(role), **issuer}
    refused = assert_refused(api.call("POST", "/accounts", api.ptsb, body), 422)
    assert set(refused["fields"]) == {"issuer_id"}
    assert account_count(app) == before


@pytest.mark.parametrize("role", sorted(ISSUER_ROLES))
def test_unknown_issuer_answers_404(api, app, role):
    before = account_count(app)
    body = {"role": role, "email": new_email(role), "issuer_id": 9999}
    assert_refused(api.call("POST", "/accounts", api.ptsb, body), 404)
    assert account_count(app) == before


@pytest.mark.parametrize(
    "email",
    [
        "not-an-email",
        "",
        "@example.org",
        "ada@",
        "ada@localhost",
        "ada @example.org",
        "ada@@example.org",
        "a" * 65 + "@example.org",
        "ada@" + "d" * 320 + ".org",
    ],
)
def test_bad_email_answers_422_naming_email(api, app, email):
    before = account_count(app)
    body = {"role": "earner", "email": email}
    refused = assert_refused(api.call("POST", "/accounts", api.ptsb, body), 422)
    assert set(refused["fields"]) == {"email"}
    assert account_count(app) == before


def test_unknown_role_answers_422_naming_role(api, app):
    before = account_count(app)
    body = {"role": "superuser", "email": new_email()}
    refused = assert_refused(api.call("POST", "/accounts", api.ptsb, body), 422)
    assert set(refused["fields"]) == {"role"}
    assert account_count(app) == before


# --- nobody obtains credentials for another person's account (issue 10) ---------------------


@pytest.mark.parametrize("creator", ["ptsb", "admin"])
def test_account_answer_carries_no_token_and_no_password_link(api, district, creator):
    issuer_id, admin = district
    token = api.ptsb if creator == "ptsb" else admin
    answer = api.ok("POST", "/accounts", token, {"role": "earner", "email": new_email()})
    assert answer["invited"] is True
    assert not {"token", "password_setup_url"} & set(answer), answer
    assert "/account/password" not in json.dumps(answer)


def test_invited_account_has_no_usable_token_until_its_owner_mints_one(api, app, district):
    email = new_email()
    answer = api.ok("POST", "/accounts", district[1], {"role": "earner", "email": email})
    session = app.extensions["issuer.services"].db.session()
    try:
        stored = session.execute(
            text("SELECT token_hash, password_hash FROM accounts WHERE id = :id"),
            {"id": answer["id"]},
        ).one()
    finally:
        session.close()
    assert stored.password_hash is None  # the invitation: a password link goes to the person
    assert stored.token_hash not in json.dumps(answer)


def test_admin_cannot_obtain_credentials_of_another_issuers_educator(api, app, district, other):
    educator = new_email("educator")
    api.ok("POST", "/accounts", other[1], {"role": "earner", "email": educator})
    set_password(api.client, api.password_link(educator))
    own = api.ok("POST", "/tokens", None, {"email": educator, "password": PASSWORD})
    before = every_stored_value(app, "accounts")
    refused = assert_refused(
        api.call("POST", "/accounts", district[1], {"role": "earner", "email": educator}), 409
    )
    assert refused["error"] == "account_exists"
    assert "token" not in refused and "password_setup_url" not in refused
    assert every_stored_value(app, "accounts") == before
    assert me(api, own["token"])["email"] == educator  # their own token still works


@pytest.mark.parametrize("case", ["same", "upper"])
def test_ptsb_creating_an_existing_email_answers_409_account_exists(api, app, case):
    email = new_email()
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": email})
    before = every_stored_value(app, "accounts")
    again = email.upper() if case == "upper" else email
    body = {"role": "ptsb", "email": again}
    assert assert_refused(api.call("POST", "/accounts", api.ptsb, body), 409)["error"] == (
        "account_exists"
    )
    assert every_stored_value(app, "accounts") == before


def test_cli_invite_prints_the_password_link_of_an_invited_account(api):
    email = new_email()
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": email})
    link = api.password_link(email)
    assert link.startswith("https://badges.test/account/password#token=")


# --- POST /api/v1/tokens: people mint their own ---------------------------------------------


def test_person_mints_their_own_token_with_email_and_password(api, district):
    email = new_email()
    created = api.ok("POST", "/accounts", district[1], {"role": "reviewer", "email": email})
    set_password(api.client, api.password_link(email))
    minted = api.ok("POST", "/tokens", None, {"email": email.upper(), "password": PASSWORD})
    assert (minted["id"], minted["role"]) == (created["id"], "reviewer")
    assert me(api, minted["token"])["account_id"] == created["id"]


def test_minting_a_token_replaces_the_previous_one(api):
    email = new_email()
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": email})
    set_password(api.client, api.password_link(email))
    first = api.ok("POST", "/tokens", None, {"email": email, "password": PASSWORD})["token"]
    second = api.ok("POST", "/tokens", None, {"email": email, "password": PASSWORD})["token"]
    assert me(api, second)["email"] == email
    assert assert_refused(api.call("GET", "/me", first), 401)["error"] == "invalid_token"


@pytest.mark.parametrize("password", ["wrong password!", ""])
def test_minting_with_a_wrong_password_answers_401_and_mints_nothing(api, app, password):
    email = new_email()
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": email})
    set_password(api.client, api.password_link(email))
    before = every_stored_value(app, "accounts")
    refused = api.call("POST", "/tokens", None, {"email": email, "password": password})
    expected = (401, "invalid_credentials") if password else (422, "invalid_fields")
    assert (refused.status_code, refused.get_json()["error"]) == expected
    assert every_stored_value(app, "accounts") == before


def test_invited_account_without_a_password_cannot_mint(api, app):
    email = new_email()
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": email})
    before = every_stored_value(app, "accounts")
    refused = api.call("POST", "/tokens", None, {"email": email, "password": "anything at all"})
    assert (refused.status_code, refused.get_json()["error"]) == (401, "invalid_credentials")
    assert every_stored_value(app, "accounts") == before


def test_minting_is_rate_limited_like_signing_in(api):
    email = new_email()
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": email})
    set_password(api.client, api.password_link(email))
    for _ in range(5):
        api.call("POST", "/tokens", None, {"email": email, "password": "wrong password!"})
    refused = api.call("POST", "/tokens", None, {"email": email, "password": PASSWORD})
    assert (refused.status_code, refused.get_json()["error"]) == (429, "rate_limited")
