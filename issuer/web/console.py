"""The facilitator's console (SPEC §8, Facilitator), the operations part: the dashboard of queues
with "Confirm completion" (one, or every selected, each through the idempotent completion), and
the issuer's awards (list, one award, revoke with a reason after a confirm step).

Signed-in ``issuer_admin`` only (a visitor is sent to sign in, anyone else gets the 403 page);
every form is CSRF-protected and post/redirect/get; a re-posted form never does the work twice."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from issuer.domain.actors import Actor
from issuer.domain.states import Role
from issuer.errors import Conflict, ValidationFailed
from issuer.web import csrf, pages
from issuer.workflow.awards import awards, bulk_completion, issuer_awards
from issuer.workflow.learning import facilitator_queues

blueprint = Blueprint("console", __name__, template_folder="templates")

PAGE_SIZE = 25
MAX_REASON = 2000
REFUSAL = "The console is for your issuer's administrators."


@blueprint.before_request
def _protect_forms() -> None:
    csrf.protect()


def admin() -> Actor:
    """The signed-in issuer admin; a visitor signs in first, anyone else gets the 403 page."""
    return pages.signed_in_as(Role.ISSUER_ADMIN, refusal=REFUSAL)


def served(path: str) -> bool:
    """Whether this build serves ``path`` (links to other consoles' pages show only then)."""
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


def offset_arg() -> int:
    raw = request.args.get("offset", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0


# ---- The dashboard -------------------------------------------------------------------------


@blueprint.get("/console")
def dashboard() -> Any:
    actor = admin()
    board = pages.read(actor, facilitator_queues.dashboard)
    confirmed_ids = _ids(request.args.get("confirmed", ""))
    confirmed = pages.read(
        actor, lambda ctx: facilitator_queues.confirmed_lines(ctx, confirmed_ids)
    )
    return render_template(
        "console/dashboard.html",
        board=board,
        confirmed=confirmed,
        cycles_served=served("/console/cycles"),
        programs_served=served("/console/programs"),
    )


def _ids(text: str) -> list[int]:
    return [int(p) for p in text.split(",") if p.isascii() and p.isdigit() and len(p) < 10][:100]


@blueprint.post("/console/completions")
def confirm() -> Any:
    """Confirm one passed enrollment (the row's button: ``enrollment_id``) or every selected one
    (``selected``); each goes through the completion with an Idempotency-Key derived from the
    enrollment, so a double click or a re-post issues exactly one award."""
    actor = admin()
    chosen = request.form.get("enrollment_id")
    ids = _ids(chosen) if chosen else _ids(",".join(request.form.getlist("selected")))
    if not ids:
        flash("Select at least one passed enrollment to confirm.", "warning")
        return redirect(url_for("console.dashboard"), code=303)
    issuer_id = actor.issuer_id
    assert issuer_id is not None  # noqa: S101 - issuer admins always have an issuer
    result = bulk_completion.confirm_passed(lambda fn: pages.write(actor, fn), issuer_id, ids)
    awarded = result.count(bulk_completion.AWARDED)
    again = result.count(bulk_completion.ALREADY_AWARDED)
    refused = [
        o
        for o in result.outcomes
        if o.outcome not in (bulk_completion.AWARDED, bulk_completion.ALREADY_AWARDED)
    ]
    if awarded:
        flash(
            f"Completion confirmed for {awarded} enrollment{'s' if awarded != 1 else ''}: "
            "the badge is issued and the educator is told by email.",
            "success",
        )
    if again:
        flash(
            f"{again} enrollment{'s were' if again != 1 else ' was'} already confirmed: "
            "no second badge was issued.",
            "info",
        )
    for outcome in refused:
        flash(_refusal_words(outcome), "error")
    done = [o.enrollment_id for o in result.outcomes if o.award_id]
    target = url_for("console.dashboard", confirmed=",".join(map(str, done)) or None)
    return redirect(target, code=303)


def _refusal_words(outcome: bulk_completion.EnrollmentOutcome) -> str:
    if outcome.outcome == bulk_completion.NOT_PASSED:
        return "An enrollment was not confirmed: it is no longer passed (withdrawn or changed)."
    if outcome.outcome == bulk_completion.NOT_FOUND:
        return "An enrollment was not confirmed: it is not one of your issuer's."
    return f"An enrollment was not confirmed: {outcome.message or 'it was refused'}."


# ---- Awards --------------------------------------------------------------------------------


@blueprint.get("/console/awards")
def award_list() -> Any:
    actor = admin()
    q = request.args.get("q", "")
    offset = offset_arg()
    try:
        found = pages.read(
            actor,
            lambda ctx: issuer_awards.recent_awards(ctx, q, limit=PAGE_SIZE, offset=offset),
        )
        error = None
    except ValidationFailed as exc:
        found, error = issuer_awards.AwardList([], 0), exc.fields.get("q", exc.message)
    return render_template(
        "console/awards.html", found=found, q=q, offset=offset, limit=PAGE_SIZE, error=error
    ), (422 if error else 200)


def _award(actor: Actor, award_id: str) -> issuer_awards.IssuerAward:
    return pages.read_or_abort(
        actor,
        lambda ctx: issuer_awards.issuer_award(ctx, award_id),
        missing="No such award.",
        elsewhere="That award was issued by another issuer.",
    )


@blueprint.get("/console/awards/<uuid:award_id>")
def award(award_id: Any) -> Any:
    actor = admin()
    return render_template("console/award.html", item=_award(actor, str(award_id)))


@blueprint.route("/console/awards/<uuid:award_id>/revoke", methods=["GET", "POST"])
def revoke(award_id: Any) -> Any:
    """GET asks first, with the reason field; the POST revokes (a reason is required)."""
    actor = admin()
    item = _award(actor, str(award_id))
    if request.method == "GET":
        return render_template("console/revoke.html", item=item, reason="", error=None)
    reason = request.form.get("reason", "").strip()
    error = None
    if not reason:
        error = "Give the reason for revoking: the educator and verifiers read it."
    elif len(reason) > MAX_REASON:
        error = f"Keep the reason under {MAX_REASON:,} characters."
    elif any(ord(ch) < 32 and ch not in "\n\r\t" for ch in reason):
        error = "The reason contains control characters; type it again."
    if error:
        return render_template("console/revoke.html", item=item, reason=reason, error=error), 422
    try:
        pages.write(actor, lambda ctx: awards.revoke(ctx, str(award_id), reason))
    except Conflict as exc:
        if exc.code != "already_revoked":
            raise
        flash("This award was already revoked; nothing changed.", "info")
        return redirect(url_for("console.award", award_id=award_id), code=303)
    flash(
        "The award is revoked. Verifiers now see it as revoked, and the educator is told why.",
        "success",
    )
    return redirect(url_for("console.award", award_id=award_id), code=303)
