"""The composition root: settings, database, keys, blueprints, error handlers and CLI."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from issuer import api, cli, clrapi, oauth, ob3api, ops, public, web
from issuer.config import STATIC_DIR, Settings
from issuer.runtime import Services
from issuer.web.transport import install_security_headers, wrap_transport
from issuer.workflow.storage import prepare_storage


def create_app(settings: Settings | None = None) -> Flask:
    """Build one app; nothing is created at import time, so every test gets its own."""
    settings = settings or Settings.from_env()
    app = Flask(
        __name__,
        static_folder=str(STATIC_DIR),
        static_url_path="/static",
        template_folder="web/templates",
    )
    services = Services.build(settings)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # Any request body is refused over the upload limit before it is read; the two routes
        # that take an evidence submission raise it for their request (api/uploads.py).
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        MAX_SUBMISSION_REQUEST_BYTES=max(
            settings.max_upload_bytes, services.uploads.limits.max_request_bytes
        ),
        MAX_UPLOAD_BYTES=settings.max_upload_bytes,
        MAX_JSON_BYTES=settings.max_json_bytes,
        API_SCHEMAS_DIR=settings.schemas_dir / "api",
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.converters["int"] = DatabaseId
    app.extensions["issuer.services"] = services
    if settings.auto_migrate:
        prepare_storage(services)
    api.init_app(app)
    public.init_app(app)
    web.init_app(app)
    oauth.init_app(app)  # after web: the consent page uses its CSRF protection
    ob3api.init_app(app)
    clrapi.init_app(app)
    cli.init_app(app)
    metrics = ops.init_app(app)  # /healthz, /readyz, /metrics; names a missing active key
    https = settings.base_url.startswith("https://")
    install_security_headers(app, https=https)
    public.install_cached_reads(app, https=https)  # fresh public reads answered before Flask
    wrap_transport(app, settings.trusted_proxies, around=ops.wrap(metrics))
    return app


class DatabaseId(IntegerConverter):
    """Path ids past the database's integer range are simply not found (not a 500)."""

    def __init__(self, map: Map, *args: object, **kwargs: object) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]
