"""The facilitator's reviewers (SPEC §8, Review cycles): the issuer's reviewer accounts and
"Invite a reviewer" by email (the one-time password link goes to that person only). A district
needs three reviewers before a review cycle can assign any submission.

Signed-in ``issuer_admin`` only; CSRF; post/redirect/get; a re-posted invitation does not create a
second account (the workflow answers ``account_exists``; the page says so)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from issuer.errors import Conflict, ValidationFailed
from issuer.web import csrf, pages
from issuer.web.console import admin
from issuer.workflow.accounts import reviewer_accounts

blueprint = Blueprint("console_reviewers", __name__, template_folder="templates")

MAX_EMAIL = 320


@blueprint.before_request
def _protect_forms() -> None:
    csrf.protect()


def _page(email: str = "", error: str | None = None, status: int = 200) -> Any:
    actor = admin()
    reviewers = pages.read(actor, reviewer_accounts.issuer_reviewers)
    return render_template(
        "console/reviewers.html", reviewers=reviewers, email=email, error=error
    ), status


@blueprint.get("/console/reviewers")
def reviewers() -> Any:
    return _page()


@blueprint.post("/console/reviewers")
def invite() -> Any:
    actor = admin()
    email = request.form.get("email", "").strip()
    if not email:
        return _page(email, "Enter the reviewer's email address.", 422)
    if len(email) > MAX_EMAIL:
        return _page("", f"Keep it under {MAX_EMAIL} characters.", 422)
    try:
        invited = pages.write(actor, lambda ctx: reviewer_accounts.invite_reviewer(ctx, email))
    except ValidationFailed:
        return _page(email, "Enter an email address like name@school.example.org.", 422)
    except Conflict as exc:
        if exc.code != "account_exists":
            raise
        flash(
            f"{email} already has an account: no new invitation is sent "
            '("Forgot password" on the sign-in page sends them a new link).',
            "info",
        )
        return redirect(url_for("console_reviewers.reviewers"), code=303)
    flash(f"An invitation to review is on its way to {invited}.", "success")
    return redirect(url_for("console_reviewers.reviewers"), code=303)
