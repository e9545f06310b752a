"""Wallet offers and the OpenID4VCI 1.0 pre-authorized code steps (SPEC §10, issue 15): the
offer, the Credential Offer document, both metadata documents, the token and nonce endpoints.
Names and shapes are checked against the OpenID4VCI 1.0 final text, not the service's code."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from issuer.domain.actors import SYSTEM
from issuer.workflow.awards import wallet_offers
from tests.conftest import BASE_URL

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
EMAIL = "ada.teacher@school.example.org"


@pytest.fixture
def award(api, district):
    issuer_id, admin = district
    program = api.approved_program(admin, issuer_id)
    earner = api.earner(admin, email=EMAIL)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program, earner_id=earner)
    return api.complete(admin, enrollment_id)


@pytest.fixture
def earner_token(api, award):
    return api.account("earner", email=EMAIL)


def offer(api, award, token):
    return api.ok("POST", f"/awards/{award['id']}/wallet-offers", token)


def local(url):
    return url.removeprefix(BASE_URL)


def offer_document(client, created):
    response = client.get(local(created["credential_offer_uri"]))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def code_of(client, created):
    return offer_document(client, created)["grants"][PRE_AUTH]["pre-authorized_code"]


def token_request(client, code):
    return client.post("/oauth/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": code})


def test_the_earner_offers_their_award_and_gets_the_offer_links(api, award, earner_token):
    created = offer(api, award, earner_token)
    assert set(created) >= {"offer_id", "credential_offer_uri", "offer_url", "expires_at"}
    assert created["lcw_url"].startswith("https://lcw.app/request.html?request=")
    link = urlsplit(created["offer_url"])
    assert link.scheme == "openid-credential-offer"
    assert parse_qs(link.query)["credential_offer_uri"] == [created["credential_offer_uri"]]
    assert created["credential_offer_uri"].startswith(BASE_URL + "/")


def test_the_issuers_admin_offers_the_award_for_the_earner(api, district, award):
    assert offer(api, award, district[1])["offer_id"]


def test_another_earner_may_not_offer_the_award(api, award):
    other = api.account("earner", email="grace@school.example.org")
    response = api.call("POST", f"/awards/{award['id']}/wallet-offers", other)
    assert response.status_code == 403
    assert response.get_json()["error"] == "other_earner"


def test_another_issuers_admin_may_not_offer_the_award(api, award):
    _, other_admin = api.issuer("Other District")
    response = api.call("POST", f"/awards/{award['id']}/wallet-offers", other_admin)
    assert response.status_code == 403


def test_offer_expires_after_ten_minutes(api, app, award, earner_token):
    created = offer(api, award, earner_token)
    now = app.extensions["issuer.services"].clock()
    expires = created["expires_at"]
    from datetime import datetime

    delta = datetime.fromisoformat(expires.replace("Z", "+00:00")) - now
    assert timedelta(minutes=9) < delta <= timedelta(minutes=10)


def test_credential_offer_names_the_issuer_both_configurations_and_the_code(
    client, api, award, earner_token
):
    document = offer_document(client, offer(api, award, earner_token))
    assert document["credential_issuer"] == BASE_URL
    metadata = client.get("/.well-known/openid-credential-issuer").get_json()
    assert document["credential_configuration_ids"]
    assert set(document["credential_configuration_ids"]) <= set(
        metadata["credential_configurations_supported"]
    )
    assert document["grants"][PRE_AUTH]["pre-authorized_code"]
    assert "tx_code" not in document["grants"][PRE_AUTH]


def test_issuer_metadata_describes_both_formats_with_1_0_credential_metadata(client):
    response = client.get("/.well-known/openid-credential-issuer")
    assert response.headers["Cache-Control"] == "no-store"
    metadata = response.get_json()
    assert metadata["credential_issuer"] == BASE_URL
    assert metadata["credential_endpoint"] == BASE_URL + "/oid4vci/credential"
    assert metadata["nonce_endpoint"] == BASE_URL + "/oid4vci/nonce"
    configurations = [
        c
        for c in metadata["credential_configurations_supported"].values()
        if "OpenBadgeCredential" in c["credential_definition"]["type"]
    ]
    assert sorted(c["format"] for c in configurations) == ["jwt_vc_json", "ldp_vc"]
    for configuration in configurations:
        assert configuration["cryptographic_binding_methods_supported"] == ["did:key", "did:jwk"]
        assert configuration["proof_types_supported"] == {
            "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}
        }
        display = configuration["credential_metadata"]["display"][0]
        assert display["name"] and display["description"] and display["logo"]["uri"]
    ldp = next(c for c in configurations if c["format"] == "ldp_vc")
    assert ldp["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    assert ldp["credential_definition"]["@context"][0] == "https://www.w3.org/ns/credentials/v2"


def test_authorization_server_metadata_accepts_anonymous_pre_authorized_codes(client):
    metadata = client.get("/.well-known/oauth-authorization-server").get_json()
    assert metadata["issuer"] == BASE_URL
    assert metadata["pre-authorized_grant_anonymous_access_supported"] is True
    assert PRE_AUTH in metadata["grant_types_supported"]
    assert metadata["token_endpoint"] == BASE_URL + "/oauth/token"


def test_pre_authorized_code_gives_a_bearer_access_token(client, api, award, earner_token):
    response = token_request(client, code_of(client, offer(api, award, earner_token)))
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["access_token"] and 0 < body["expires_in"] <= 300


def test_a_reused_code_answers_invalid_grant(client, api, award, earner_token):
    code = code_of(client, offer(api, award, earner_token))
    assert token_request(client, code).status_code == 200
    again = token_request(client, code)
    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_grant"
    assert again.headers["Cache-Control"] == "no-store"


def test_an_unknown_code_answers_invalid_grant(client):
    response = token_request(client, "not-a-code")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_an_expired_offer_is_refused(client, app, api, award, earner_token):
    created = offer(api, award, earner_token)
    code = code_of(client, created)
    services = app.extensions["issuer.services"]
    later = services.clock() + timedelta(minutes=10, seconds=1)
    services.clock = lambda: later
    assert client.get(local(created["credential_offer_uri"])).status_code == 404
    response = token_request(client, code)
    assert response.get_json()["error"] == "invalid_grant"


def test_a_used_offer_is_no_longer_served(client, api, award, earner_token):
    created = offer(api, award, earner_token)
    assert token_request(client, code_of(client, created)).status_code == 200
    response = client.get(local(created["credential_offer_uri"]))
    assert response.status_code == 404
    assert response.get_json()["error"] == "offer_not_found"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_code_raced_by_two_token_requests_gives_one_token(client, app, api, award, earner_token):
    code = code_of(client, offer(api, award, earner_token))
    services = app.extensions["issuer.services"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def redeem() -> None:
        barrier.wait()
        try:
            with services.db.transaction() as session:
                wallet_offers.redeem_code(services.context(session, SYSTEM), code)
            outcomes.append("token")
        except wallet_offers.ProtocolError as error:
            outcomes.append(error.error)

    threads = [threading.Thread(target=redeem) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["invalid_grant", "token"]


def test_nonce_endpoint_gives_a_fresh_uncacheable_nonce(client):
    first, second = client.post("/oid4vci/nonce"), client.post("/oid4vci/nonce")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"
    assert first.get_json()["c_nonce"] != second.get_json()["c_nonce"]
