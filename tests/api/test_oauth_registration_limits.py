"""Open dynamic client registration, but not a flood, and never a 500 on hostile JSON."""

from __future__ import annotations

from sqlalchemy import func, select

from issuer import create_app
from issuer.models import OAuthClient
from tests.api.oauth_client import Backpack


def _clients(app) -> int:
    with app.extensions["issuer.services"].db.session() as session:
        return session.scalar(select(func.count()).select_from(OAuthClient)) or 0


def test_deeply_nested_json_is_refused_with_an_oauth_error(app, client):
    body = "[" * 5000 + "]" * 5000
    response = client.post("/oauth/register", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client_metadata"
    assert _clients(app) == 0


def test_deeply_nested_metadata_value_is_refused_with_an_oauth_error(app, client):
    body = '{"client_name": ' + "[" * 5000 + "]" * 5000 + "}"
    response = client.post("/oauth/register", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client_metadata"
    assert _clients(app) == 0


def test_registrations_from_one_address_are_limited_per_hour(settings):
    app = create_app(settings.with_changes(oauth_registrations_per_hour=3))
    try:
        flooder = Backpack(app.test_client())
        statuses = [flooder.register().status_code for _ in range(5)]
        assert statuses == [201, 201, 201, 429, 429]
        refused = flooder.register()
        assert refused.get_json()["error"] == "temporarily_unavailable"
        assert refused.headers["Retry-After"]
        assert _clients(app) == 3
        other = app.test_client()
        answer = Backpack(other).client.post(
            "/oauth/register",
            json={"client_name": "Other", "redirect_uris": ["https://other.example.org/cb"]},
            environ_base={"REMOTE_ADDR": "192.0.2.44"},
        )
        assert answer.status_code == 201
    finally:
        app.extensions["issuer.services"].db.dispose()


def test_default_limit_is_twenty_registrations_an_hour(app, client):
    statuses = [Backpack(client).register().status_code for _ in range(21)]
    assert statuses == [201] * 20 + [429]
