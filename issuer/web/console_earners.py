"""The facilitator's educators (SPEC §8, Facilitator, Earners): search by name, email or license
number; add an educator (an email already known answers the existing record, SPEC §5); the
educator's page with enrollments (switch learning method, withdraw after a confirm step), awards,
prior training (record it), "Invite to sign in", and enrolment in one of the issuer's programs.

Signed-in ``issuer_admin`` only; CSRF on every form; post/redirect/get; a re-posted form does
not do the work twice (the workflow refuses it or answers what exists, the page says so)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from issuer.domain.actors import Actor
from issuer.domain.states import Role
from issuer.errors import Conflict, Forbidden, IssuerError, NotFound, ValidationFailed
from issuer.web import csrf, pages
from issuer.web.console import PAGE_SIZE, admin, offset_arg
from issuer.workflow import lists
from issuer.workflow.accounts import invitations
from issuer.workflow.learning import earner_record, earners, enrollments

blueprint = Blueprint("console_earners", __name__, template_folder="templates")

FIELD_LIMITS = {"name": 200, "email": 320, "license_number": 64, "position": 100}


@blueprint.before_request
def _protect_forms() -> None:
    csrf.protect()


def _to_earner(earner_id: int) -> Any:
    return redirect(url_for("console_earners.earner", earner_id=earner_id), code=303)


def _record(actor: Actor, earner_id: int) -> earner_record.EarnerRecord:
    return pages.read_or_abort(
        actor,
        lambda ctx: earner_record.earner_record(ctx, earner_id),
        missing="No such educator.",
        elsewhere="That educator is not one of your issuer's.",
    )


# ---- Search --------------------------------------------------------------------------------


@blueprint.get("/console/earners")
def search() -> Any:
    actor = admin()
    q = request.args.get("q", "")
    offset = offset_arg()
    error = None
    try:
        found = pages.read(
            actor, lambda ctx: lists.list_earners(ctx, q, limit=PAGE_SIZE, offset=offset)
        )
    except ValidationFailed as exc:
        found, error = lists.Page([], 0), exc.fields.get("q", exc.message)
    return render_template(
        "console/earners.html", found=found, q=q, offset=offset, limit=PAGE_SIZE, error=error
    ), (422 if error else 200)


# ---- Add an educator -----------------------------------------------------------------------


@blueprint.route("/console/earners/new", methods=["GET", "POST"])
def add() -> Any:
    actor = admin()
    if request.method == "GET":
        return render_template("console/earner_new.html", form={}, errors={})
    form = {k: request.form.get(k, "").strip() for k in FIELD_LIMITS}
    errors = _earner_problems(form)
    if not errors:
        try:
            earner_id, created = pages.write(
                actor,
                lambda ctx: _register(ctx, form),
            )
        except ValidationFailed as exc:
            errors = {f: f"The {f.replace('_', ' ')} {why}." for f, why in exc.fields.items()}
    if errors:
        return render_template("console/earner_new.html", form=form, errors=errors), 422
    if created:
        flash(f"{form['name']} is added to your educators.", "success")
    else:
        flash(
            "An educator with this email is already registered: this is their record, unchanged "
            "(only PTSB or the educator change a name or license number).",
            "info",
        )
    return _to_earner(earner_id)


def _register(ctx: Any, form: dict[str, str]) -> tuple[int, bool]:
    earner, created = earners.register_earner(
        ctx,
        name=form["name"],
        email=form["email"],
        license_number=form["license_number"] or None,
        position=form["position"] or None,
    )
    return earner.id, created


def _earner_problems(form: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not form["name"]:
        errors["name"] = "Enter the educator's name."
    if not form["email"]:
        errors["email"] = "Enter the educator's email address."
    for name, limit in FIELD_LIMITS.items():
        value = form[name]
        if name not in errors and len(value) > limit:
            errors[name] = f"Keep it under {limit} characters."
        elif name not in errors and any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            errors[name] = "It contains control characters; type it again."
    return errors


# ---- The educator's page -------------------------------------------------------------------


@blueprint.get("/console/earners/<int:earner_id>")
def earner(earner_id: int) -> Any:
    actor = admin()
    return render_template(
        "console/earner.html", record=_record(actor, earner_id), training_error=None
    )


@blueprint.post("/console/earners/<int:earner_id>/invite")
def invite(earner_id: int) -> Any:
    """Send the educator the invitation email (a one-time link to set their password)."""
    actor = admin()
    record = _record(actor, earner_id)
    try:
        pages.write(actor, lambda ctx: invitations.invite_person(ctx, Role.EARNER, record.email))
    except Conflict as exc:
        if exc.code != "account_exists":
            raise
        flash(
            f"{record.name} already has an account: they sign in with {record.email} "
            '("Forgot password" on the sign-in page sends them a new link).',
            "info",
        )
        return _to_earner(earner_id)
    flash(f"An invitation to sign in is on its way to {record.email}.", "success")
    return _to_earner(earner_id)


@blueprint.post("/console/earners/<int:earner_id>/prior-training")
def prior_training(earner_id: int) -> Any:
    actor = admin()
    record = _record(actor, earner_id)
    description = request.form.get("description", "").strip()
    error = None
    if not description:
        error = "Describe the verified prior training (what, where, when)."
    elif len(description) > earner_record.MAX_PRIOR_TRAINING:
        error = f"Keep it under {earner_record.MAX_PRIOR_TRAINING:,} characters."
    elif any(ord(ch) < 32 and ch not in "\n\r\t" for ch in description):
        error = "It contains control characters; type it again."
    if error:
        return render_template(
            "console/earner.html", record=record, training_error=error, description=description
        ), 422
    made = pages.write(
        actor, lambda ctx: earner_record.record_prior_training_once(ctx, earner_id, description)
    )
    flash(
        "The prior training is recorded: programs that allow it now offer the prior-training path."
        if made
        else "This prior training was already recorded; it was not added twice.",
        "success" if made else "info",
    )
    return _to_earner(earner_id)


@blueprint.post("/console/earners/<int:earner_id>/enrollments")
def enrol(earner_id: int) -> Any:
    actor = admin()
    _record(actor, earner_id)
    program_id = request.form.get("program_id", "")
    method = request.form.get("learning_method", "")
    if not (program_id.isascii() and program_id.isdigit() and len(program_id) < 10):
        flash("Choose a program to enrol the educator in.", "error")
        return _to_earner(earner_id)
    try:
        pages.write(actor, lambda ctx: enrollments.enrol(ctx, int(program_id), method, earner_id))
    except Conflict as exc:
        if exc.code == "already_enrolled":
            flash("The educator is already enrolled in this program; nothing changed.", "info")
        else:
            flash(f"The educator was not enrolled: {exc.message}", "error")
        return _to_earner(earner_id)
    except ValidationFailed as exc:
        why = exc.fields.get("learning_method") or exc.message
        flash(f"The educator was not enrolled: the learning method — {why}.", "error")
        return _to_earner(earner_id)
    except (NotFound, Forbidden):
        flash("The educator was not enrolled: that program is not one of yours.", "error")
        return _to_earner(earner_id)
    flash("The educator is enrolled and receives the program's next steps by email.", "success")
    return _to_earner(earner_id)


def _enrollment_of(record: earner_record.EarnerRecord, enrollment_id: int) -> Any:
    found = next((e for e in record.enrollments if e.id == enrollment_id), None)
    if found is None:
        abort(404, "No such enrollment of this educator in your programs.")
    return found


@blueprint.post("/console/earners/<int:earner_id>/enrollments/<int:enrollment_id>/method")
def switch_method(earner_id: int, enrollment_id: int) -> Any:
    actor = admin()
    _enrollment_of(_record(actor, earner_id), enrollment_id)
    method = request.form.get("learning_method", "")
    try:
        pages.write(actor, lambda ctx: enrollments.switch_method(ctx, enrollment_id, method))
    except (Conflict, ValidationFailed) as exc:
        flash(f"The learning method was not changed: {exc.message}", "error")
        return _to_earner(earner_id)
    flash("The learning method is changed.", "success")
    return _to_earner(earner_id)


@blueprint.route(
    "/console/earners/<int:earner_id>/enrollments/<int:enrollment_id>/withdraw",
    methods=["GET", "POST"],
)
def withdraw(earner_id: int, enrollment_id: int) -> Any:
    """GET asks first; only the confirm form's POST withdraws."""
    actor = admin()
    record = _record(actor, earner_id)
    line = _enrollment_of(record, enrollment_id)
    if request.method == "GET":
        return render_template("console/withdraw.html", record=record, line=line)
    try:
        pages.write(actor, lambda ctx: enrollments.withdraw(ctx, enrollment_id))
    except IssuerError as exc:
        if not isinstance(exc, Conflict):
            raise
        flash("This enrollment cannot be withdrawn now (already withdrawn or completed).", "info")
        return _to_earner(earner_id)
    flash(
        f"{record.name} is withdrawn from {line.program_name}. Their submissions stay on record.",
        "info",
    )
    return _to_earner(earner_id)
