"""Endpoints for wallets (SPEC §10). OpenID4VCI 1.0: Credential Issuer metadata, the Credential
Offer by reference, the nonce endpoint and the pre-authorized code grant of the token endpoint.
VC-API (the Learner Credential Wallet): the interaction URL and the exchange.
Thin: parse, run one use case, answer with ``Cache-Control: no-store`` (protocol errors as
``{"error", "error_description"}``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request

from issuer.domain import oid4vci, vcapi
from issuer.domain.actors import SYSTEM
from issuer.domain.oid4vci import ProtocolError
from issuer.domain.vcapi import ExchangeError
from issuer.errors import NotFound
from issuer.runtime import Services
from issuer.workflow.awards import wallet_copies, wallet_exchanges, wallet_offers
from issuer.workflow.context import Context

blueprint = Blueprint("oid4vci", __name__)
LDP_ALGS = ["eddsa-rdfc-2022"]
JWT_ALGS = ["RS256", "EdDSA"]


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


def _answer(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _run(fn: Callable[[Context], Any]) -> Any:
    svc = _services()
    with svc.db.transaction() as session:
        return fn(svc.context(session, SYSTEM))


def protocol_error(error: ProtocolError) -> Response:
    return _answer({"error": error.error, "error_description": error.description}, error.status)


@blueprint.get(oid4vci.ISSUER_METADATA_PATH)
def issuer_metadata() -> Response:
    base = _services().settings.base_url
    return _answer(oid4vci.issuer_metadata(base, LDP_ALGS, JWT_ALGS))


@blueprint.get(f"{oid4vci.OFFERS_PATH}/<offer_id>")
def credential_offer(offer_id: str) -> Response:
    try:
        return _answer(_run(lambda ctx: wallet_offers.offer_document(ctx, offer_id)))
    except NotFound as error:
        return _answer({"error": error.code, "message": str(error)}, 404)


@blueprint.post(oid4vci.NONCE_PATH)
def nonce() -> Response:
    return _answer({"c_nonce": _run(wallet_offers.new_nonce)})


def pre_authorized_token() -> Response:
    """The token endpoint's answer to ``grant_type=…:pre-authorized_code`` (no client needed)."""
    code = request.form.get("pre-authorized_code", "")
    try:
        token = _run(lambda ctx: wallet_offers.redeem_code(ctx, code))
    except ProtocolError as error:
        return protocol_error(error)
    return _answer(
        {"access_token": token.token, "token_type": "Bearer", "expires_in": token.expires_in}
    )


@blueprint.post(oid4vci.CREDENTIAL_PATH)
def credential() -> Response:
    """Credential endpoint: bearer access token, one ``jwt`` key proof; the holder-bound copy."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        response = protocol_error(ProtocolError("invalid_token", "Send the access token.", 401))
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    body = request.get_json(silent=True)
    try:
        answer = _run(lambda ctx: wallet_copies.issue_copy(ctx, token.strip(), body))
    except ProtocolError as error:
        response = protocol_error(error)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = f'Bearer error="{error.error}"'
        return response
    return _answer(answer)


def _exchange_error(error: ExchangeError) -> Response:
    return _answer({"error": error.code, "message": error.message}, error.status)


@blueprint.get(f"{vcapi.INTERACTIONS_PATH}/<token>")
def interaction(token: str) -> Response:
    """The interaction URL: the exchange's ``protocols`` to a wallet asking for JSON."""
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) != "application/json":
        abort(406, "Open this link in a wallet app, such as the Learner Credential Wallet.")
    try:
        return _answer(_run(lambda ctx: wallet_exchanges.protocols(ctx, token)))
    except ExchangeError as error:
        return _exchange_error(error)


@blueprint.post(f"{vcapi.EXCHANGES_PATH}/<token>")
def exchange(token: str) -> Response:
    """The VC-API exchange: ``{}`` asks for DID Authentication, the signed presentation gets the
    holder-bound credential."""
    body = request.get_json(silent=True)
    try:
        return _answer(_run(lambda ctx: wallet_exchanges.step(ctx, token, body)))
    except ExchangeError as error:
        return _exchange_error(error)
