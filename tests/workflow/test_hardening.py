"""Smaller holes of issue 10: a rename does not rewrite issued awards, secrets are not in the
database file, the database file and folder are private, password links stay out of access logs."""

from __future__ import annotations

import logging
import stat
import threading
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from issuer import create_app
from issuer.domain.actors import SYSTEM
from issuer.domain.backpacks import BackpackEndpoints
from issuer.signing.sealing import SecretBox
from issuer.workflow.integrations import backpack_sending
from tests.api.oauth_client import Backpack, bearer, make_earner
from tests.web.conftest import PASSWORD, csrf_from

PROFILE = "/ims/ob/v3p0/profile"


def local(url: str) -> str:
    return url.replace("https://badges.test", "")


def test_renaming_through_put_profile_keeps_the_name_on_earlier_awards(
    api, client, district, monkeypatch
):
    earner = make_earner(api, district, awards=1)
    award = earner.awards[0]
    token = Backpack(client).tokens(earner.email)["access_token"]
    profile = client.get(PROFILE, headers=bearer(token)).get_json()
    renamed = client.put(
        PROFILE, json={**profile, "name": "Mallory Impostor"}, headers=bearer(token)
    )
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Mallory Impostor"

    page = client.get(local(award["verify_url"]), headers={"Accept": "text/html"}).data.decode()
    award_page = page.split('<main id="main-content"')[1]  # the header names who is signed in now
    assert 'class="earner">Ada Teacher<' in award_page and "Mallory" not in award_page
    printed = []
    monkeypatch.setattr("issuer.web.certificate_pdf", lambda text: printed.append(text) or b"%PDF")
    assert client.get(local(award["certificate_pdf"])).status_code == 200
    assert [t.earner_name for t in printed] == ["Ada Teacher"]


def _raw_database(app) -> bytes:
    """What is stored: the SQLite file itself, or on PostgreSQL every row of every table as text."""
    services = app.extensions["issuer.services"]
    engine = services.db.engine
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        services.db.dispose()
        return b"".join(p.read_bytes() for p in Path(path).parent.glob(Path(path).name + "*"))
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        rows = [conn.execute(sa.select(table)).all() for table in meta.sorted_tables]
    return repr(rows).encode()


def test_database_holds_no_webhook_or_backpack_client_secret(api, app, district):
    _, admin = district
    created = api.ok(
        "POST",
        "/webhooks/subscriptions",
        admin,
        {"url": "https://hooks.example.org/in", "event_types": ["award.issued"]},
    )
    services = app.extensions["issuer.services"]
    client_secret = "backpack-client-secret-" + "s3cr3t" * 4
    endpoints = BackpackEndpoints(
        discovery_url="https://backpack.example.org/discovery",
        name="Backpack",
        api_url="https://backpack.example.org/api",
        authorization_url="https://backpack.example.org/authorize",
        token_url="https://backpack.example.org/token",
        registration_url="https://backpack.example.org/register",
    )
    with services.db.transaction() as session:
        backpack_sending.save_registration(
            services.context(session, SYSTEM),
            endpoints,
            "https://badges.test/backpack/callback",
            "client-1",
            client_secret,
            SecretBox(services.settings.secret_key),
        )
    raw = _raw_database(app)
    secret = created["secret"]
    assert secret.encode() not in raw and secret.removeprefix("whsec_").encode() not in raw
    assert client_secret.encode() not in raw


def test_sqlite_file_is_0600_and_the_instance_folder_0700(settings, tmp_path):
    fresh = settings.with_changes(
        database_url="", instance_dir=tmp_path / "fresh-instance", keys_dir=tmp_path / "fresh-keys"
    )
    app = create_app(fresh)
    try:
        app.test_client().get("/")
        folder = fresh.instance_dir
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for path in folder.glob("issuer.sqlite3*"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
        assert (folder / "issuer.sqlite3").exists()
    finally:
        app.extensions["issuer.services"].db.dispose()


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def http_app(settings):
    """Served over plain http on loopback (the session cookie is not Secure there)."""
    app = create_app(settings.with_changes(base_url="http://127.0.0.1"))
    yield app
    app.extensions["issuer.services"].db.dispose()


def test_password_link_token_never_reaches_the_access_log(http_app):
    """A real server and what a browser sends for the link: the request lines it logs hold no
    token (the token is after ``#``, and the form posts it in the body)."""
    app = http_app
    email = "logged@school.example.org"
    cli = app.test_cli_runner()
    assert (
        cli.invoke(args=["accounts", "create", "--role", "ptsb", "--email", email]).exit_code == 0
    )
    link = cli.invoke(args=["accounts", "invite", "--email", email]).output.strip()
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(link).fragment)["token"][0]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    lines = _Lines()
    werkzeug_log = logging.getLogger("werkzeug")
    werkzeug_log.addHandler(lines)
    old_level = werkzeug_log.level
    werkzeug_log.setLevel(logging.INFO)
    thread.start()
    try:
        origin = f"http://127.0.0.1:{server.server_port}"
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        parts = urllib.parse.urlsplit(link)
        opened = parts.path + (f"?{parts.query}" if parts.query else "")  # no fragment sent
        page = browser.open(origin + opened).read().decode()
        form = urllib.parse.urlencode(
            {"token": token, "password": PASSWORD, "csrf_token": csrf_from(page)}
        ).encode()
        browser.open(origin + "/account/password", data=form).read()
    finally:
        server.shutdown()
        thread.join(5)
        werkzeug_log.removeHandler(lines)
        werkzeug_log.setLevel(old_level)
    assert any("/account/password" in line for line in lines.lines)
    assert not [line for line in lines.lines if token in line]
