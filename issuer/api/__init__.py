"""The JSON API (SPEC §5): thin blueprints that parse, call one use case, and present."""

from __future__ import annotations

from flask import Flask

from issuer.api import (  # noqa: F401 - importing a module declares its routes
    accounts,
    awards,
    catalog,
    earners,
    enrollments,
    evidence,
    exports,
    imports,
    issuers,
    lists,
    mail,
    programs,
    ptsb,
    review_cycles,
    stacks,
    verify,
    webhooks,
)
from issuer.api import errors as api_errors
from issuer.api.openapi import blueprint as openapi_blueprint
from issuer.api.routing import AREAS


def init_app(app: Flask) -> None:
    api_errors.init_app(app)
    for registered in AREAS:
        app.register_blueprint(registered.blueprint)
    app.register_blueprint(openapi_blueprint)
