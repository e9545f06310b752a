"""How requests reach the views and what every answer carries (SPEC §12): the proxies in front,
HEAD as a GET without a body, and the security headers of pages and transport."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wsgi import ClosingIterator

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

# Pages load scripts, styles, fonts and images from this origin only (no inline script or style,
# no plugins, no <base>), and no other site may frame them.
PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000"


class HeadAsGet:
    """WSGI middleware: a HEAD request reaches the app as a GET without a body, and its answer
    loses the body (headers, Content-Length included, stay those of the GET).

    Flask routes HEAD to a view that also takes GET, where ``request.method`` says "HEAD": a view
    that branches on ``request.method == "GET"`` then ran its POST code for a HEAD, without the
    CSRF check. Turning HEAD into GET before routing means no view can mistake it for a write.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "").upper() != "HEAD":
            return self.app(environ, start_response)
        as_get = dict(environ)
        as_get.update({"REQUEST_METHOD": "GET", "CONTENT_LENGTH": "0", "wsgi.input": io.BytesIO()})
        as_get.pop("CONTENT_TYPE", None)
        as_get.pop("HTTP_TRANSFER_ENCODING", None)
        body = self.app(as_get, start_response)
        return ClosingIterator((), getattr(body, "close", None))


def wrap_transport(
    app: Flask,
    trusted_proxies: int,
    around: Callable[[WSGIApplication], WSGIApplication] | None = None,
) -> None:
    """HEAD as GET, then ``around`` (the request telemetry), then (outermost) the client address,
    scheme and host from X-Forwarded-For, -Proto and -Host when ``trusted_proxies`` proxies stand
    in front (their count, not a list)."""
    wsgi: Any = HeadAsGet(app.wsgi_app)
    if around is not None:
        wsgi = around(wsgi)
    if trusted_proxies:
        n = trusted_proxies
        wsgi = ProxyFix(wsgi, x_for=n, x_proto=n, x_host=n, x_port=n)
    app.wsgi_app = wsgi  # type: ignore[method-assign]


def security_headers(
    present: Iterable[str], mimetype: str, *, https: bool
) -> list[tuple[str, str]]:
    """The security headers an answer of ``mimetype`` lacks, given the header names it has:
    every answer nosniff and a same-origin referrer; HTML pages the page policy and no framing;
    on https HSTS. An answer that set its own (stored SVG, OAuth pages) keeps it."""
    have = {name.lower() for name in present}
    wanted = _HTML_HEADERS if mimetype == "text/html" else _EVERY_ANSWER
    if https:
        wanted = (*wanted, ("Strict-Transport-Security", HSTS))
    return [(name, value) for name, value in wanted if name.lower() not in have]


_EVERY_ANSWER = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"))
_HTML_HEADERS = (
    *_EVERY_ANSWER,
    ("Content-Security-Policy", PAGE_POLICY),
    ("X-Frame-Options", "DENY"),
)


def install_security_headers(app: Flask, *, https: bool) -> None:
    """Every Flask answer gets ``security_headers`` (public reads served from the cache outside
    Flask add the same ones themselves)."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        for name, value in security_headers(headers.keys(), response.mimetype, https=https):
            headers.add(name, value)
        return response
