"""The VC-API exchange of a wallet offer (SPEC §10, issue 15), as the Learner Credential Wallet runs
it: the request link, the interaction URL's protocols, the DIDAuthentication request, the signed
presentation answered by the holder-bound copy; and every refusal, by its error code."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from issuer.domain.actors import SYSTEM
from issuer.domain.vcapi import ExchangeError
from issuer.models import WalletCopy, WalletExchange, WalletOffer
from issuer.workflow.awards import wallet_exchanges
from tests.conftest import BASE_URL
from tests.wallets.oid4vci_client import Holder, Wallet
from tests.wallets.vcapi_holder import VcApiHolder

EMAIL = "ada.teacher@school.example.org"


@pytest.fixture
def award(api, district):
    issuer_id, admin = district
    program = api.approved_program(admin, issuer_id)
    earner = api.earner(admin, email=EMAIL)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program, earner_id=earner)
    return api.complete(admin, enrollment_id)


@pytest.fixture
def offer(api, award):
    return api.ok(
        "POST", f"/awards/{award['id']}/wallet-offers", api.account("earner", email=EMAIL)
    )


def local(url):
    assert url.startswith(BASE_URL), url
    return url.removeprefix(BASE_URL)


def request_of(offer):
    link = urlsplit(offer["lcw_url"])
    return json.loads(parse_qs(link.query)["request"][0])


def exchange_url(offer):
    return request_of(offer)["protocols"]["vcapi"]


def start(client, offer):
    response = client.post(local(exchange_url(offer)), json={})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["verifiablePresentationRequest"]


def present(client, offer, presentation):
    return client.post(local(exchange_url(offer)), json={"verifiablePresentation": presentation})


def claim(client, offer, holder, **changes):
    request = start(client, offer)
    signed = holder.did_auth(
        changes.get("challenge", request["challenge"]), changes.get("domain", request["domain"])
    )
    return present(client, offer, signed)


def test_the_lcw_url_is_a_request_link_naming_our_origin_and_the_exchange(offer):
    link = urlsplit(offer["lcw_url"])
    assert (link.scheme, link.netloc, link.path) == ("https", "lcw.app", "/request.html")
    request = request_of(offer)
    assert request["credentialRequestOrigin"] == BASE_URL
    assert request["protocols"]["vcapi"].startswith(BASE_URL + "/vcapi/exchanges/")


def test_the_interaction_url_answers_the_protocols_to_a_wallet(client, offer):
    token = exchange_url(offer).rsplit("/", 1)[1]
    response = client.get(
        f"/vcapi/interactions/{token}?iuv=1", headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.get_json() == {"protocols": {"vcapi": exchange_url(offer)}}


def test_the_interaction_url_tells_a_browser_to_use_a_wallet_app(client, offer):
    token = exchange_url(offer).rsplit("/", 1)[1]
    response = client.get(f"/vcapi/interactions/{token}", headers={"Accept": "text/html"})
    assert response.status_code == 406
    assert b"wallet app" in response.data


def test_an_empty_post_asks_for_did_authentication_with_challenge_and_domain(client, offer):
    request = start(client, offer)
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert request["domain"] == BASE_URL
    assert len(request["challenge"]) >= 22
    services = request["interact"]["service"]
    assert {
        "type": "VerifiableCredentialApiExchangeService",
        "serviceEndpoint": exchange_url(offer),
    } in services


def test_the_request_is_the_same_when_asked_again(client, offer):
    assert start(client, offer) == start(client, offer)


def test_a_signed_presentation_receives_the_copy_bound_to_the_holder(client, app, offer, award):
    holder = VcApiHolder.generate()
    response = claim(client, offer, holder)
    assert response.status_code == 200, response.get_json()
    (credential,) = response.get_json()["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == holder.did
    assert credential["id"].startswith(f"{BASE_URL}/ob3/credentials/{award['id']}/copies/")
    assert [proof["cryptosuite"] for proof in credential["proof"]] == ["eddsa-rdfc-2022"]
    with app.extensions["issuer.services"].db.session() as session:
        (copy,) = session.query(WalletCopy).all()
        assert (copy.holder_did, copy.format, copy.credential_id) == (
            holder.did,
            "ldp_vc",
            credential["id"],
        )


def test_the_copy_carries_the_awards_status_entry(client, offer, award):
    published = client.get(f"/ob3/credentials/{award['id']}").get_json()
    response = claim(client, offer, VcApiHolder.generate())
    (credential,) = response.get_json()["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialStatus"] == published["credentialStatus"]


def test_an_eddsa_rdfc_2022_presentation_is_accepted(client, offer):
    holder = VcApiHolder.generate()
    request = start(client, offer)
    signed = holder.did_auth(request["challenge"], request["domain"], suite="eddsa-rdfc-2022")
    response = present(client, offer, signed)
    assert response.status_code == 200, response.get_json()


def test_a_wrong_challenge_is_refused(client, offer):
    response = claim(client, offer, VcApiHolder.generate(), challenge="not-the-challenge")
    assert response.status_code == 400
    assert response.get_json()["error"] == "wrong_challenge"


def test_a_wrong_domain_is_refused(client, offer):
    response = claim(client, offer, VcApiHolder.generate(), domain="https://elsewhere.example")
    assert response.status_code == 400
    assert response.get_json()["error"] == "wrong_domain"


def test_a_tampered_presentation_is_refused(client, offer):
    holder = VcApiHolder.generate()
    request = start(client, offer)
    signed = holder.did_auth(request["challenge"], request["domain"])
    signed["type"] = ["VerifiablePresentation", "Tampered"]
    signed["@context"].append({"Tampered": "https://example.org/#Tampered"})
    response = present(client, offer, signed)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_proof"


def test_a_presentation_signed_by_another_key_than_the_holders_is_refused(client, offer):
    holder, other = VcApiHolder.generate(), VcApiHolder.generate()
    request = start(client, offer)
    signed = other.did_auth(request["challenge"], request["domain"])
    signed["holder"] = holder.did
    response = present(client, offer, signed)
    assert response.get_json()["error"] == "wrong_holder"


def test_a_presentation_without_a_proof_is_refused(client, offer):
    start(client, offer)
    response = present(client, offer, {"type": "VerifiablePresentation"})
    assert response.get_json()["error"] == "invalid_presentation"


def test_a_used_exchange_is_refused_and_nothing_more_is_issued(client, app, offer):
    holder = VcApiHolder.generate()
    assert claim(client, offer, holder).status_code == 200
    response = client.post(local(exchange_url(offer)), json={})
    assert response.status_code == 410
    assert response.get_json()["error"] == "exchange_used"
    with app.extensions["issuer.services"].db.session() as session:
        assert session.query(WalletCopy).count() == 1


def test_an_expired_exchange_is_refused(client, app, offer):
    services = app.extensions["issuer.services"]
    later = services.clock() + timedelta(minutes=10, seconds=1)
    services.clock = lambda: later
    response = client.post(local(exchange_url(offer)), json={})
    assert response.status_code == 410
    assert response.get_json()["error"] == "exchange_expired"


def test_an_unknown_exchange_is_not_found(client):
    response = client.post("/vcapi/exchanges/no-such-exchange", json={})
    assert response.status_code == 404
    assert response.get_json()["error"] == "exchange_not_found"


def test_an_offer_claimed_by_openid4vci_refuses_its_exchange(client, app, offer):
    request = start(client, offer)
    assert (
        Wallet(client, BASE_URL)
        .claim(offer["offer_url"], Holder.did_key_ed25519(), "ldp_vc")
        .status_code
        == 200
    )
    signed = VcApiHolder.generate().did_auth(request["challenge"], request["domain"])
    response = present(client, offer, signed)
    assert response.status_code == 410
    assert response.get_json()["error"] == "offer_used"
    with app.extensions["issuer.services"].db.session() as session:
        assert session.query(WalletCopy).count() == 1
        assert session.query(WalletExchange).one().completed_at is None


def test_an_exchange_claimed_first_refuses_the_openid4vci_code(client, offer):
    assert claim(client, offer, VcApiHolder.generate()).status_code == 200
    response = Wallet(client, BASE_URL).http.get(local(offer["credential_offer_uri"]))
    assert response.status_code == 404


def test_two_racing_presentations_get_one_credential(client, app, offer):
    request = start(client, offer)
    token = exchange_url(offer).rsplit("/", 1)[1]
    services = app.extensions["issuer.services"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def finish() -> None:
        signed = VcApiHolder.generate().did_auth(request["challenge"], request["domain"])
        barrier.wait()
        try:
            with services.db.transaction() as session:
                wallet_exchanges.step(
                    services.context(session, SYSTEM), token, {"verifiablePresentation": signed}
                )
            outcomes.append("credential")
        except ExchangeError as error:
            outcomes.append(error.code)
        except Exception as error:  # a lost race may surface as the database's own refusal
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=finish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("credential") == 1, outcomes
    with services.db.session() as session:
        assert session.query(WalletCopy).count() == 1
        assert session.query(WalletOffer).one().used_at is not None
