"""Send to my backpack, the pages: ``POST /portfolio/backpack`` (the portfolio's form,
CSRF-protected) and ``GET /portfolio/backpack/callback`` (where the backpack sends the browser
back). The use case is ``issuer.workflow.integrations.send_to_backpack``; this adapter keeps the pending
sending (``state`` and PKCE verifier) in the earner's session between the two, and shows what
happened on a page. Every failure ends on a page saying what went wrong.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from issuer.api.errors import status_for
from issuer.backpack_client import BackpackProblem, BackpackUrlRefused, ConsentDenied
from issuer.domain.backpacks import BackpackEndpoints
from issuer.errors import IssuerError
from issuer.runtime import Services
from issuer.web import csrf, signed_in
from issuer.workflow.integrations import send_to_backpack
from issuer.workflow.integrations.send_to_backpack import (
    CALLBACK_PATH,
    BackpackAnswer,
    ConsentNeeded,
    Sent,
)

blueprint = Blueprint("send_to_backpack", __name__)
SEND_PATH = "/portfolio/backpack"
PENDING = "backpack_pending"
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


@blueprint.post(SEND_PATH)
def send() -> Any:
    """The portfolio's "Send to my backpack" form: send now, or go and ask for consent first."""
    csrf.protect()
    actor = signed_in()
    if actor is None:
        return redirect(url_for("web.login"))
    try:
        outcome = send_to_backpack.send(
            _services(),
            actor,
            request.form.get("award_id", ""),
            request.form.get("backpack_url", ""),
        )
    except IssuerError as problem:
        return _failed(problem)
    if isinstance(outcome, ConsentNeeded):
        session[PENDING] = outcome.pending
        return redirect(outcome.url, code=303)
    return _sent(outcome)


@blueprint.get(CALLBACK_PATH)
def callback() -> Any:
    """Where the backpack sends the browser back: check the state, get tokens, send the badge."""
    pending = session.pop(PENDING, None)  # an answer is accepted once, right or wrong
    answer = BackpackAnswer(
        state=request.args.get("state", ""),
        code=request.args.get("code", ""),
        error=request.args.get("error"),
        error_description=request.args.get("error_description", ""),
    )
    try:
        sent = send_to_backpack.finish(_services(), signed_in(), pending, answer)
    except IssuerError as problem:
        return _failed(problem)
    return _sent(sent)


def _sent(sent: Sent) -> Response:
    name = sent.backpack.name
    message = (
        f"“{sent.credential_name}” is now in {name}."
        if sent.created
        else f"“{sent.credential_name}” was already in {name}; it now holds this copy."
    )
    return _page("Sent to your backpack", message, ok=True, status=200, backpack=sent.backpack)


def _failed(problem: IssuerError) -> Response:
    if isinstance(problem, ConsentDenied):
        status = 200
    elif isinstance(problem, BackpackProblem) and not isinstance(problem, BackpackUrlRefused):
        status = 502
    else:
        status = status_for(problem)
    return _page("Not sent", problem.message, ok=False, status=status, backpack=None)


def _page(
    title: str, message: str, *, ok: bool, status: int, backpack: BackpackEndpoints | None
) -> Response:
    html = render_template(
        "backpack_sent.html", title=title, message=message, ok=ok, backpack=backpack
    )
    return Response(html, status=status, headers=PAGE_HEADERS, mimetype="text/html")
