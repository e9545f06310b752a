"""OAuth 2.0 for the Open Badges 3.0 API, done by Authlib: the authorization server (code grant
with S256 PKCE, refresh tokens, RFC 7009 revocation, RFC 7591 registration), the consent page,
and the token check the API's resource endpoints use (``require``)."""

from __future__ import annotations

from flask import Flask

from issuer.oauth.protect import Grant, OAuthRefused, require
from issuer.oauth.server import build_server
from issuer.oauth.views import blueprint
from issuer.oauth.wallets import blueprint as wallets_blueprint

__all__ = ["Grant", "OAuthRefused", "init_app", "require"]


def init_app(app: Flask) -> None:
    """Build the authorization server for ``app`` and route its endpoints."""
    build_server(app)
    app.register_blueprint(blueprint)
    app.register_blueprint(wallets_blueprint)
