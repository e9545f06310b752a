"""People-facing pages: home, sign-in, the earner's portfolio, certificates. HTML in templates/;
forms are CSRF-protected; sessions are signed cookies (HttpOnly, SameSite=Lax, Secure on https)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFProtect

from issuer.api.uploads import admit_submission_body
from issuer.certificates import CertificateText, certificate_pdf, certificate_png
from issuer.domain.actors import SYSTEM, Actor
from issuer.domain.states import Role
from issuer.errors import IssuerError, NotFound
from issuer.runtime import Services
from issuer.web import navigation, pages
from issuer.web.session import (
    CookieSessions,
    SignInRefused,
    sign_in_from_form,
    sign_out,
    signed_in,
)
from issuer.workflow.accounts import signin
from issuer.workflow.awards import learner_record
from issuer.workflow.awards.award_page import award_page, portfolio_page
from issuer.workflow.context import Context
from issuer.workflow.integrations import backpack_sending
from issuer.workflow.learning import earners

__all__ = ["blueprint", "csrf", "init_app", "read_as", "signed_in"]
T = TypeVar("T")
blueprint = Blueprint("web", __name__)
csrf = CSRFProtect()


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


def read_as(actor: Actor, fn: Callable[[Context], T]) -> T:
    """A read in a session of its own, closed before the page renders (or a network call)."""
    svc = _services()
    db_session = svc.db.session()
    try:
        return fn(svc.context(db_session, actor))
    finally:
        db_session.close()


@blueprint.before_request
def _protect_forms() -> None:
    csrf.protect()


@blueprint.get("/")
def home() -> str:
    return render_template("home.html", actor=signed_in())


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method != "POST":
        return render_template("login.html", error=None, email="")
    outcome = sign_in_from_form()
    if isinstance(outcome, SignInRefused):
        email = request.form.get("email", "")
        return render_template("login.html", error=outcome.message, email=email), outcome.status
    return redirect(
        url_for("web.portfolio") if outcome.role is Role.EARNER else url_for("web.home")
    )


@blueprint.post("/logout")
def logout() -> Response:
    sign_out()
    return redirect(url_for("web.home"))


@blueprint.route("/account/password", methods=["GET", "POST"])
def set_password() -> Any:
    """The password link's page. The link carries its token after ``#`` (never sent to us, so
    never in an access log); the page's script moves it into the form, which posts it."""
    if request.method != "POST":
        if "token" in request.args:  # a link made before the token moved out of the query
            return redirect(
                url_for("web.set_password") + "#" + urlencode({"token": request.args["token"]}),
                code=303,
            )
        return render_template("password.html", error=None)
    svc = _services()
    try:
        with svc.db.transaction() as db_session:
            signin.set_password(
                db_session,
                request.form.get("token", ""),
                svc.settings.secret_key,
                request.form.get("password", ""),
            )
    except IssuerError as exc:
        token = request.form.get("token", "")  # kept in the form (a body, never a URL) to retry
        return render_template("password.html", error=exc.message, token=token), 400
    return redirect(url_for("web.login"))


@blueprint.route("/verify", methods=["GET", "POST"])
def verify_page() -> Any:
    """The employer's page: paste a URL, JSON or JWT, or upload a baked image; see every check."""
    if request.method == "GET":
        return render_template("verify.html", report=None, error=None, text="")
    from issuer.api.verify import run_verification  # one engine behind the API and this page
    from issuer.verify import VerifyInput

    text = request.form.get("badge", "").strip()
    email = request.form.get("recipient_email", "").strip() or None
    upload = request.files.get("file")
    try:
        if upload is not None and upload.filename:
            raw = VerifyInput.from_image(
                upload.read(_services().settings.max_upload_bytes + 1), recipient_email=email
            )
        elif text.startswith(("http://", "https://")):
            raw = VerifyInput.from_url(text, recipient_email=email)
        elif text:
            raw = VerifyInput.from_credential(text, recipient_email=email)
        else:
            return render_template(
                "verify.html", report=None, error="Paste a badge or choose an image.", text=text
            ), 400
        report = run_verification(_services(), raw).as_dict()
    except IssuerError as exc:
        return render_template("verify.html", report=None, error=exc.message, text=text), 400
    return render_template("verify.html", report=report, error=None, text=text)


@blueprint.get("/portfolio")
def portfolio() -> Any:
    actor = signed_in()
    if actor is None:
        return redirect(url_for("web.login"))
    if actor.role is not Role.EARNER:
        abort(403)
    try:
        page = read_as(actor, lambda ctx: portfolio_page(ctx, earners.own_earner(ctx).id))
    except NotFound:
        return render_template("portfolio.html", page=None), 200
    backpacks = read_as(actor, backpack_sending.connected_backpacks)
    return render_template("portfolio.html", page=page, backpacks=backpacks)


@blueprint.get("/portfolio/record.<any(json, jwt):fmt>")
def download_record(fmt: str) -> Any:
    """ "Download my record": the educator's CLR 2.0 record, signed by PTSB, as a file."""
    actor = signed_in()
    if actor is None:
        return redirect(url_for("web.login"))
    if actor.role is not Role.EARNER:
        abort(403)
    record = pages.write(actor, learner_record.own_record)
    if fmt == "jwt":
        response = Response(record.jwt, mimetype=learner_record.VC_JWT)
    else:
        response = Response(record.credential, mimetype="application/ld+json")
    day = record.record.created_at.date().isoformat()
    response.headers["Content-Disposition"] = f'attachment; filename="learner-record-{day}.{fmt}"'
    response.headers["Content-Location"] = record.url + (".jwt" if fmt == "jwt" else "")
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/awards/<uuid:award_id>/certificate.<any(pdf, png):fmt>")
def certificate(award_id: Any, fmt: str) -> Response:
    page = read_as(SYSTEM, lambda ctx: award_page(ctx, str(award_id)))
    text = CertificateText(
        earner_name=page.earner_name,
        achievement=page.name,
        issuer_name=page.issuer_name,
        issued_on=page.award.issued_at.date().isoformat(),
        credit_hours=page.credit_hours,
        verify_url=page.verify_url,
        status_note=None if page.status == "valid" else page.status_text,
    )
    body, mimetype = (
        (certificate_pdf(text), "application/pdf")
        if fmt == "pdf"
        else (certificate_png(text), "image/png")
    )
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="certificate-{award_id}.{fmt}"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def init_app(app: Flask) -> None:
    settings = _settings(app)
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # only the web forms; the API uses bearer tokens
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
    )
    app.session_interface = CookieSessions()
    app.before_request(_admit_large_submissions)  # before the CSRF check reads the form
    csrf.init_app(app)
    navigation.init_app(app)  # the navigation fits the role
    app.register_blueprint(blueprint)
    from issuer.web.authoring import blueprint as authoring
    from issuer.web.backpack import blueprint as send_to_backpack  # they import csrf from here
    from issuer.web.catalog import blueprint as catalog
    from issuer.web.console import blueprint as console
    from issuer.web.console_earners import blueprint as console_earners
    from issuer.web.console_integrations import blueprint as console_integrations
    from issuer.web.console_reviewers import blueprint as console_reviewers
    from issuer.web.cycles import blueprint as review_cycles
    from issuer.web.evidence import blueprint as evidence_files
    from issuer.web.learning import blueprint as learning
    from issuer.web.password_reset import blueprint as password_reset
    from issuer.web.ptsb import blueprint as ptsb
    from issuer.web.ptsb_license_desk import blueprint as license_desk
    from issuer.web.reviewing import blueprint as reviewing
    from issuer.web.spec_sheet import blueprint as spec_sheet
    from issuer.web.unsubscribe import blueprint as mail_unsubscribe
    from issuer.web.wallet import blueprint as wallet_pages

    app.register_blueprint(send_to_backpack)
    app.register_blueprint(wallet_pages)
    app.register_blueprint(password_reset)
    app.register_blueprint(spec_sheet)
    app.register_blueprint(mail_unsubscribe)
    app.register_blueprint(catalog)
    app.register_blueprint(learning)
    app.register_blueprint(evidence_files)
    app.register_blueprint(reviewing)
    app.register_blueprint(review_cycles)
    app.register_blueprint(authoring)
    app.register_blueprint(ptsb)
    app.register_blueprint(license_desk)
    app.register_blueprint(console)
    app.register_blueprint(console_earners)
    app.register_blueprint(console_integrations)
    app.register_blueprint(console_reviewers)


SUBMISSION_ENDPOINTS = frozenset({"learning.submit"})


def _admit_large_submissions() -> None:
    """The performance task form may carry evidence files up to the submission limit; every
    other page keeps the upload limit."""
    if request.endpoint in SUBMISSION_ENDPOINTS:
        admit_submission_body()


def _settings(app: Flask) -> Any:
    return app.extensions["issuer.services"].settings
