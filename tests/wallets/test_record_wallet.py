"""The educator's learner record (CLR 2.0, SPEC §11) sent to a wallet like an award (SPEC §10):
POST /api/v1/earners/{id}/clr/wallet-offers, claimed by the spec-written OpenID4VCI wallet and by
the VC-API holder; the wallet receives a ClrCredential signed by PTSB bound to the holder's DID,
valid against 1EdTech's CLR schema, with the record's nested credentials untouched."""

from __future__ import annotations

import base64
import json

import pytest
from jsonschema import validators
from sqlalchemy import select

from issuer.models import AuditEntry, WalletCopy
from issuer.signing.data_integrity import verify_data_integrity
from tests.api.test_ob3_publishing import KeyResolver, _loader
from tests.conftest import BASE_URL
from tests.vendored import clr_file
from tests.wallets.oid4vci_client import Holder, Wallet
from tests.wallets.test_vcapi_exchange import claim as vcapi_claim
from tests.wallets.vcapi_holder import VcApiHolder

EMAIL = "lin.teacher@school.example.org"


@pytest.fixture
def educator(api, district):
    """An educator holding two awards, the first program a prerequisite of the second."""
    issuer_id, admin = district
    first = api.approved_program(admin, issuer_id, name="PL Foundations")
    second = api.approved_program(admin, issuer_id, name="Assessment", prerequisites=[first])
    earner_id = api.earner(admin, email=EMAIL)
    for program_id in (first, second):
        enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id)
        api.complete(admin, enrollment_id)
    return earner_id, admin


@pytest.fixture
def earner_token(api, educator):
    return api.account("earner", email=EMAIL)


@pytest.fixture
def wallet(client):
    return Wallet(client, BASE_URL)


def record_offer(api, educator, token):
    earner_id, _ = educator
    return api.ok("POST", f"/earners/{earner_id}/clr/wallet-offers", token, status=201)


def the_record(api, educator):
    earner_id, _ = educator
    response = api.call("GET", f"/earners/{earner_id}/clr", api.ptsb)
    assert response.status_code == 200, response.get_json()
    return json.loads(response.data)


def clr_schema_errors(document):
    schema = clr_file("clr_v2p0_clrcredential_schema.json")
    cls = validators.validator_for(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


def claim_ldp(wallet, offer, holder):
    response = wallet.claim(offer["offer_url"], holder, "ldp_vc")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["credentials"][0]["credential"]


def test_record_offer_answers_the_award_offer_shape(api, educator, earner_token):
    offer = record_offer(api, educator, earner_token)
    assert set(offer) == {
        "offer_id",
        "learner_record_id",
        "credential_offer_uri",
        "offer_url",
        "lcw_url",
        "expires_at",
    }
    assert offer["offer_url"].startswith("openid-credential-offer://?credential_offer_uri=")


def test_record_offer_names_only_the_clr_configurations(api, educator, earner_token, wallet):
    offer = record_offer(api, educator, earner_token)
    document = wallet.read_offer(offer["offer_url"])
    assert document["credential_configuration_ids"] == [
        "ClrCredential_ldp_vc",
        "ClrCredential_jwt_vc_json",
    ]


def test_issuer_metadata_describes_the_clr_configurations(client):
    metadata = client.get("/.well-known/openid-credential-issuer").get_json()
    configurations = metadata["credential_configurations_supported"]
    ldp = configurations["ClrCredential_ldp_vc"]
    assert ldp["format"] == "ldp_vc"
    assert ldp["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    assert ldp["credential_definition"]["type"] == ["VerifiableCredential", "ClrCredential"]
    assert ldp["credential_definition"]["@context"][1].startswith(
        "https://purl.imsglobal.org/spec/clr/v2p0/"
    )
    assert configurations["ClrCredential_jwt_vc_json"]["format"] == "jwt_vc_json"
    assert ldp["credential_metadata"]["display"][0]["name"] == "Comprehensive Learner Record"


def test_wallet_receives_the_record_bound_to_its_did_key(api, educator, earner_token, wallet):
    original = the_record(api, educator)
    holder = Holder.did_key_ed25519()
    copy = claim_ldp(wallet, record_offer(api, educator, earner_token), holder)
    assert copy["type"] == ["VerifiableCredential", "ClrCredential"]
    assert copy["credentialSubject"]["id"] == holder.did
    assert copy["id"] != original["id"] and copy["id"].startswith(original["id"] + "/copies/")
    assert copy["issuer"] == original["issuer"]
    for same in ("verifiableCredential", "achievement", "association", "identifier"):
        assert copy["credentialSubject"][same] == original["credentialSubject"][same], same
    assert [a["associationType"] for a in copy["credentialSubject"]["association"]] == ["precedes"]


def test_record_copy_validates_against_the_clr_schema(api, educator, earner_token, wallet):
    copy = claim_ldp(wallet, record_offer(api, educator, earner_token), Holder.did_key_ed25519())
    assert clr_schema_errors(copy) == []


def test_record_copy_proof_verifies_with_our_verifier(api, educator, earner_token, wallet):
    copy = claim_ldp(wallet, record_offer(api, educator, earner_token), Holder.did_key_ed25519())
    result = verify_data_integrity(copy, KeyResolver(api.client), _loader(api.client))
    assert result.verified, result.reason
    assert copy["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    report = api.ok("POST", "/verify", None, {"credential": copy}, status=200)
    assert (report["valid"], report["format"], report["failed"]) == (True, "clr-di", [])
    assert [c["valid"] for c in report["credentials"]] == [True, True]


def test_record_copy_is_published_at_its_id(api, educator, earner_token, wallet, client):
    copy = claim_ldp(wallet, record_offer(api, educator, earner_token), Holder.did_key_ed25519())
    response = client.get(
        copy["id"].removeprefix(BASE_URL), headers={"Accept": "application/ld+json"}
    )
    assert response.status_code == 200
    assert response.get_json() == copy


def test_wallet_receives_the_record_as_vc_jwt_bound_to_the_holder(
    api, educator, earner_token, wallet
):
    holder = Holder.did_jwk_p256()
    response = wallet.claim(
        record_offer(api, educator, earner_token)["offer_url"], holder, "jwt_vc_json"
    )
    assert response.status_code == 200, response.get_json()
    token = response.get_json()["credentials"][0]["credential"]
    part = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    assert claims["sub"] == holder.did
    assert claims["credentialSubject"]["id"] == holder.did
    report = api.ok("POST", "/verify", None, {"credential": token}, status=200)
    assert (report["valid"], report["format"]) == (True, "clr-jwt")


def test_vcapi_holder_receives_the_record_bound_to_its_did(api, educator, earner_token, client):
    holder = VcApiHolder.generate()
    response = vcapi_claim(client, record_offer(api, educator, earner_token), holder)
    assert response.status_code == 200, response.get_json()
    (copy,) = response.get_json()["verifiablePresentation"]["verifiableCredential"]
    assert copy["type"] == ["VerifiableCredential", "ClrCredential"]
    assert copy["credentialSubject"]["id"] == holder.did
    assert clr_schema_errors(copy) == []
    result = verify_data_integrity(copy, KeyResolver(api.client), _loader(api.client))
    assert result.verified, result.reason


def test_record_offer_used_twice_is_refused(api, educator, earner_token, wallet, client):
    offer = record_offer(api, educator, earner_token)
    document = wallet.read_offer(offer["offer_url"])
    code = document["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    claim_ldp(wallet, offer, Holder.did_key_ed25519())
    assert client.get(offer["credential_offer_uri"].removeprefix(BASE_URL)).status_code == 404
    token_endpoint = wallet.as_metadata(document["credential_issuer"])["token_endpoint"]
    again = wallet.token(token_endpoint, code["pre-authorized_code"])
    assert (again.status_code, again.get_json()["error"]) == (400, "invalid_grant")
    by_vcapi = vcapi_claim(client, offer, VcApiHolder.generate())
    assert (by_vcapi.status_code, by_vcapi.get_json()["error"]) == (410, "offer_used")


def test_record_offer_refuses_a_badge_configuration(api, educator, earner_token, wallet):
    offer = record_offer(api, educator, earner_token)
    document = wallet.read_offer(offer["offer_url"])
    metadata = wallet.issuer_metadata(document["credential_issuer"])
    token_endpoint = wallet.as_metadata(document["credential_issuer"])["token_endpoint"]
    code = document["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    access = wallet.token(token_endpoint, code["pre-authorized_code"]).get_json()["access_token"]
    holder = Holder.did_key_ed25519()
    proof = wallet.proof(
        holder, document["credential_issuer"], wallet.nonce(metadata["nonce_endpoint"])
    )
    response = wallet.credential(
        metadata["credential_endpoint"], access, "OpenBadgeCredential_ldp_vc", proof
    )
    assert response.get_json()["error"] == "unknown_credential_configuration"


def test_ptsb_may_offer_the_record_for_the_educator(api, educator):
    assert "learner_record_id" in record_offer(api, educator, api.ptsb)


@pytest.mark.parametrize("who", ["other earner", "issuer admin"])
def test_others_than_the_educator_and_ptsb_get_403(api, educator, who):
    earner_id, admin = educator
    token = admin if who == "issuer admin" else api.account("earner", email="x@school.example.org")
    response = api.call("POST", f"/earners/{earner_id}/clr/wallet-offers", token)
    assert response.status_code == 403
    assert response.get_json()["error"] in {"other_earner", "wrong_role"}


def test_record_copy_is_stored_and_in_the_audit_log(app, api, educator, earner_token, wallet):
    earner_id, _ = educator
    offer = record_offer(api, educator, earner_token)
    holder = Holder.did_key_ed25519()
    copy = claim_ldp(wallet, offer, holder)
    with app.extensions["issuer.services"].db.session() as session:
        stored = session.scalars(select(WalletCopy)).all()
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_type == "earner", AuditEntry.subject_id == str(earner_id))
            .order_by(AuditEntry.id)
        ).all()
    assert [(c.learner_record_id, c.award_id, c.holder_did, c.credential_id) for c in stored] == [
        (offer["learner_record_id"], None, holder.did, copy["id"])
    ]
    actions = [(e.action, e.detail.get("holder")) for e in entries]
    assert ("wallet_offer.created", None) in actions
    assert actions[-1] == ("wallet_copy.issued", holder.did)
