"""OAuth 2.0 endpoints: registration, the consent page, token, revocation, server metadata.

The consent page is for people: the earner signs in on it (the same sign-in as ``/login``), sees
the app's name and the scopes it asks for, and approves or denies. Its forms are CSRF-protected
and it cannot be framed. The other endpoints are for apps and answer RFC 6749 JSON errors.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2 import OAuth2Error
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException

from issuer.domain import oid4vci
from issuer.domain.actors import SYSTEM, Actor
from issuer.domain.oauth_urls import (
    APPS_PATH,
    AUTHORIZE_PATH,
    METADATA_PATH,
    PRIVACY_PATH,
    REGISTER_PATH,
    REVOKE_PATH,
    TERMS_PATH,
    TOKEN_PATH,
)
from issuer.domain.states import Role
from issuer.errors import RateLimited
from issuer.oauth import wallets
from issuer.oauth.records import Client
from issuer.oauth.scopes import CONSENT_WORDS, split
from issuer.oauth.server import current_server, server_metadata, unit_of_work
from issuer.runtime import Services
from issuer.web import csrf
from issuer.web.session import SignInRefused, sign_in_from_form, signed_in
from issuer.workflow.integrations import oauth_grants

blueprint = Blueprint("oauth", __name__)
MAX_REGISTRATION_BYTES = 64 * 1024
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the page policy and no framing come with every page
}


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


@blueprint.post(REGISTER_PATH)
def register() -> Response:
    """RFC 7591 dynamic client registration (the URL the discovery document names)."""
    too_big = (request.content_length or 0) > MAX_REGISTRATION_BYTES
    if too_big or not isinstance(_json_body(), dict):
        return _oauth_error("invalid_client_metadata", "Send a JSON object of at most 64 KiB.")
    per_hour = _services().settings.oauth_registrations_per_hour
    with unit_of_work(SYSTEM) as ctx:
        try:
            oauth_grants.check_registration_rate(ctx, request.remote_addr or "-", per_hour)
        except RateLimited as exc:
            response = _oauth_error("temporarily_unavailable", exc.message, 429)
            response.headers["Retry-After"] = "3600"
            return response
        return current_server().create_endpoint_response("client_registration")  # type: ignore[no-any-return]


def _json_body() -> object:
    """The parsed body, or None when it is not JSON, or nested too deep for the parser."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


@blueprint.post(TOKEN_PATH)
def token() -> Response:
    """Code for tokens (with the PKCE verifier), and refresh; RFC 6749 §5 answers. A wallet's
    pre-authorized code (OpenID4VCI) is answered by ``issuer.oauth.wallets``."""
    if request.form.get("grant_type") == oid4vci.PRE_AUTHORIZED_GRANT:
        return wallets.pre_authorized_token()
    with unit_of_work(SYSTEM):
        return current_server().create_token_response()  # type: ignore[no-any-return]


@blueprint.post(REVOKE_PATH)
def revoke() -> Response:
    """RFC 7009 revocation of an access or refresh token by the client it was issued to."""
    with unit_of_work(SYSTEM):
        return current_server().create_endpoint_response("revocation")  # type: ignore[no-any-return]


@blueprint.get(METADATA_PATH)
def metadata() -> Response:
    """RFC 8414 authorization server metadata."""
    response = jsonify(server_metadata(_services().settings.base_url))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@blueprint.route(AUTHORIZE_PATH, methods=["GET", "POST"])
def authorize() -> Any:
    """The consent page: sign in, then approve or deny the app's request."""
    if request.method == "POST":
        csrf.protect()
        if request.form.get("action") == "sign_in":
            return _sign_in()
    actor = signed_in()
    with unit_of_work(actor or SYSTEM) as ctx:
        account = (
            oauth_grants.account(ctx, actor.account_id) if actor and actor.account_id else None
        )
        try:
            grant = current_server().get_consent_grant(end_user=account)
        except OAuth2Error as error:
            return _refused(error)
        if account is None or actor is None:
            return _page(grant, None, status=200)
        if actor.role is not Role.EARNER:
            return _page(grant, actor, status=403)
        if request.method == "GET":
            return _page(grant, actor, status=200)
        approved = request.form.get("action") == "approve"
        return current_server().create_authorization_response(
            grant_user=account if approved else None, grant=grant
        )


@blueprint.route(APPS_PATH, methods=["GET", "POST"])
def connected_apps() -> Any:
    """The earner's connected apps, each with a button that disconnects it (revokes its tokens)."""
    actor = signed_in()
    if actor is None:
        return redirect(url_for("web.login"))
    if actor.role is not Role.EARNER:
        abort(403)
    if request.method == "POST":
        csrf.protect()
        with unit_of_work(actor) as ctx:
            oauth_grants.disconnect(ctx, request.form.get("client", type=int) or 0)
        return redirect(url_for("oauth.connected_apps"), code=303)
    with unit_of_work(actor) as ctx:
        apps = oauth_grants.connected_apps(ctx)
    html = render_template("oauth_apps.html", apps=apps, actor=actor)
    return Response(html, headers=PAGE_HEADERS, mimetype="text/html")


@blueprint.get(PRIVACY_PATH)
def privacy() -> str:
    """What a connected app can see and how to stop it (the discovery document links here)."""
    return render_template("oauth_policy.html", page="privacy")


@blueprint.get(TERMS_PATH)
def terms() -> str:
    """The terms an app accepts when it uses the Open Badges 3.0 API."""
    return render_template("oauth_policy.html", page="terms")


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Any:
    """The consent page gets an HTML page; the app endpoints an RFC 6749 style JSON error."""
    status = error.code or 500
    if request.endpoint in ("oauth.authorize", "oauth.connected_apps"):
        message = error.description or "The request could not be completed."
        return render_template(
            "error.html", status=status, title="Cannot continue", message=message
        ), status
    return _oauth_error("invalid_request", error.description or "Bad request.", status)


def _sign_in() -> Any:
    """The site's one sign-in (issuer/web/session.py), then the consent page again."""
    outcome = sign_in_from_form()
    if isinstance(outcome, SignInRefused):
        return _sign_in_failed(outcome.message, outcome.status)
    return redirect(request.full_path, code=303)


def _sign_in_failed(message: str, status: int) -> Any:
    """Show the page again with the error; the app's request is re-checked first."""
    with unit_of_work(SYSTEM):
        try:
            grant = current_server().get_consent_grant(end_user=None)
        except OAuth2Error as error:
            return _refused(error)
        return _page(grant, None, status=status, error=message)


def _page(grant: Any, actor: Actor | None, *, status: int, error: str | None = None) -> Response:
    """The consent page: the app, each scope in plain words, where the answer goes, who is in."""
    client: Client = grant.client
    html = render_template(
        "oauth_consent.html",
        client_name=client.row.name,
        client_uri=client.metadata.get("client_uri"),
        return_host=urlsplit(grant.redirect_uri or "").netloc,
        scopes=[(s, CONSENT_WORDS.get(s, s)) for s in split(grant.request.scope)],
        actor=actor,
        error=error,
        action=request.full_path,
    )
    return Response(html, status=status, headers=PAGE_HEADERS, mimetype="text/html")


def _refused(error: OAuth2Error) -> Any:
    """Errors once the redirect URI is trusted go back to the app; others stay on our page."""
    if error.redirect_uri:
        return current_server().handle_error_response(None, error)
    message = error.get_error_description() or error.error
    html = render_template(
        "error.html", status=400, title="This app's request is not valid", message=message
    )
    return Response(html, status=400, headers=PAGE_HEADERS, mimetype="text/html")


def _oauth_error(code: str, description: str, status: int = 400) -> Response:
    response = jsonify({"error": code, "error_description": description})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
