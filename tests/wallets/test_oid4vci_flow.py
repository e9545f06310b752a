"""The whole OpenID4VCI 1.0 pre-authorized code flow, run by a wallet written in the tests from
the specification (tests/wallets/oid4vci_client.py), for both formats and both holder kinds; the
copy is the award's credential bound to the holder and shares the award's status entry."""

from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc import jws
from sqlalchemy import select

from issuer.models import AuditEntry
from tests.conftest import BASE_URL
from tests.wallets.oid4vci_client import PRE_AUTH, Holder, Wallet

EMAIL = "ada.teacher@school.example.org"
HOLDERS = {"did:key Ed25519": Holder.did_key_ed25519, "did:jwk P-256": Holder.did_jwk_p256}


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


@pytest.fixture
def wallet(client):
    return Wallet(client, BASE_URL)


def new_offer(api, award, token):
    return api.ok("POST", f"/awards/{award['id']}/wallet-offers", token)["offer_url"]


def published(client, url):
    response = client.get(url.removeprefix(BASE_URL), headers={"Accept": "application/ld+json"})
    assert response.status_code == 200, url
    return response


def jwt_payload(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def verify_report(client, credential):
    response = client.post("/api/v1/verify", json={"credential": credential})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("make_holder", HOLDERS.values(), ids=HOLDERS.keys())
def test_ldp_vc_copy_is_bound_to_the_holder_and_verifies(
    client, api, wallet, award, earner_token, make_holder
):
    holder = make_holder()
    response = wallet.claim(new_offer(api, award, earner_token), holder, "ldp_vc")
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    copy = response.get_json()["credentials"][0]["credential"]
    original = published(client, award["ob3"]["credential"]).get_json()
    assert copy["credentialSubject"]["id"] == holder.did
    assert copy["id"] != original["id"] and copy["id"].startswith(original["id"] + "/copies/")
    for same in ("issuer", "validFrom", "credentialStatus", "credentialSchema", "type"):
        assert copy[same] == original[same], same
    subject = {k: v for k, v in copy["credentialSubject"].items() if k != "id"}
    assert subject == original["credentialSubject"]
    assert copy["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert published(client, copy["id"]).get_json() == copy
    report = verify_report(client, copy)
    assert report["valid"] is True, report


@pytest.mark.parametrize("make_holder", HOLDERS.values(), ids=HOLDERS.keys())
def test_jwt_vc_json_copy_has_the_holder_as_sub(
    client, api, wallet, award, earner_token, make_holder
):
    holder = make_holder()
    response = wallet.claim(new_offer(api, award, earner_token), holder, "jwt_vc_json")
    assert response.status_code == 200, response.get_json()
    token = response.get_json()["credentials"][0]["credential"]
    header = jws.extract_compact(token.encode()).protected
    assert header["alg"] in ("RS256", "EdDSA") and header["kid"].startswith(BASE_URL)
    payload = jwt_payload(token)
    assert payload["sub"] == holder.did == payload["credentialSubject"]["id"]
    assert payload["jti"] == payload["id"]
    assert verify_report(client, token)["valid"] is True


def test_the_copy_is_listed_on_the_award(client, api, wallet, award, earner_token):
    holder = Holder.did_key_ed25519()
    copy = wallet.claim(new_offer(api, award, earner_token), holder, "ldp_vc").get_json()
    listed = api.ok("GET", f"/awards/{award['id']}", earner_token)["wallet_copies"]
    assert [(c["holder"], c["format"], c["credential"]) for c in listed] == [
        (holder.did, "ldp_vc", copy["credentials"][0]["credential"]["id"])
    ]


def test_revoking_the_award_makes_the_copy_report_revoked(
    client, api, district, wallet, award, earner_token
):
    holder = Holder.did_key_ed25519()
    copy = wallet.claim(new_offer(api, award, earner_token), holder, "ldp_vc").get_json()
    copy = copy["credentials"][0]["credential"]
    api.ok("POST", f"/awards/{award['id']}/revoke", district[1], {"reason": "Wrong"}, status=200)
    report = verify_report(client, copy)
    assert report["valid"] is False
    assert report["revocation"]["status"] == "revoked"


def _ready(api, wallet, award, earner_token):
    """Offer, metadata and an access token: what a wallet holds before its Credential Request."""
    offer = wallet.read_offer(new_offer(api, award, earner_token))
    metadata = wallet.issuer_metadata(offer["credential_issuer"])
    token = wallet.token(
        BASE_URL + "/oauth/token", offer["grants"][PRE_AUTH]["pre-authorized_code"]
    )
    return metadata, token.get_json()["access_token"]


def _request(wallet, metadata, access_token, proof, configuration="OpenBadgeCredential_ldp_vc"):
    return wallet.credential(metadata["credential_endpoint"], access_token, configuration, proof)


def _error(response, code, status=400):
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"] == code
    assert response.headers["Cache-Control"] == "no-store"


def test_a_used_nonce_answers_invalid_nonce(api, wallet, award, earner_token):
    holder = Holder.did_key_ed25519()
    metadata, first = _ready(api, wallet, award, earner_token)
    nonce = wallet.nonce(metadata["nonce_endpoint"])
    ok = _request(wallet, metadata, first, wallet.proof(holder, BASE_URL, nonce))
    assert ok.status_code == 200
    _, second = _ready(api, wallet, award, earner_token)
    _error(
        _request(wallet, metadata, second, wallet.proof(holder, BASE_URL, nonce)), "invalid_nonce"
    )


def test_a_wrong_nonce_answers_invalid_nonce(api, wallet, award, earner_token):
    metadata, token = _ready(api, wallet, award, earner_token)
    proof = wallet.proof(Holder.did_key_ed25519(), BASE_URL, "made-up")
    _error(_request(wallet, metadata, token, proof), "invalid_nonce")


def test_a_proof_for_another_audience_answers_invalid_proof(api, wallet, award, earner_token):
    metadata, token = _ready(api, wallet, award, earner_token)
    nonce = wallet.nonce(metadata["nonce_endpoint"])
    proof = wallet.proof(Holder.did_jwk_p256(), "https://other.example", nonce)
    _error(_request(wallet, metadata, token, proof), "invalid_proof")


def test_an_unsigned_proof_alg_none_is_refused(api, wallet, award, earner_token):
    metadata, token = _ready(api, wallet, award, earner_token)
    nonce = wallet.nonce(metadata["nonce_endpoint"])
    holder = Holder.did_key_ed25519()

    def b64(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    header = {"typ": "openid4vci-proof+jwt", "alg": "none", "kid": holder.kid}
    claims = {"aud": BASE_URL, "iat": int(time.time()), "nonce": nonce}
    _error(_request(wallet, metadata, token, f"{b64(header)}.{b64(claims)}."), "invalid_proof")


def test_a_proof_without_the_proof_typ_is_refused(api, wallet, award, earner_token):
    metadata, token = _ready(api, wallet, award, earner_token)
    nonce = wallet.nonce(metadata["nonce_endpoint"])
    proof = wallet.proof(Holder.did_key_ed25519(), BASE_URL, nonce, header={"typ": "JWT"})
    _error(_request(wallet, metadata, token, proof), "invalid_proof")


def test_a_proof_signed_by_another_key_than_its_kid_is_refused(api, wallet, award, earner_token):
    metadata, token = _ready(api, wallet, award, earner_token)
    nonce = wallet.nonce(metadata["nonce_endpoint"])
    holder, impostor = Holder.did_key_ed25519(), Holder.did_key_ed25519()
    proof = wallet.proof(impostor, BASE_URL, nonce, header={"kid": holder.kid})
    _error(_request(wallet, metadata, token, proof), "invalid_proof")


def test_an_old_proof_is_refused(api, wallet, award, earner_token):
    metadata, token = _ready(api, wallet, award, earner_token)
    nonce = wallet.nonce(metadata["nonce_endpoint"])
    proof = wallet.proof(Holder.did_key_ed25519(), BASE_URL, nonce, iat=int(time.time()) - 3600)
    _error(_request(wallet, metadata, token, proof), "invalid_proof")


def test_an_unknown_configuration_is_refused(api, wallet, award, earner_token):
    metadata, token = _ready(api, wallet, award, earner_token)
    nonce = wallet.nonce(metadata["nonce_endpoint"])
    proof = wallet.proof(Holder.did_key_ed25519(), BASE_URL, nonce)
    response = _request(wallet, metadata, token, proof, configuration="UniversityDegree")
    _error(response, "unknown_credential_configuration")


def test_the_access_token_gives_one_copy(api, wallet, award, earner_token):
    holder = Holder.did_key_ed25519()
    metadata, token = _ready(api, wallet, award, earner_token)
    for expected in (200, 401):
        nonce = wallet.nonce(metadata["nonce_endpoint"])
        response = _request(wallet, metadata, token, wallet.proof(holder, BASE_URL, nonce))
        assert response.status_code == expected
    assert response.get_json()["error"] == "invalid_token"


def test_no_access_token_answers_invalid_token(wallet, client):
    response = client.post("/oid4vci/credential", json={})
    _error(response, "invalid_token", 401)


def test_the_offer_and_the_copy_are_in_the_audit_log(app, api, wallet, award, earner_token):
    holder = Holder.did_jwk_p256()
    wallet.claim(new_offer(api, award, earner_token), holder, "jwt_vc_json")
    with app.extensions["issuer.services"].db.session() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.subject_id == award["id"]).order_by(AuditEntry.id)
        ).all()
    actions = [(e.action, e.detail.get("holder"), e.detail.get("format")) for e in entries]
    assert ("wallet_offer.created", None, None) in actions
    assert actions[-1] == ("wallet_copy.issued", holder.did, "jwt_vc_json")


def test_a_holder_sending_a_bare_jwk_is_bound_as_its_did_jwk(api, wallet, award, earner_token):
    holder = Holder.did_key_ed25519()
    holder.kid = None
    response = wallet.claim(new_offer(api, award, earner_token), holder, "ldp_vc")
    assert response.status_code == 200, response.get_json()
    subject = response.get_json()["credentials"][0]["credential"]["credentialSubject"]["id"]
    encoded = subject.removeprefix("did:jwk:")
    jwk = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert jwk == holder.key.as_dict(private=False)
