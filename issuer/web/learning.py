"""The educator's pages (SPEC §8, Educator): "My learning", enrol from the spec sheet, one
enrollment (switch method, withdraw after a confirm step, the performance task and its feedback),
and the account page (change password, email preferences). Signed-in ``earner`` only: others get
the 403 page. Forms are CSRF-protected and post/redirect/get; a re-posted form never does the work
twice (the workflow refuses it, and the page says so kindly)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from issuer.domain.actors import Actor
from issuer.domain.states import Role
from issuer.errors import (
    Conflict,
    Forbidden,
    IssuerError,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)
from issuer.evidence import Upload
from issuer.web import csrf, pages
from issuer.web.session import keep_after_password_change
from issuer.workflow.accounts import email_preferences, signin
from issuer.workflow.learning import enrollments, evidence, my_learning, reviews

blueprint = Blueprint("learning", __name__, template_folder="templates")
T = TypeVar("T")
MAX_NARRATIVE = 50_000  # as the API's submission_create schema
MAX_LINK = 2000
LINK_FIELDS = 3  # evidence link inputs the form offers


@blueprint.before_request
def _protect_forms() -> None:
    csrf.protect()


def _educator() -> Actor:
    """The signed-in educator; anyone else is turned away (sign in first, or 403)."""
    return pages.signed_in_as(Role.EARNER, refusal="These pages are for educators.")


_read = pages.read
_write = pages.write


def _to_enrollment(enrollment_id: int) -> Any:
    return redirect(url_for("learning.enrollment", enrollment_id=enrollment_id), code=303)


# ---- My learning ---------------------------------------------------------------------------


@blueprint.get("/learning")
def my_learning_page() -> Any:
    actor = _educator()
    try:
        lines = _read(actor, my_learning.my_enrollments)
    except NotFound:
        lines = []
    current = next((line for line in lines if line.in_progress), None)
    return render_template(
        "learning/my_learning.html", lines=lines, current=current, process=my_learning.PROCESS
    )


@blueprint.post("/learning/enrol/<int:program_id>")
def enrol(program_id: int) -> Any:
    actor = _educator()
    method = request.form.get("learning_method", "")
    try:
        created = _write(actor, lambda ctx: enrollments.enrol(ctx, program_id, method).id)
    except Conflict as exc:
        if exc.code == "already_enrolled":  # a re-posted form, or enrolled before
            existing = _read(
                actor, lambda ctx: my_learning.own_active_enrollment_id(ctx, program_id)
            )
            flash("You are already enrolled in this program.", "info")
            if existing is not None:
                return _to_enrollment(existing)
            return redirect(url_for("learning.my_learning_page"), code=303)
        if exc.code == "prerequisites_missing":
            missing = _read(actor, lambda ctx: my_learning.missing_for_me(ctx, program_id))
            return render_template(
                "learning/enrol_refused.html", message=exc.message, missing=missing
            ), 409
        return _refused(exc, 409)
    except ValidationFailed as exc:
        return _refused(exc, 422)
    except NotFound as exc:
        return _refused(exc, 404)
    flash("You are enrolled. Your next step: submit your performance task.", "success")
    return _to_enrollment(created)


def _refused(exc: IssuerError, status: int) -> Any:
    return render_template("learning/enrol_refused.html", message=exc.message, missing=[]), status


# ---- One enrollment ------------------------------------------------------------------------


def _page(actor: Actor, enrollment_id: int) -> my_learning.EnrollmentPage:
    try:
        return _read(actor, lambda ctx: my_learning.enrollment_page(ctx, enrollment_id))
    except NotFound:
        abort(404, "No such enrollment.")
    except Forbidden:
        abort(403, "That is another educator's enrollment.")


@blueprint.get("/learning/enrollments/<int:enrollment_id>")
def enrollment(enrollment_id: int) -> Any:
    actor = _educator()
    page = _page(actor, enrollment_id)
    return render_template(
        "learning/enrollment.html",
        page=page,
        process=my_learning.PROCESS,
        form=SubmissionForm.empty(),
        link_fields=LINK_FIELDS,
    )


@blueprint.post("/learning/enrollments/<int:enrollment_id>/method")
def switch_method(enrollment_id: int) -> Any:
    actor = _educator()
    method = request.form.get("learning_method", "")
    try:
        _write(actor, lambda ctx: enrollments.switch_method(ctx, enrollment_id, method))
    except (Conflict, ValidationFailed) as exc:
        flash(f"The learning method was not changed: {exc.message}", "error")
        return _to_enrollment(enrollment_id)
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)
    flash("Your learning method is changed.", "success")
    return _to_enrollment(enrollment_id)


@blueprint.route("/learning/enrollments/<int:enrollment_id>/withdraw", methods=["GET", "POST"])
def withdraw(enrollment_id: int) -> Any:
    """GET asks first ("Withdraw from X?"); only the confirm form's POST withdraws."""
    actor = _educator()
    page = _page(actor, enrollment_id)
    if request.method == "GET":
        return render_template("learning/withdraw.html", page=page)
    if request.form.get("confirm") != "yes":
        return render_template("learning/withdraw.html", page=page), 400
    try:
        _write(actor, lambda ctx: enrollments.withdraw(ctx, enrollment_id))
    except Conflict:  # already withdrawn (a re-post) or finished
        flash("This enrollment cannot be withdrawn now.", "info")
        return _to_enrollment(enrollment_id)
    flash(f"You withdrew from {page.line.program_name}. Your submissions stay on record.", "info")
    return redirect(url_for("learning.my_learning_page"), code=303)


@dataclass(frozen=True)
class SubmissionForm:
    """The performance task form as posted, with what is wrong with it."""

    narrative: str
    links: list[str]
    errors: dict[str, str]

    @classmethod
    def empty(cls) -> SubmissionForm:
        return cls("", [], {})

    @classmethod
    def from_request(cls) -> SubmissionForm:
        narrative = request.form.get("narrative", "").strip()
        links = [u.strip() for u in request.form.getlist("evidence_url") if u.strip()]
        errors: dict[str, str] = {}
        if not narrative:
            errors["narrative"] = "Write the narrative of your performance task."
        elif len(narrative) > MAX_NARRATIVE:
            errors["narrative"] = f"Keep the narrative under {MAX_NARRATIVE:,} characters."
        bad = [u for u in links if not u.startswith(("http://", "https://")) or len(u) > MAX_LINK]
        if bad:
            errors["evidence_url"] = "Each evidence link starts with https:// (or http://)."
        return cls(narrative, links, errors)


def evidence_uploads() -> list[Upload]:
    """The evidence files the form posted (empty file inputs left out)."""
    return [
        Upload(f.filename, f.stream) for f in request.files.getlist("files") if f and f.filename
    ]


def _submit_task(actor: Actor, enrollment_id: int, form: SubmissionForm) -> None:
    """Store the files (checked by content and size), then record the attempt with them in one
    transaction; stored bytes without a committed row are removed if anything fails."""
    svc = pages.services()
    with evidence.received(svc.db, svc.uploads, evidence_uploads()) as stored:
        _write(
            actor,
            lambda ctx: reviews.submit_evidence(
                ctx, enrollment_id, form.narrative, form.links, stored
            ),
        )


@blueprint.post("/learning/enrollments/<int:enrollment_id>/submissions")
def submit(enrollment_id: int) -> Any:
    actor = _educator()
    form = SubmissionForm.from_request()
    if form.errors:
        page = _page(actor, enrollment_id)
        return render_template(
            "learning/enrollment.html",
            page=page,
            process=my_learning.PROCESS,
            form=form,
            link_fields=LINK_FIELDS,
        ), 422
    try:
        _submit_task(actor, enrollment_id, form)
    except Conflict as exc:
        if exc.code == "submission_not_expected":  # a re-posted form: the first one counted
            flash("Your performance task was already submitted; it was not sent twice.", "info")
            return _to_enrollment(enrollment_id)
        raise
    except (PayloadTooLarge, ValidationFailed) as exc:  # a file too large or of a refused type
        form.errors["files"] = exc.message
        return render_template(
            "learning/enrollment.html",
            page=_page(actor, enrollment_id),
            process=my_learning.PROCESS,
            form=form,
            link_fields=LINK_FIELDS,
        ), (413 if isinstance(exc, PayloadTooLarge) else 422)
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)
    flash("Your performance task is submitted. Three reviewers will score it.", "success")
    return _to_enrollment(enrollment_id)


# ---- Account -------------------------------------------------------------------------------


@blueprint.get("/account")
def account() -> Any:
    actor = _educator()
    return _account_page(actor, {}, 200)


def _account_page(actor: Actor, errors: dict[str, str], status: int) -> Any:
    reminders = _read(actor, email_preferences.my_reminders)
    return render_template(
        "learning/account.html",
        actor=actor,
        errors=errors,
        reminders=reminders,
        min_password=signin.MIN_PASSWORD,
    ), status


@blueprint.post("/account/change-password")
def change_password() -> Any:
    """The current password proves it is them; every other session ends, this one carries on."""
    actor = _educator()
    new = request.form.get("new_password", "")
    if new != request.form.get("confirm_password", ""):
        return _account_page(actor, {"confirm_password": "The two new passwords differ."}, 422)
    svc = pages.services()
    account_id = actor.account_id
    if account_id is None:
        abort(403)
    try:
        with svc.db.transaction() as db_session:
            generation = signin.change_password(
                db_session, account_id, request.form.get("current_password", ""), new
            )
    except ValidationFailed as exc:
        errors = {
            field: exc.message if field == "current_password" else f"Please {why}."
            for field, why in exc.fields.items()
        }
        return _account_page(actor, errors, 422)
    keep_after_password_change(account_id, generation)
    flash("Your password is changed. You were signed out everywhere else.", "success")
    return redirect(url_for("learning.account"), code=303)


@blueprint.post("/account/email-preferences")
def email_preferences_form() -> Any:
    actor = _educator()
    on = request.form.get("reminders") == "on"
    _write(actor, lambda ctx: email_preferences.set_my_reminders(ctx, on))
    flash(
        "Expiry reminders are on." if on else "Expiry reminders are off.",
        "success",
    )
    return redirect(url_for("learning.account"), code=303)
