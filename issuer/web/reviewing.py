"""The reviewer's pages (SPEC §8, Reviewer): ``/reviews``, the queue of submissions assigned to
them in open review cycles (oldest first, with the due date), and ``/reviews/<id>``, the scoring
page (narrative, links, files, the program's criteria and rubric; a score 1-4 labelled with the
descriptors and the feedback). Signed-in ``reviewer`` only; a reviewer not assigned to a
submission gets the 403 page. The form is CSRF-protected and post/redirect/get; a re-posted
score is refused by the workflow and the page says so kindly."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from issuer.domain.actors import Actor
from issuer.domain.states import Role
from issuer.errors import Conflict, Forbidden, NotFound
from issuer.web import csrf, pages
from issuer.workflow.learning import review_cycles, reviews

blueprint = Blueprint("reviewing", __name__, template_folder="templates")
MAX_FEEDBACK = 20_000  # as the API's review_create schema


@blueprint.before_request
def _protect_forms() -> None:
    csrf.protect()


def _reviewer() -> Actor:
    return pages.signed_in_as(Role.REVIEWER, refusal="These pages are for reviewers.")


def _to_queue() -> Any:
    return redirect(url_for("reviewing.queue"), code=303)


@blueprint.get("/reviews")
def queue() -> Any:
    actor = _reviewer()
    items = pages.read(actor, review_cycles.my_queue)
    return render_template("reviewing/queue.html", items=items, long_date=review_cycles.long_date)


def _scoring_page(actor: Actor, submission_id: int) -> review_cycles.ScoringPage:
    return pages.read_or_abort(
        actor,
        lambda ctx: review_cycles.scoring_page(ctx, submission_id),
        missing="No such submission.",
    )


def _render(
    page: review_cycles.ScoringPage,
    errors: dict[str, str],
    score: str,
    feedback: str,
    status: int = 200,
) -> Any:
    return render_template(
        "reviewing/score.html",
        page=page,
        errors=errors,
        score=score,
        feedback=feedback,
        long_date=review_cycles.long_date,
        max_feedback=MAX_FEEDBACK,
    ), status


@blueprint.get("/reviews/<int:submission_id>")
def score_page(submission_id: int) -> Any:
    actor = _reviewer()
    return _render(_scoring_page(actor, submission_id), {}, "", "")


@blueprint.post("/reviews/<int:submission_id>")
def score(submission_id: int) -> Any:
    actor = _reviewer()
    raw_score = request.form.get("score", "")
    feedback = request.form.get("feedback", "").strip()
    errors: dict[str, str] = {}
    if raw_score not in ("1", "2", "3", "4"):
        errors["score-1"] = "Choose a score from 1 to 4."
    if not feedback:
        errors["feedback"] = "Write your feedback for the educator."
    elif len(feedback) > MAX_FEEDBACK:
        errors["feedback"] = f"Keep the feedback under {MAX_FEEDBACK:,} characters."
    if errors:
        page = _scoring_page(actor, submission_id)
        return _render(page, errors, raw_score, feedback, 422)
    try:
        pages.write(
            actor, lambda ctx: reviews.add_review(ctx, submission_id, int(raw_score), feedback)
        )
    except Forbidden as exc:
        abort(403, exc.message)
    except NotFound:
        abort(404, "No such submission.")
    except Conflict as exc:
        if exc.code == "already_reviewed":  # a re-posted form: the first one counted
            flash("You already scored this submission; your first score was kept.", "info")
        else:
            flash(f"Your score was not recorded: {exc.message}", "info")
        return _to_queue()
    flash("Thank you: your score and feedback are recorded.", "success")
    return _to_queue()
