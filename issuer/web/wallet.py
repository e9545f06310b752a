"""The portfolio's "Add to a wallet" (SPEC §10): ``POST /portfolio/wallet`` (the card's form,
CSRF-protected) makes a wallet offer of the educator's award, ``POST /portfolio/record/wallet``
one of their learner record (SPEC §11), and shows it: the QR code and link for an OpenID4VCI
wallet, the link for the Learner Credential Wallet, and when it expires. The
answer is never cached nor sent as a referrer: its links are single-use secrets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request

from issuer.certificates import one_time_qr_data_url
from issuer.domain.states import Role
from issuer.errors import Conflict, Forbidden, NotFound
from issuer.web import csrf
from issuer.web.pages import signed_in_as, write
from issuer.workflow.awards import wallet_offers

blueprint = Blueprint("wallet_pages", __name__)
OFFER_PATH = "/portfolio/wallet"
RECORD_OFFER_PATH = "/portfolio/record/wallet"
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@blueprint.post(OFFER_PATH)
def add_to_wallet() -> Any:
    csrf.protect()
    actor = signed_in_as(Role.EARNER, refusal="Only the educator who earned a badge adds it.")
    award_id = request.form.get("award_id", "")
    try:
        page = write(actor, lambda ctx: wallet_offers.offer_for_page(ctx, award_id))
    except NotFound:
        abort(404, "There is no badge with that id.")
    except Forbidden:
        abort(403, "That badge is another educator's.")
    except Conflict as problem:
        abort(409, problem.message)
    qr = one_time_qr_data_url(page.offer_url)
    return render_template("wallet_offer.html", page=page, qr=qr), 200, PAGE_HEADERS


@blueprint.post(RECORD_OFFER_PATH)
def add_record_to_wallet() -> Any:
    """The portfolio's "Add my record to a wallet": a new offer of the educator's own learner
    record (CLR 2.0)."""
    csrf.protect()
    actor = signed_in_as(Role.EARNER, refusal="Only the educator adds their own record.")
    try:
        page = write(actor, wallet_offers.record_offer_for_page)
    except NotFound as problem:
        abort(404, problem.message)
    except Conflict as problem:
        abort(409, problem.message)
    qr = one_time_qr_data_url(page.offer_url)
    return render_template("wallet_offer.html", page=page, qr=qr), 200, PAGE_HEADERS
