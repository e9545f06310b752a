"""The facilitator's data tools (SPEC §8, Facilitator): roster imports (upload a CSV, see the dry
run's row problems before anything is written, then import), exports (the completions as CSV or
JSON, with their filters) and webhooks (subscribe, delete after a confirm step, the delivery log).

Between the dry run and the import the file travels in the confirm form itself, signed with the
service's SECRET_KEY and timestamped (itsdangerous): any worker can take the second step, nothing
sits in process memory, and the import is exactly the file that was checked. The import itself is
all or nothing and re-runs harmlessly (known educators and enrollments answer "existing").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from itertools import chain
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from issuer.api.imports import schema_checked
from issuer.domain import roster
from issuer.domain import webhooks as webhook_rules
from issuer.domain.spreadsheet import csv_records
from issuer.errors import (
    BadRequest,
    Conflict,
    PayloadTooLarge,
    RowsRejected,
    ValidationFailed,
)
from issuer.signing.sealing import SecretBox
from issuer.web import csrf, pages
from issuer.web.console import admin
from issuer.workflow import present
from issuer.workflow.awards import exports as completion_exports
from issuer.workflow.integrations import webhook_console
from issuer.workflow.integrations import webhooks as subscriptions
from issuer.workflow.learning import bulk_import

blueprint = Blueprint("console_integrations", __name__, template_folder="templates")

IMPORT_SALT = "console-roster-import"
IMPORT_MAX_AGE = 3600  # seconds between the dry run and the import
MAX_CARRIED = 450_000  # the signed file must fit a form field (Flask reads 500 kB at most)
FIELD_WORDS = {
    "email": "Email",
    "name": "Name",
    "license_number": "License number",
    "position": "Position",
    "program_id": "Program",
    "learning_method": "Learning method",
    "(row)": "The whole row",
}


@blueprint.before_request
def _protect_forms() -> None:
    csrf.protect()


# ---- Imports -------------------------------------------------------------------------------


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(pages.services().settings.secret_key, salt=IMPORT_SALT)


@blueprint.get("/console/imports")
def imports() -> Any:
    admin()
    return render_template(
        "console/imports.html", stage="upload", error=None, columns=roster.COLUMNS
    )


@blueprint.post("/console/imports/check")
def check_import() -> Any:
    """The dry run: every row checked through the import use case, then rolled back."""
    actor = admin()
    upload = request.files.get("roster")
    if upload is None or not upload.filename:
        return _upload_error("Choose the CSV file to check.")
    limit = pages.services().settings.max_upload_bytes
    data = upload.read(limit + 1)
    if len(data) > limit:
        return _upload_error(
            f"The file is larger than {limit // (1024 * 1024)} MiB; split it.", 413
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _upload_error(
            "The file is not UTF-8 text: export it from your platform as CSV UTF-8."
        )
    return _run(actor, text, dry_run=True, filename=upload.filename)


@blueprint.post("/console/imports/run")
def run_import() -> Any:
    """The import of the file the dry run checked (carried signed in the form)."""
    actor = admin()
    try:
        carried = _signer().loads(request.form.get("roster", ""), max_age=IMPORT_MAX_AGE)
    except SignatureExpired:
        return _upload_error("More than an hour passed since the check: upload the file again.")
    except BadSignature:
        return _upload_error("The checked file did not come back intact: upload it again.", 400)
    if carried.get("issuer") != actor.issuer_id:
        abort(403, "That file was checked for another issuer.")
    return _run(actor, carried["csv"], dry_run=False, filename=carried.get("filename", ""))


def _run(actor: Any, text: str, *, dry_run: bool, filename: str) -> Any:
    issuer_id = actor.issuer_id
    try:
        rows = schema_checked(roster.read_csv(text.encode("utf-8")))
        report = pages.write(
            actor,
            lambda ctx: bulk_import.import_roster(ctx, issuer_id, rows, dry_run=dry_run),
        )
    except RowsRejected as exc:
        problems = [
            {
                "line": p.get(roster.CSV_LINE),
                "field": FIELD_WORDS.get(str(p["field"]), str(p["field"])),
                "reason": p["reason"],
            }
            for p in exc.problems
        ]
        return render_template(
            "console/imports.html",
            stage="problems",
            error=exc.message,
            problems=problems,
            filename=filename,
            columns=roster.COLUMNS,
        ), 422
    except PayloadTooLarge as exc:
        return _upload_error(exc.message, 413)
    except ValidationFailed as exc:
        reasons = "; ".join(f"{f}: {why}" for f, why in exc.fields.items()) or exc.message
        return _upload_error(f"The file's columns are not usable ({reasons}).")
    except BadRequest as exc:
        return _upload_error(exc.message)
    token = None
    if dry_run:
        payload = {"issuer": issuer_id, "csv": text, "filename": filename}
        token = _signer().dumps(payload)
        if len(token) > MAX_CARRIED:
            return _upload_error(
                "The file has no problems but is too large to carry to the import step: "
                "split it into smaller files (or send it to the import API)."
            )
    else:
        flash(
            f"Imported {len(report.outcomes)} rows: "
            f"{report.count('earner', bulk_import.CREATED)} educators and "
            f"{report.count('enrollment', bulk_import.CREATED)} enrollments are new.",
            "success",
        )
    return render_template(
        "console/imports.html",
        stage="checked" if dry_run else "imported",
        error=None,
        report=present.import_report(report),
        token=token,
        filename=filename,
        columns=roster.COLUMNS,
    )


def _upload_error(message: str, status: int = 422) -> Any:
    return render_template(
        "console/imports.html", stage="upload", error=message, columns=roster.COLUMNS
    ), status


# ---- Exports -------------------------------------------------------------------------------


@blueprint.get("/console/exports")
def exports() -> Any:
    admin()
    return render_template("console/exports.html", errors={}, values={})


@blueprint.get("/console/exports/completions.<any(csv, json):fmt>")
def export_completions(fmt: str) -> Any:
    """The completions export (the API's ``GET /api/v1/exports/completions``) for the signed-in
    admin's issuer, awarded between the optional dates."""
    actor = admin()
    values = {k: request.args.get(k, "").strip() for k in ("from", "to")}
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name, value in values.items():
        try:
            days[name] = date.fromisoformat(value) if value else None
        except ValueError:
            errors[name] = "Enter the date as YYYY-MM-DD, for example 2026-09-01."
    scope = None
    if not errors:
        try:
            scope = pages.read(
                actor,
                lambda ctx: completion_exports.completion_filter(
                    ctx, actor.issuer_id, days["from"], days["to"]
                ),
            )
        except ValidationFailed:
            errors["from"] = "The first day must not be after the last day."
    if errors or scope is None:
        return render_template("console/exports.html", errors=errors, values=values), 422
    records = _stream(actor, lambda ctx: completion_exports.completion_records(ctx, scope))
    if fmt == "json":
        return Response(
            _json_items(records),
            mimetype="application/json",
            headers={"Content-Disposition": 'attachment; filename="completions.json"'},
        )
    rows = chain([completion_exports.COLUMNS], (record.values() for record in records))
    return Response(
        csv_records(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="completions.csv"'},
    )


def _stream(actor: Any, fn: Any) -> Iterator[Any]:
    """A reading use case run lazily as the response streams; its session lives until the end."""
    svc = pages.services()

    def generate() -> Iterator[Any]:
        db_session = svc.db.session()
        try:
            yield from fn(svc.context(db_session, actor))
        finally:
            db_session.close()

    return generate()


def _json_items(records: Iterator[completion_exports.CompletionRecord]) -> Iterator[str]:
    yield '{"items": ['
    for index, record in enumerate(records):
        yield ("," if index else "") + json.dumps(present.completion_record(record))
    yield "]}"


# ---- Webhooks ------------------------------------------------------------------------------

EVENT_WORDS = {
    webhook_rules.AWARD_ISSUED: "An award is issued",
    webhook_rules.AWARD_REVOKED: "An award is revoked",
    webhook_rules.PROGRAM_APPROVED: "A program is approved",
}


@blueprint.get("/console/webhooks")
def webhooks() -> Any:
    actor = admin()
    return _webhooks_page(actor, {}, {}, None, 200)


def _webhooks_page(
    actor: Any, form: dict[str, Any], errors: dict[str, str], created: Any, status: int
) -> Any:
    lines = pages.read(actor, webhook_console.webhooks_page)
    return render_template(
        "console/webhooks.html",
        lines=lines,
        form=form,
        errors=errors,
        created=created,
        event_words=EVENT_WORDS,
    ), status


@blueprint.post("/console/webhooks")
def subscribe() -> Any:
    """Register a receiver; the answer shows its signing secret, the only time it is shown
    (so this answer is a page, not a redirect; a re-post is refused as already subscribed)."""
    actor = admin()
    url = request.form.get("url", "").strip()
    events = request.form.getlist("event_types")
    description = request.form.get("description", "").strip() or None
    form = {"url": url, "event_types": events, "description": description or ""}
    errors: dict[str, str] = {}
    if not url:
        errors["url"] = "Enter the address that receives the events (https://…)."
    if not events:
        errors["event_types"] = "Choose at least one event."
    if description and len(description) > 200:
        errors["description"] = "Keep the description under 200 characters."
    if errors:
        return _webhooks_page(actor, form, errors, None, 422)
    settings = pages.services().settings
    box = SecretBox(settings.secret_key)
    try:
        created = pages.write(
            actor,
            lambda ctx: _created(
                webhook_console.subscribe_once(
                    ctx,
                    url,
                    events,
                    box,
                    description=description,
                    allow_private=settings.webhook_allow_private,
                )
            ),
        )
    except ValidationFailed as exc:
        for field, why in exc.fields.items():
            if field == "url":
                errors["url"] = f"The address {why}."
            else:
                errors["event_types"] = f"The events {why}."
        return _webhooks_page(actor, form, errors, None, 422)
    except Conflict as exc:
        if exc.code != "already_subscribed":
            raise
        flash(
            "A subscription already sends your events to this address; it was not added twice. "
            "Its secret was shown when it was made: delete it and subscribe again for a new one.",
            "info",
        )
        return redirect(url_for("console_integrations.webhooks"), code=303)
    return _webhooks_page(actor, {}, {}, created, 201)


def _created(new: subscriptions.NewSubscription) -> dict[str, Any]:
    return {"id": new.subscription.id, "url": new.subscription.url, "secret": new.secret}


@blueprint.route("/console/webhooks/<int:subscription_id>/delete", methods=["GET", "POST"])
def delete_webhook(subscription_id: int) -> Any:
    """GET asks first; the POST deletes (a deleted subscription stays deleted on a re-post)."""
    actor = admin()
    subscription = pages.read_or_abort(
        actor,
        lambda ctx: _summary(subscriptions.get_subscription(ctx, subscription_id)),
        missing="No such webhook subscription.",
        elsewhere="That subscription belongs to another issuer.",
    )
    if request.method == "GET":
        if not subscription["active"]:
            flash("This subscription was already deleted.", "info")
            return redirect(url_for("console_integrations.webhooks"), code=303)
        return render_template("console/webhook_delete.html", subscription=subscription)
    pages.write(actor, lambda ctx: subscriptions.delete_subscription(ctx, subscription_id))
    flash(
        f"The subscription to {subscription['url']} is deleted: nothing more is sent to it.",
        "success",
    )
    return redirect(url_for("console_integrations.webhooks"), code=303)


def _summary(subscription: Any) -> dict[str, Any]:
    return {
        "id": subscription.id,
        "url": subscription.url,
        "active": subscription.deleted_at is None,
    }
