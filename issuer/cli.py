"""Command-line adapters: `flask --app wsgi accounts create|db upgrade|keys rotate|outbox run|demo`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TypeVar

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from issuer.domain.actors import SYSTEM
from issuer.domain.states import Role
from issuer.errors import IssuerError
from issuer.runtime import Services
from issuer.workflow import accounts, keys
from issuer.workflow.context import Context

T = TypeVar("T")

accounts_cli = AppGroup("accounts", help="Manage accounts and their API tokens.")
db_cli = AppGroup("db", help="Database schema.")
keys_cli = AppGroup("keys", help="Signing keys.")
outbox_cli = AppGroup("outbox", help="PTSB notice delivery.")


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


def _as_system(fn: Callable[[Context], T]) -> T:
    svc = _services()
    try:
        with svc.db.transaction() as session:
            return fn(svc.context(session, SYSTEM))
    except IssuerError as exc:
        click.echo(json.dumps({"error": exc.code, "message": exc.message}), err=True)
        sys.exit(1)


@accounts_cli.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", required=True)
@click.option(
    "--issuer", "issuer_id", type=int, default=None, help="Issuer id (issuer_admin, reviewer)."
)
@click.option("--json", "as_json", is_flag=True, help='Print {"id": ..., "token": ...}.')
def create_account(role: str, email: str, issuer_id: int | None, as_json: bool) -> None:
    """Create an account; its token is printed once and stored only as a hash."""
    account, token = _as_system(
        lambda ctx: accounts.create_account(ctx, Role(role), email, issuer_id)
    )
    if as_json:
        click.echo(json.dumps({"id": account.id, "token": token}))
    else:
        click.echo(f"account {account.id} ({role}, {account.email})\ntoken: {token}")


@accounts_cli.command("invite")
@click.option("--email", required=True)
def invite(email: str) -> None:
    """Print a one-time link with which the account's owner sets a web password (valid 7 days)."""
    from issuer.workflow import signin

    svc = _services()
    with svc.db.session() as session:
        account = accounts.find_by_email(session, email)
        if account is None:
            click.echo(json.dumps({"error": "account_not_found", "message": email}), err=True)
            sys.exit(1)
        click.echo(
            svc.urls.password_setup(signin.password_setup_token(account, svc.settings.secret_key))
        )


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema to the newest migration (also done on start)."""
    from issuer.app import prepare_storage

    prepare_storage(_services())
    click.echo("database is at the newest revision")


@keys_cli.command("rotate")
@click.option("--issuer", "issuer_id", type=int, required=True)
def rotate(issuer_id: int) -> None:
    """Make new signing keys for an issuer; the old ones stay published for old badges."""
    created = _as_system(lambda ctx: [k.id for k in keys.rotate_keys(ctx, issuer_id)])
    click.echo(json.dumps({"issuer_id": issuer_id, "keys": created}))


@outbox_cli.command("run")
@click.option("--once", is_flag=True, help="One pass, then exit.")
@click.option(
    "--interval", type=float, default=5.0, show_default=True, help="Seconds between passes."
)
def outbox_run(once: bool, interval: float) -> None:
    """Deliver PTSB notices to PTSB_WEBHOOK_URL; safe to run in several processes at once."""
    import os
    import socket
    import time

    from issuer.workflow.delivery import deliver_due

    svc = _services()
    if not svc.settings.ptsb_webhook_url:
        click.echo("PTSB_WEBHOOK_URL is not set: notices wait in the outbox for the API.", err=True)
        sys.exit(1)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    while True:
        run = deliver_due(svc, worker)
        click.echo(json.dumps({"delivered": run.delivered, "failed": run.failed}))
        if once:
            return
        time.sleep(interval)


@click.command("demo")
def demo() -> None:
    """Seed a realistic demo: PTSB, a district, five programs, a stack, educators at every stage."""
    from issuer.workflow.demo import seed_demo

    summary = _as_system(seed_demo)
    click.echo(json.dumps(summary, indent=2))


def init_app(app: Flask) -> None:
    for group in (accounts_cli, db_cli, keys_cli, outbox_cli):
        app.cli.add_command(group)
    app.cli.add_command(demo)
