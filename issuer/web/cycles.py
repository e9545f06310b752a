"""The facilitator's review cycle pages (SPEC §8, Facilitator: "Review cycles: open, assign,
reassign, progress"): ``/console/cycles`` lists the issuer's cycles with their progress and opens
one (closing date, default the end of the month); ``/console/cycles/<id>`` shows the progress per
submission, assigns reviewers and reassigns them. Signed-in ``issuer_admin`` only. Forms are
CSRF-protected and post/redirect/get; a re-posted form does nothing twice (the workflow refuses
a second cycle on the same date, and assigning again assigns only new submissions)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from issuer.domain.actors import Actor
from issuer.domain.states import Role
from issuer.errors import Conflict, Forbidden, NotFound, ValidationFailed
from issuer.web import csrf, pages
from issuer.workflow.learning import review_cycles

blueprint = Blueprint("cycles", __name__, template_folder="templates")
PAGE_SIZE = 50


@blueprint.before_request
def _protect_forms() -> None:
    csrf.protect()


def _facilitator() -> Actor:
    actor = pages.signed_in_as(
        Role.ISSUER_ADMIN, refusal="These pages are for the issuer's facilitators."
    )
    if actor.issuer_id is None:
        abort(403, "Your account belongs to no issuer.")
    return actor


def _to_cycle(cycle_id: int) -> Any:
    return redirect(url_for("cycles.cycle", cycle_id=cycle_id), code=303)


def _list_page(actor: Actor, errors: dict[str, str], closes_on: str | None, status: int) -> Any:
    offset = _offset()
    issuer_id = actor.issuer_id or 0

    def listed(ctx: Any) -> tuple[list[review_cycles.CycleView], int, date]:
        views, total = review_cycles.list_cycles(ctx, issuer_id, limit=PAGE_SIZE, offset=offset)
        return views, total, review_cycles.default_closing_date(ctx)

    views, total, default = pages.read(actor, listed)
    return render_template(
        "cycles/list.html",
        cycles=views,
        total=total,
        offset=offset,
        limit=PAGE_SIZE,
        errors=errors,
        closes_on=closes_on or default.isoformat(),
        long_date=review_cycles.long_date,
    ), status


@blueprint.get("/console/cycles")
def cycles() -> Any:
    return _list_page(_facilitator(), {}, None, 200)


@blueprint.post("/console/cycles")
def open_cycle() -> Any:
    actor = _facilitator()
    raw = request.form.get("closes_on", "").strip()
    try:
        closes_on = date.fromisoformat(raw)
    except ValueError:
        return _list_page(
            actor, {"closes_on": "Enter the closing date, for example 2026-12-31."}, raw, 422
        )
    issuer_id = actor.issuer_id or 0
    try:
        cycle_id = pages.write(
            actor, lambda ctx: review_cycles.open_cycle(ctx, issuer_id, closes_on).id
        )
    except ValidationFailed:
        return _list_page(
            actor, {"closes_on": "The closing date must be today or later."}, raw, 422
        )
    except Conflict as exc:  # a re-posted form, or a cycle already closing that day
        flash(exc.message, "info")
        return redirect(url_for("cycles.cycles"), code=303)
    flash(
        f"The review cycle closing on {review_cycles.long_date(closes_on)} is open. Assign reviewers when submissions are in.",
        "success",
    )
    return _to_cycle(cycle_id)


@blueprint.get("/console/cycles/<int:cycle_id>")
def cycle(cycle_id: int) -> Any:
    actor = _facilitator()
    view, reviewers = pages.read_or_abort(
        actor,
        lambda ctx: review_cycles.cycle_page(ctx, cycle_id),
        missing="No such review cycle.",
        elsewhere="That review cycle belongs to another issuer.",
    )
    return render_template(
        "cycles/cycle.html",
        cycle=view,
        reviewers=reviewers,
        long_date=review_cycles.long_date,
    )


@blueprint.post("/console/cycles/<int:cycle_id>/assign")
def assign(cycle_id: int) -> Any:
    actor = _facilitator()
    try:
        run = pages.write(actor, lambda ctx: review_cycles.assign(ctx, cycle_id))
    except Forbidden:
        abort(403, "That review cycle belongs to another issuer.")
    except NotFound:
        abort(404, "No such review cycle.")
    except Conflict as exc:
        flash(f"No reviewers were assigned: {exc.message}", "error")
        return _to_cycle(cycle_id)
    if run.assigned:
        words = "submission" if run.assigned == 1 else "submissions"
        flash(
            f"Reviewers assigned to {run.assigned} {words}; each reviewer was emailed.", "success"
        )
    else:
        flash(
            "No new submissions to assign: every submission of this cycle has its reviewers.",
            "info",
        )
    return _to_cycle(cycle_id)


@blueprint.post("/console/cycles/<int:cycle_id>/submissions/<int:submission_id>/reviewers")
def reassign(cycle_id: int, submission_id: int) -> Any:
    actor = _facilitator()
    chosen = [request.form.get(f"reviewer_{n}", "") for n in (1, 2, 3)]
    if not all(value.isdigit() for value in chosen):
        flash("Choose three reviewers.", "error")
        return _to_cycle(cycle_id)
    ids = [int(value) for value in chosen]
    try:
        pages.write(actor, lambda ctx: review_cycles.set_reviewers(ctx, submission_id, ids))
    except Forbidden:
        abort(403, "That submission belongs to another issuer.")
    except NotFound:
        abort(404, "No such submission.")
    except (Conflict, ValidationFailed) as exc:
        flash(f"The reviewers were not changed: {exc.message}", "error")
        return _to_cycle(cycle_id)
    flash("The reviewers are updated; anyone newly assigned was emailed.", "success")
    return _to_cycle(cycle_id)


def _offset() -> int:
    value = request.args.get("offset", "0")
    return int(value) if value.isdigit() and len(value) < 10 else 0
