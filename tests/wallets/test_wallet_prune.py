"""Cleaning up after wallets (SPEC §10, issue 15): expired or used offers, access tokens, nonces
and exchanges are deleted by ``flask wallets prune`` and whenever an offer is made; what is still
usable stays, and copies keep their award."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from issuer.models import WalletAccessToken, WalletCopy, WalletExchange, WalletNonce, WalletOffer
from tests.conftest import BASE_URL
from tests.wallets.oid4vci_client import Holder, Wallet

EMAIL = "ada.teacher@school.example.org"
TABLES = (WalletOffer, WalletAccessToken, WalletNonce, WalletExchange)


@pytest.fixture
def award(api, district):
    issuer_id, admin = district
    program = api.approved_program(admin, issuer_id)
    earner = api.earner(admin, email=EMAIL)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program, earner_id=earner)
    return api.complete(admin, enrollment_id)


def offer(api, district, award):
    return api.ok("POST", f"/awards/{award['id']}/wallet-offers", district[1])


def counts(app) -> dict[str, int]:
    with app.extensions["issuer.services"].db.session() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (*TABLES, WalletCopy)
        }


def later(app, minutes: float) -> None:
    services = app.extensions["issuer.services"]
    moment = services.clock() + timedelta(minutes=minutes)
    services.clock = lambda: moment


def prune(runner):
    result = runner.invoke(args=["wallets", "prune"])
    assert result.exit_code == 0, result.output
    return result.output


def test_prune_keeps_an_open_offer_and_its_exchange(app, api, district, award, runner):
    offer(api, district, award)
    assert "pruned 0 offer(s)" in prune(runner)
    assert counts(app)["wallet_offers"] == counts(app)["wallet_exchanges"] == 1


def test_prune_deletes_expired_offers_exchanges_and_nonces(
    app, api, district, award, client, runner
):
    offer(api, district, award)
    client.post("/oid4vci/nonce")
    later(app, 11)
    output = prune(runner)
    assert "pruned 1 offer(s), 0 access token(s), 1 nonce(s), 1 exchange(s)" in output
    assert all(count == 0 for count in counts(app).values())


def test_prune_deletes_a_used_token_and_nonce_but_keeps_the_copy(
    app, api, district, award, client, runner
):
    created = offer(api, district, award)
    response = Wallet(client, BASE_URL).claim(
        created["offer_url"], Holder.did_key_ed25519(), "ldp_vc"
    )
    assert response.status_code == 200
    prune(runner)
    assert counts(app)["wallet_access_tokens"] == counts(app)["wallet_nonces"] == 0
    later(app, 11)
    prune(runner)
    after = counts(app)
    assert after["wallet_offers"] == after["wallet_exchanges"] == 0
    assert after["wallet_copies"] == 1
    copy = api.ok("GET", f"/awards/{award['id']}", district[1])["wallet_copies"][0]
    assert client.get(copy["credential"].removeprefix(BASE_URL)).status_code == 200


def test_an_expired_offer_waits_for_its_unexpired_access_token(
    app, api, district, award, client, runner
):
    created = offer(api, district, award)
    wallet = Wallet(client, BASE_URL)
    code = wallet.read_offer(created["offer_url"])["grants"][
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    ]["pre-authorized_code"]
    later(app, 9)
    assert wallet.token(f"{BASE_URL}/oauth/token", code).status_code == 200
    later(app, 2)  # the offer has expired, its token (5 minutes) has not
    prune(runner)
    assert counts(app)["wallet_offers"] == counts(app)["wallet_access_tokens"] == 1


def test_making_an_offer_prunes_the_expired_ones(app, api, district, award):
    offer(api, district, award)
    later(app, 11)
    offer(api, district, award)
    assert counts(app)["wallet_offers"] == counts(app)["wallet_exchanges"] == 1
