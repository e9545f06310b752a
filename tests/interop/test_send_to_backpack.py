"""Send to my backpack, over real HTTP between two deployments of this service.

The sender is the app under test (the usual test database, SQLite or PostgreSQL), served at its
own loopback origin ``http://127.0.0.1:<port>`` so the backpack can fetch its issuer profile, keys
and status list when it verifies what it receives. The backpack is a second deployment (its own
SQLite file, keys and SECRET_KEY) at ``http://localhost:<port>``: another host name, so the
earner's browser keeps a separate session cookie for each site as a real browser would. Both
allow loopback addresses (``verify_allow_private``), as tests must.

The earner's browser is ``requests`` following redirects: it signs in on the sender, submits the
portfolio's form, lands on the backpack's consent page, signs in there and allows (or denies), and
is sent back to the sender's callback, which swaps the code and pushes the credential.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from issuer import create_app
from issuer.config import Settings
from issuer.models import (
    AuditEntry,
    BackpackConnection,
    BackpackRegistration,
    OAuthClient,
    ReceivedCredential,
)
from issuer.signing.sealing import SecretBox
from tests.api.oauth_client import PASSWORD, READ, Backpack, Earner, bearer, make_earner
from tests.conftest import Api
from tests.interop.conftest import LiveServer

pytestmark = pytest.mark.interop

SENDER_SECRET = "test-secret"  # the ``settings`` fixture's SECRET_KEY  # noqa: S105


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@dataclass
class Browser:
    """The earner's browser: one cookie jar, redirects followed, every URL it opened kept."""

    http: requests.Session = field(default_factory=requests.Session)
    opened: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.http.trust_env = False
        self.http.hooks["response"].append(lambda answer, *_, **__: self.opened.append(answer.url))

    def get(self, url: str) -> requests.Response:
        return self.http.get(url, timeout=60)

    def submit(self, url: str, form: dict[str, str]) -> requests.Response:
        return self.http.post(url, data=form, timeout=60)

    def sign_in(self, origin: str, email: str) -> None:
        page = self.get(f"{origin}/login")
        form = {"email": email, "password": PASSWORD, "csrf_token": _csrf(page.text)}
        answer = self.submit(f"{origin}/login", form)
        assert answer.status_code == 200 and answer.url.endswith("/portfolio"), answer.text

    def send(self, origin: str, award_id: str, backpack_url: str) -> requests.Response:
        """Submit the portfolio's "Send to my backpack" form for one award."""
        page = self.get(f"{origin}/portfolio")
        assert page.status_code == 200
        form = {"csrf_token": _csrf(page.text), "award_id": award_id, "backpack_url": backpack_url}
        return self.submit(f"{origin}/portfolio/backpack", form)

    def consent(
        self, page: requests.Response, email: str, decision: str = "approve"
    ) -> requests.Response:
        """On the backpack's consent page: sign in there, then allow (or deny)."""
        assert page.status_code == 200 and "Sign in to continue" in page.text, page.text
        form = {
            "action": "sign_in",
            "email": email,
            "password": PASSWORD,
            "csrf_token": _csrf(page.text),
        }
        signed_in = self.submit(page.url, form)
        assert signed_in.status_code == 200 and "Allow" in signed_in.text, signed_in.text
        return self.submit(signed_in.url, {"action": decision, "csrf_token": _csrf(signed_in.text)})


@dataclass
class Deployment:
    """One running deployment: its app, its loopback server, and an API client on it."""

    app: Flask
    server: LiveServer
    api: Api

    @property
    def url(self) -> str:
        return self.server.url

    def count(self, model: Any) -> int:
        with self.app.extensions["issuer.services"].db.session() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def rows(self, model: Any) -> list[Any]:
        with self.app.extensions["issuer.services"].db.session() as session:
            return list(session.scalars(select(model).order_by(model.id)))


@pytest.fixture
def sender_server() -> Iterator[LiveServer]:
    server = LiveServer(host="127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, sender_server: LiveServer) -> Settings:
    """The sender publishes under its own loopback origin and may reach loopback backpacks."""
    return settings.with_changes(base_url=sender_server.url, verify_allow_private=True)


@pytest.fixture
def sender(app: Flask, api: Api, sender_server: LiveServer) -> Deployment:
    sender_server.serve(app)
    return Deployment(app, sender_server, api)


@pytest.fixture
def backpack(tmp_path: Path, sqlite_template: Path) -> Iterator[Deployment]:
    """A second deployment acting as the earner's backpack (Open Badges 3.0 API)."""
    server = LiveServer(host="localhost")
    folder = tmp_path / "backpack"
    folder.mkdir()
    shutil.copy(sqlite_template, folder / "issuer.sqlite3")
    settings = Settings(
        base_url=server.url,
        database_url=f"sqlite:///{folder / 'issuer.sqlite3'}",
        keys_dir=folder / "keys",
        instance_dir=folder / "instance",
        secret_key="another-deployment-secret",  # noqa: S106
        verify_allow_private=True,
    )
    app = create_app(settings)
    server.serve(app)
    yield Deployment(app, server, Api(app.test_client(), app.test_cli_runner()))
    server.stop()
    app.extensions["issuer.services"].db.dispose()


@pytest.fixture
def earner(sender: Deployment, district: tuple[int, str]) -> Earner:
    """An educator with two badges from the sender, and an account on the backpack too."""
    return make_earner(sender.api, district, awards=2)


@pytest.fixture
def backpack_account(backpack: Deployment, earner: Earner) -> Earner:
    """The same educator (same email) registered on the backpack, with a password there."""
    return make_earner(
        backpack.api, backpack.api.issuer("Backpack Host"), awards=0, email=earner.email
    )


@pytest.fixture
def browser(sender: Deployment, earner: Earner) -> Browser:
    """The earner's browser, signed in on the sender."""
    signed_in = Browser()
    signed_in.sign_in(sender.url, earner.email)
    return signed_in


def _pulled(backpack: Deployment, email: str) -> list[dict[str, Any]]:
    """What the backpack's getCredentials answers the earner's own app (a read-only token)."""
    tokens = Backpack(backpack.app.test_client()).tokens(email, READ)
    answer = backpack.app.test_client().get(
        "/ims/ob/v3p0/credentials", headers=bearer(tokens["access_token"])
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["credential"]  # type: ignore[no-any-return]


def _send_through_consent(
    browser: Browser, sender: Deployment, backpack: Deployment, earner: Earner, award: int = 0
) -> requests.Response:
    consent_page = browser.send(sender.url, earner.awards[award]["id"], backpack.url)
    return browser.consent(consent_page, earner.email)


def test_a_badge_reaches_the_backpack_through_consent_byte_identical(
    sender, backpack, earner, backpack_account, browser
):
    outcome = _send_through_consent(browser, sender, backpack, earner)
    assert outcome.status_code == 200, outcome.text
    assert outcome.url.startswith(f"{sender.url}/portfolio/backpack/callback?")
    assert "is now in" in outcome.text
    credential_url = earner.awards[0]["ob3"]["credential"]
    published = requests.get(credential_url, headers={"Accept": "application/ld+json"}, timeout=30)
    [received] = backpack.rows(ReceivedCredential)
    assert received.body == published.content  # exactly the bytes we published: never re-signed
    [pulled] = [c for c in _pulled(backpack, earner.email) if c["id"] == credential_url]
    assert pulled["proof"] == published.json()["proof"]


def test_the_consent_page_shows_the_sender_asking_only_to_add_badges(
    sender, backpack, earner, backpack_account, browser
):
    page = browser.send(sender.url, earner.awards[0]["id"], backpack.url)
    assert page.url.startswith(f"{backpack.url}/oauth/authorize?")
    assert "Professional Teaching Standards Board badges" in page.text
    assert "Add badges you earned elsewhere to your account" in page.text
    assert "Read your badges" not in page.text
    assert "code_challenge_method=S256" in page.url


def test_the_registration_is_made_once_per_backpack_and_reused(
    sender, backpack, earner, backpack_account, browser, api, district
):
    _send_through_consent(browser, sender, backpack, earner)
    colleague = make_earner(api, district, awards=1)
    make_earner(backpack.api, backpack.api.issuer("Other"), awards=0, email=colleague.email)
    theirs = Browser()
    theirs.sign_in(sender.url, colleague.email)
    outcome = _send_through_consent(theirs, sender, backpack, colleague)
    assert "is now in" in outcome.text
    assert sender.count(BackpackRegistration) == 1
    assert backpack.count(ReceivedCredential) == 2
    assert backpack.count(OAuthClient) == 1  # the backpack saw one registration from us


def _opened_tokens(sender: Deployment) -> tuple[str, str | None]:
    """The sender's stored tokens at the backpack, opened with the sender's SECRET_KEY."""
    [row] = sender.rows(BackpackConnection)
    box = SecretBox(SENDER_SECRET)
    purpose = f"backpack-token:{row.account_id}:{row.registration_id}"
    access = box.open(row.access_token_sealed, purpose + ":access")
    refresh = (
        box.open(row.refresh_token_sealed, purpose + ":refresh")
        if row.refresh_token_sealed
        else None
    )
    return access, refresh


def _upsert_with(backpack: Deployment, access_token: str, body: bytes) -> int:
    answer = requests.post(
        f"{backpack.url}/ims/ob/v3p0/credentials",
        data=body,
        headers={"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"},
        timeout=60,
    )
    return answer.status_code


def test_stored_tokens_are_sealed_and_still_work_at_the_backpack(
    sender, backpack, earner, backpack_account, browser
):
    _send_through_consent(browser, sender, backpack, earner)
    [row] = sender.rows(BackpackConnection)
    access, refresh = _opened_tokens(sender)
    assert row.access_token_sealed.startswith("v1.") and access not in row.access_token_sealed
    assert refresh is not None and refresh not in (row.refresh_token_sealed or "")
    published = requests.get(earner.awards[0]["ob3"]["credential"], timeout=30).content
    assert _upsert_with(backpack, access, published) == 200  # the backpack already holds it


def test_a_second_badge_goes_with_the_stored_token_without_asking_again(
    sender, backpack, earner, backpack_account, browser
):
    _send_through_consent(browser, sender, backpack, earner, award=0)
    browser.opened.clear()
    outcome = browser.send(sender.url, earner.awards[1]["id"], backpack.url)
    assert outcome.status_code == 200 and "is now in" in outcome.text, outcome.text
    assert not [url for url in browser.opened if url.startswith(backpack.url)]
    assert backpack.count(ReceivedCredential) == 2


def test_sending_the_same_badge_again_replaces_the_backpacks_copy(
    sender, backpack, earner, backpack_account, browser
):
    _send_through_consent(browser, sender, backpack, earner)
    again = browser.send(sender.url, earner.awards[0]["id"], backpack.url)
    assert again.status_code == 200 and "was already in" in again.text
    assert backpack.count(ReceivedCredential) == 1


def test_an_expired_token_is_refreshed_before_sending(
    sender, backpack, earner, backpack_account, browser
):
    _send_through_consent(browser, sender, backpack, earner, award=0)
    old_access, _ = _opened_tokens(sender)
    services = sender.app.extensions["issuer.services"]
    later = services.clock() + timedelta(hours=2)
    services.clock = lambda: later
    browser.opened.clear()
    outcome = browser.send(sender.url, earner.awards[1]["id"], backpack.url)
    assert outcome.status_code == 200 and "is now in" in outcome.text, outcome.text
    assert not [url for url in browser.opened if url.startswith(backpack.url)]
    new_access, _ = _opened_tokens(sender)
    assert new_access != old_access
    [row] = sender.rows(BackpackConnection)
    assert row.expires_at > later
    published = requests.get(earner.awards[0]["ob3"]["credential"], timeout=30).content
    assert _upsert_with(backpack, old_access, published) == 401  # rotated out by the refresh


def test_a_denied_consent_sends_nothing_and_keeps_no_tokens(
    sender, backpack, earner, backpack_account, browser
):
    consent_page = browser.send(sender.url, earner.awards[0]["id"], backpack.url)
    outcome = browser.consent(consent_page, earner.email, decision="deny")
    assert outcome.url.startswith(f"{sender.url}/portfolio/backpack/callback?")
    assert "You did not allow" in outcome.text and "nothing was sent" in outcome.text
    assert sender.count(BackpackConnection) == 0
    assert backpack.count(ReceivedCredential) == 0


def test_a_callback_with_another_state_is_refused_and_the_real_one_no_longer_works(
    sender, backpack, earner, backpack_account, browser
):
    consent_page = browser.send(sender.url, earner.awards[0]["id"], backpack.url)
    forged = browser.get(f"{sender.url}/portfolio/backpack/callback?code=stolen&state=forged")
    assert forged.status_code == 400 and "state mismatch" in forged.text
    late = browser.consent(consent_page, earner.email)  # the real answer, after the forged one
    assert late.status_code == 400 and "No sending to a backpack is in progress" in late.text
    assert sender.count(BackpackConnection) == 0
    assert backpack.count(ReceivedCredential) == 0


def test_a_badge_the_backpack_refuses_is_explained_and_recorded_nowhere(
    sender, backpack, earner, browser
):
    stranger = make_earner(backpack.api, backpack.api.issuer("Elsewhere"), awards=0)
    consent_page = browser.send(sender.url, earner.awards[0]["id"], backpack.url)
    outcome = browser.consent(consent_page, stranger.email)  # a backpack account of another email
    assert outcome.status_code == 502
    assert "did not accept the badge (HTTP 400: The credential did not verify" in outcome.text
    assert backpack.count(ReceivedCredential) == 0
    with sender.app.extensions["issuer.services"].db.session() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert "award.sent_to_backpack" not in actions


def test_a_refused_registration_is_explained(sender, earner, browser, document_server):
    from issuer.ob3api.discovery import service_description

    document_server.add_json(
        "/ims/ob/v3p0/discovery",
        service_description(document_server.base_url, "Closed Backpack"),
        "application/json",
    )
    outcome = browser.send(sender.url, earner.awards[0]["id"], document_server.base_url)
    assert outcome.status_code == 502
    assert "refused to register this service (HTTP 501" in outcome.text
    assert sender.count(BackpackRegistration) == 0


@pytest.mark.parametrize(
    ("body", "content_type", "says"),
    [
        (b'{"openapi": "3.0.1", "info": {"title": "x"}}', "application/json", "components"),
        (b"<html>Welcome</html>", "text/html", "is not JSON"),
    ],
    ids=["no-security-scheme", "not-json"],
)
def test_a_bad_discovery_document_is_explained(
    sender, earner, browser, document_server, body, content_type, says
):
    document_server.add_bytes("/ims/ob/v3p0/discovery", body, content_type)
    outcome = browser.send(sender.url, earner.awards[0]["id"], document_server.base_url)
    assert outcome.status_code == 502 and says in outcome.text, outcome.text
    assert sender.count(BackpackRegistration) == 0


def test_a_missing_discovery_document_is_explained(sender, earner, browser, document_server):
    outcome = browser.send(sender.url, earner.awards[0]["id"], document_server.base_url)
    assert outcome.status_code == 502
    assert "no Open Badges 3.0 service description" in outcome.text
    assert document_server.requests == ["/ims/ob/v3p0/discovery"]


def test_tokens_the_backpack_no_longer_accepts_are_forgotten_and_consent_is_asked_again(
    sender, backpack, earner, backpack_account, browser
):
    _send_through_consent(browser, sender, backpack, earner, award=0)
    apps = browser.get(f"{backpack.url}/oauth/apps")  # the earner disconnects us at the backpack
    [client_pk] = re.findall(r'name="client" value="(\d+)"', apps.text)
    browser.submit(
        f"{backpack.url}/oauth/apps", {"client": client_pk, "csrf_token": _csrf(apps.text)}
    )
    consent_page = browser.send(sender.url, earner.awards[1]["id"], backpack.url)
    assert consent_page.url.startswith(f"{backpack.url}/oauth/authorize?")
    assert sender.count(BackpackConnection) == 0  # the refused tokens are gone
    outcome = browser.submit(
        consent_page.url, {"action": "approve", "csrf_token": _csrf(consent_page.text)}
    )
    assert outcome.status_code == 200 and "is now in" in outcome.text, outcome.text
    assert backpack.count(ReceivedCredential) == 2
