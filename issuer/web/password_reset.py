"""Forgot password, the page: ``/account/forgot-password`` takes an email (CSRF-protected form)
and answers the same page whether or not an account has it; the use case is
``issuer.workflow.accounts.password_resets``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from issuer.domain.actors import SYSTEM
from issuer.errors import RateLimited
from issuer.runtime import Services
from issuer.web import csrf
from issuer.workflow.accounts.password_resets import request_password_reset

blueprint = Blueprint("password_reset", __name__)


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


@blueprint.before_request
def _protect_forms() -> None:
    csrf.protect()


@blueprint.route("/account/forgot-password", methods=["GET", "POST"])
def forgot_password() -> Any:
    if request.method != "POST":
        return render_template("forgot_password.html", sent=False, error=None, email="")
    email = request.form.get("email", "").strip()[:320]
    svc = _services()
    try:
        with svc.db.transaction() as db_session:
            request_password_reset(
                svc.context(db_session, SYSTEM), email, request.remote_addr or "-"
            )
    except RateLimited as exc:
        return render_template(
            "forgot_password.html", sent=False, error=exc.message, email=email
        ), 429
    return render_template("forgot_password.html", sent=True, error=None, email=email)
