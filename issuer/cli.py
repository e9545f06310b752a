"""Command-line adapters: `flask --app wsgi accounts|db|keys|webhooks|mail|wallets|publish|demo`
(and `outbox run`)."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn, TypeVar

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from issuer.domain import webhooks as rules
from issuer.domain.actors import SYSTEM
from issuer.domain.mail import MailState
from issuer.domain.states import Role
from issuer.errors import IssuerError
from issuer.public.static_origin import (
    answer_headers,
    render_nginx_config,
    standard_profiles,
    tree_profiles,
)
from issuer.runtime import Services
from issuer.workflow.accounts import accounts
from issuer.workflow.awards import keys, static_export
from issuer.workflow.awards.public_reads import StoredDocument
from issuer.workflow.context import Context
from issuer.workflow.integrations.webhooks import BUILT_IN
from issuer.workflow.operations.readiness import active_key_problems

T = TypeVar("T")

accounts_cli = AppGroup("accounts", help="Manage accounts and their API tokens.")
db_cli = AppGroup("db", help="Database schema.")
keys_cli = AppGroup("keys", help="Signing keys.")
outbox_cli = AppGroup("outbox", help="The former name of the webhooks runner.")
webhooks_cli = AppGroup("webhooks", help="Signed webhooks: delivery, log, replay, secrets.")
mail_cli = AppGroup("mail", help="Email to people: delivery, log, bounced addresses, reminders.")
wallets_cli = AppGroup("wallets", help="Wallet offers and exchanges (OpenID4VCI, VC-API).")


class IsoTime(click.ParamType):
    """An ISO 8601 time such as 2026-03-01, 2026-03-01T12:00 or 2026-03-01T12:00:00.5+01:00;
    without a zone it is UTC."""

    name = "time"

    def convert(self, value: object, param: click.Parameter | None, ctx: object) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 time", param, None)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


def _as_system(fn: Callable[[Context], T]) -> T:
    svc = _services()
    try:
        with svc.db.transaction() as session:
            return fn(svc.context(session, SYSTEM))
    except IssuerError as exc:
        _fail(exc)


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
    from issuer.workflow.accounts import signin

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
    from issuer.workflow.storage import prepare_storage

    prepare_storage(_services())
    click.echo("database is at the newest revision")


@keys_cli.command("rotate")
@click.option(
    "--issuer",
    "issuer_id",
    type=int,
    default=None,
    help="The issuer whose keys to rotate; without it, every issuer whose active key file is "
    "missing or does not open (the recovery after losing KEYS_DIR).",
)
def rotate(issuer_id: int | None) -> None:
    """Make new signing keys for an issuer; the old ones stay published for old badges."""
    if issuer_id is None:
        svc = _services()
        check = current_app.extensions["issuer.key_check"]
        lost = sorted({p.issuer_id for p in active_key_problems(svc.db, check)})
        if not lost:
            click.echo(json.dumps({"rotated": [], "message": "every active key file opens"}))
            return
        rotated = []
        for each in lost:
            created = _as_system(lambda ctx, each=each: [k.id for k in keys.rotate_keys(ctx, each)])
            rotated.append({"issuer_id": each, "keys": created})
        click.echo(json.dumps({"rotated": rotated}))
        return
    created = _as_system(lambda ctx: [k.id for k in keys.rotate_keys(ctx, issuer_id)])
    click.echo(json.dumps({"issuer_id": issuer_id, "keys": created}))


@webhooks_cli.command("run")
@click.option("--once", is_flag=True, help="One pass, then exit.")
@click.option(
    "--interval", type=float, default=5.0, show_default=True, help="Seconds between passes."
)
def webhooks_run(once: bool, interval: float) -> None:
    """Deliver webhooks (subscribers and PTSB_WEBHOOK_URL); safe in several processes at once."""
    import time

    from issuer.workflow.integrations.delivery import deliver_due

    svc = _services()
    if not svc.settings.ptsb_webhook_url:
        click.echo("PTSB_WEBHOOK_URL is not set: PTSB's events wait in the outbox.", err=True)
    worker = _worker_name()
    while True:
        run = deliver_due(svc, worker)
        click.echo(json.dumps({"delivered": run.delivered, "failed": run.failed}))
        if once:
            return
        time.sleep(interval)


@outbox_cli.command("run")
@click.option("--once", is_flag=True, help="One pass, then exit.")
@click.option(
    "--interval", type=float, default=5.0, show_default=True, help="Seconds between passes."
)
@click.pass_context
def outbox_run(context: click.Context, once: bool, interval: float) -> None:
    """The former name of `webhooks run` (PTSB notices are award.issued webhooks now)."""
    context.invoke(webhooks_run, once=once, interval=interval)


@webhooks_cli.command("replay")
@click.option("--id", "event_id", default=None, help="The webhook-id (msg_...) of one event.")
@click.option(
    "--subscription",
    default=None,
    help="A subscription id, or 'ptsb' for PTSB_WEBHOOK_URL; without it, --id goes to all.",
)
@click.option("--since", type=IsoTime(), default=None, help="Events at or after (ISO 8601; UTC).")
@click.option("--until", type=IsoTime(), default=None, help="Events at or before (ISO 8601; UTC).")
def webhooks_replay(
    event_id: str | None,
    subscription: str | None,
    since: datetime | None,
    until: datetime | None,
) -> None:
    """Send deliveries again now with the SAME webhook-id, so receivers de-duplicate them."""
    from issuer.workflow.integrations import delivery

    subscription_id, built_in = _subscriber(subscription)
    try:
        ids, run = delivery.replay(
            _services(),
            _worker_name(),
            event_id=event_id,
            subscription_id=subscription_id,
            built_in=built_in,
            since=since,
            until=until,
        )
    except IssuerError as exc:
        _fail(exc)
    click.echo(json.dumps({"replayed": len(ids), "delivered": run.delivered, "failed": run.failed}))


@webhooks_cli.command("deliveries")
@click.option("--subscription", default="ptsb", show_default=True, help="An id, or 'ptsb'.")
@click.option("--state", type=click.Choice(rules.DELIVERY_STATES), default=None)
@click.option("--id", "event_id", default=None, help="One event's webhook-id.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
def webhooks_deliveries(
    subscription: str, state: str | None, event_id: str | None, limit: int
) -> None:
    """The delivery log, newest first: one JSON object per delivery, with every attempt."""
    from issuer.workflow import present
    from issuer.workflow.integrations import webhooks

    subscription_id, _ = _subscriber(subscription)
    svc = _services()
    with svc.db.session() as session:
        try:
            records = webhooks.list_deliveries(
                svc.context(session, SYSTEM),
                subscription_id,
                state=state,
                event_id=event_id,
                limit=limit,
            )
        except IssuerError as exc:
            _fail(exc)
        for record in records:
            click.echo(json.dumps(present.webhook_delivery(record)))


@webhooks_cli.command("secret")
def webhooks_secret() -> None:
    """Print a fresh whsec_ signing secret (for PTSB_WEBHOOK_SECRET)."""
    import secrets

    click.echo(rules.secret_from_bytes(secrets.token_bytes(rules.SECRET_BYTES)))


@mail_cli.command("run")
@click.option("--once", is_flag=True, help="One pass (and the reminder finder), then exit.")
@click.option(
    "--interval", type=float, default=5.0, show_default=True, help="Seconds between passes."
)
def mail_run(once: bool, interval: float) -> None:
    """Deliver the outbox over SMTP (or into instance/mail/ without SMTP_HOST); safe in several
    processes at once. Expiry reminders are looked for on start and then once a day."""
    import time

    from issuer.mail.transport import transport_for
    from issuer.workflow.integrations.mail_delivery import deliver_due

    svc = _services()
    transport = transport_for(svc.settings)
    click.echo(f"mail goes to {transport.describe()}", err=True)
    worker = _worker_name()
    looked_for_reminders = 0.0
    while True:
        if time.monotonic() - looked_for_reminders >= 24 * 3600 or looked_for_reminders == 0.0:
            looked_for_reminders = time.monotonic()
            _queue_reminders()
        run = deliver_due(svc, worker, transport)
        click.echo(json.dumps({"sent": run.sent, "retried": run.retried, "failed": run.failed}))
        if once:
            return
        time.sleep(interval)


@mail_cli.command("remind")
def mail_remind() -> None:
    """Queue expiry reminders for awards expiring within 30 days (once per award)."""
    click.echo(json.dumps({"queued": _queue_reminders()}))


def _queue_reminders() -> int:
    from issuer.workflow.integrations.mail_reminders import queue_expiry_reminders

    return _as_system(queue_expiry_reminders)


@mail_cli.command("log")
@click.option("--state", type=click.Choice([s.value for s in MailState]), default=None)
@click.option("--to", "to", default=None, help="One recipient address.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
def mail_log(state: str | None, to: str | None, limit: int) -> None:
    """The delivery log, newest first: one JSON object per message with every attempt."""
    from issuer.workflow.integrations import mail_delivery

    svc = _services()
    with svc.db.session() as session:
        found = mail_delivery.list_messages(
            svc.context(session, SYSTEM), state=state, to=to, limit=limit
        )
        for record in found.items:
            click.echo(json.dumps(mail_delivery.message_entry(record)))


@mail_cli.command("unsuppress")
@click.option("--email", required=True, help="The address that bounced.")
def mail_unsuppress(email: str) -> None:
    """Mail an address that bounced permanently again."""
    from issuer.workflow.integrations import mail_delivery

    cleared = _as_system(lambda ctx: mail_delivery.clear_suppression(ctx, email))
    click.echo(json.dumps({"cleared": cleared.address}))


def _subscriber(value: str | None) -> tuple[int | None, bool]:
    """``ptsb`` is the built-in subscriber; anything else a subscription id."""
    if value is None:
        return None, False
    if value == BUILT_IN:
        return None, True
    if not value.isdigit():
        raise click.BadParameter("a subscription id or 'ptsb'", param_hint="--subscription")
    return int(value), False


def _worker_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def _fail(exc: IssuerError) -> NoReturn:
    click.echo(json.dumps({"error": exc.code, "message": exc.message}), err=True)
    sys.exit(1)


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
def demo(as_json: bool) -> None:
    """Seed a realistic demo: PTSB, a district, four programs, a stack, educators at every stage."""
    from issuer.workflow.demo import seed_demo

    secret = _services().settings.secret_key
    summary = _as_system(lambda ctx: seed_demo(ctx, secret))
    summary["mail"] = _deliver_now()
    click.echo(json.dumps(summary, indent=2) if as_json else _demo_text(summary))


def _deliver_now() -> dict[str, object]:
    """Send what is pending once with the configured transport (the .eml folder by default),
    so the demo's messages can be opened; what fails waits for `mail run`."""
    from issuer.mail.transport import transport_for
    from issuer.workflow.integrations.mail_delivery import deliver_due

    svc = _services()
    transport = transport_for(svc.settings)
    worker, sent, waiting = _worker_name(), 0, 0
    while True:
        run = deliver_due(svc, worker, transport)
        sent, waiting = sent + run.sent, waiting + run.retried
        if run.sent + run.retried + run.failed == 0 or run.retried:
            break
    files = not svc.settings.smtp_host
    return {"sent": sent, "waiting": waiting, "to": transport.describe(), "files": files}


def _demo_text(summary: dict) -> str:
    """The demo summary in words: whose token is whose, what to open, and the BASE_URL caveat."""
    base = summary["base_url"]
    lines = [
        "The demo district is already seeded; here are fresh tokens and links."
        if summary["already_seeded"]
        else f"Seeded the demo district (issuer {summary['issuer_id']}).",
        "",
        f"Every published document (badges, keys, status lists) carries BASE_URL = {base}",
        "as its id. Serve the service at exactly that address (`flask --app wsgi run` uses",
        "http://localhost:5000); to use another host or port, set BASE_URL before the first",
        "start or the demo: documents already issued keep the old address, so their links break.",
        "",
        "People (API token: use as `Authorization: Bearer <token>`; password link: opens the",
        "page that sets the person's password, valid once, for signing in at " + f"{base}/login):",
    ]
    for person in summary["people"]:
        lines.append(f"- {person['who']} <{person['email']}> ({person['role']})")
        if "token" in person:
            lines.append(f"    API token:     {person['token']}")
        lines.append(f"    password link: {person['password_link']}")
    lines += ["", "Awards of Maria Alvarez to open (verification page, certificate):"]
    for award in summary["awards"]:
        lines.append(f"- {award['badge']}: {award['verify_url']}")
        lines.append(f"    certificate: {award['certificate_pdf']}")
    lines += [
        "",
        f"Pages: {base}/login, {base}/portfolio (after signing in), {base}/verify",
        f"API:   {base}/api/openapi.json, e.g. curl -H 'Authorization: Bearer <token>' "
        f"{base}/api/v1/ptsb/notices",
        "",
        f"Mail: {summary['mail']['sent']} message(s) delivered to {summary['mail']['to']}"
        + (
            f"; {summary['mail']['waiting']} wait for `mail run`"
            if summary["mail"]["waiting"]
            else ""
        )
        + (" (open the .eml files in a mail client)." if summary["mail"]["files"] else "."),
    ]
    return "\n".join(lines)


@wallets_cli.command("prune")
def wallets_prune() -> None:
    """Delete expired or used wallet offers, access tokens, nonces and exchanges."""
    from issuer.workflow.awards import wallet_offers

    pruned = _as_system(wallet_offers.prune)
    click.echo(
        f"pruned {pruned.offers} offer(s), {pruned.access_tokens} access token(s), "
        f"{pruned.nonces} nonce(s), {pruned.exchanges} exchange(s)"
    )


@click.command("evidence-sweep")
@click.option("--hours", default=24.0, show_default=True, help="leave files younger than this")
@with_appcontext
def evidence_sweep(hours: float) -> None:
    """Remove evidence files no submission points to (left by a crash before the commit)."""
    import time

    from issuer.workflow.learning import evidence

    svc = _services()
    removed = evidence.sweep_orphans(svc.db, svc.uploads, time.time() - hours * 3600)
    click.echo(f"removed {removed} orphaned evidence file(s)")


def init_app(app: Flask) -> None:
    groups = (
        accounts_cli,
        db_cli,
        keys_cli,
        webhooks_cli,
        outbox_cli,
        mail_cli,
        wallets_cli,
        publish_cli,
    )
    for group in groups:
        app.cli.add_command(group)
    app.cli.add_command(demo)
    app.cli.add_command(evidence_sweep)


publish_cli = AppGroup(
    "publish", help="The static origin: public documents exported for nginx, a CDN or a bucket."
)


def _answer_headers() -> Callable[[StoredDocument], dict[str, list[tuple[str, str]]]]:
    https = _services().settings.base_url.startswith("https://")
    return lambda document: answer_headers(document, https=https)


@publish_cli.command("export")
@click.argument("root", type=click.Path(file_okay=False, path_type=Path))
@click.option("--follow", is_flag=True, help="Keep the tree current from the change feed.")
@click.option(
    "--interval", type=float, default=1.0, show_default=True, help="Seconds between feed polls."
)
def publish_export(root: Path, follow: bool, interval: float) -> None:
    """Write every public document into ROOT (only what changed); with --follow, keep it so."""
    svc = _services()
    if not follow:
        report = static_export.export_tree(svc.db, root, _answer_headers())
        click.echo(json.dumps(dataclasses.asdict(report)))
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    follower = static_export.Follower(svc.db, root, _answer_headers())
    click.echo(f"following the publication feed into {root} every {interval}s", err=True)
    static_export.follow(follower, interval, stop=lambda: False)


@publish_cli.command("nginx-config")
@click.option(
    "--root",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The exported tree.",
)
@click.option("--app-upstream", default="127.0.0.1:8000", show_default=True)
@click.option("--listen", default="80", show_default=True, help="nginx's listen parameters.")
@click.option("--server-name", default="_", show_default=True)
def publish_nginx_config(root: Path, app_upstream: str, listen: str, server_name: str) -> None:
    """Print the nginx configuration (an http-block include) serving ROOT as the app would."""
    https = _services().settings.base_url.startswith("https://")
    profiles = {**standard_profiles(https=https), **tree_profiles(root)}
    click.echo(
        render_nginx_config(root, app_upstream, profiles, listen=listen, server_name=server_name),
        nl=False,
    )
