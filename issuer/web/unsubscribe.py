"""The reminder unsubscribe link's page (RFC 8058): ``GET /mail/unsubscribe/<token>`` shows a
button; a POST turns reminders off. The form's POST is CSRF-protected; a mail client's one-click
POST (body exactly ``List-Unsubscribe=One-Click``) is not, as RFC 8058 requires: it carries no
session, and the signed token in the path is its only credential."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from issuer.domain.actors import SYSTEM
from issuer.errors import IssuerError
from issuer.runtime import Services
from issuer.web import csrf
from issuer.workflow.integrations import mail_reminders

blueprint = Blueprint("mail_unsubscribe", __name__)
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


@blueprint.get("/mail/unsubscribe/<token>")
def unsubscribe_page(token: str) -> Any:
    svc = _services()
    with svc.db.session() as session:
        try:
            address = mail_reminders.address_for_token(svc.context(session, SYSTEM), token)
        except IssuerError as exc:
            return _page(400, error=exc.message)
    return _page(200, address=address, token=token)


@blueprint.post("/mail/unsubscribe/<token>")
def unsubscribe(token: str) -> Any:
    if request.get_data(as_text=True).strip() != ONE_CLICK_BODY:
        csrf.protect()
    svc = _services()
    try:
        with svc.db.transaction() as session:
            address = mail_reminders.turn_off_reminders(svc.context(session, SYSTEM), token)
    except IssuerError as exc:
        return _page(400, error=exc.message)
    return _page(200, address=address, done=True)


def _page(status: int, **values: Any) -> Any:
    defaults = {"address": None, "token": None, "error": None, "done": False}
    body = render_template("mail_unsubscribe.html", **{**defaults, **values})
    return body, status, PAGE_HEADERS
