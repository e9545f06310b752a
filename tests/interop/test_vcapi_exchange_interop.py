"""The VC-API exchange run by an independent client over real HTTP on loopback: a did:key holder
signs the DID Authentication presentation with Digital Bazaar's @digitalbazaar/vc and
Ed25519Signature2020, as the Learner Credential Wallet does, and receives the holder-bound copy,
which Digital Bazaar's verifier accepts; a wrong challenge and a tampered presentation are
refused (SPEC §10, issue 15)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import BASE_URL

pytestmark = pytest.mark.interop
EMAIL = "ada.teacher@school.example.org"


@pytest.fixture
def origins(live_server) -> dict[str, str]:
    return live_server.origins(BASE_URL)


@pytest.fixture
def offer(api, district) -> dict[str, Any]:
    issuer_id, admin = district
    program = api.approved_program(admin, issuer_id, validity_days=365)
    earner = api.earner(admin, email=EMAIL)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program, earner_id=earner)
    award = api.complete(admin, enrollment_id)
    return api.ok("POST", f"/awards/{award['id']}/wallet-offers", admin)


def interaction_url(offer: dict[str, Any]) -> str:
    request = json.loads(parse_qs(urlsplit(offer["lcw_url"]).query)["request"][0])
    token = request["protocols"]["vcapi"].rsplit("/", 1)[1]
    return f"{BASE_URL}/vcapi/interactions/{token}?iuv=1"


def test_a_did_key_holder_signing_as_lcw_receives_the_copy(node_vc, contexts_dir, offer, origins):
    result = node_vc.vcapi_client(
        offer["lcw_url"], contexts_dir, origins=origins, interaction=interaction_url(offer)
    )
    assert result["protocols"] == result["request"]["protocols"]
    assert result["status"] == 200, result["answer"]
    (credential,) = result["answer"]["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == result["holder"]
    verified = node_vc.verify_vc(credential, contexts_dir, check_status=True, origins=origins)
    assert verified["verified"] is True, verified["errors"]
    assert verified["status"]["revoked"] is False


def test_revoking_the_award_revokes_the_copy_the_exchange_gave(
    api, district, node_vc, contexts_dir, offer, origins
):
    result = node_vc.vcapi_client(offer["lcw_url"], contexts_dir, origins=origins)
    (credential,) = result["answer"]["verifiablePresentation"]["verifiableCredential"]
    body = {"reason": "Issued in error"}
    api.ok("POST", f"/awards/{offer['award_id']}/revoke", district[1], body, status=200)
    after = node_vc.verify_vc(credential, contexts_dir, check_status=True, origins=origins)
    assert after["status"]["revoked"] is True, after["errors"]


def test_a_wrong_challenge_is_refused(node_vc, contexts_dir, offer, origins):
    result = node_vc.vcapi_client(
        offer["lcw_url"], contexts_dir, origins=origins, challenge="a-challenge-of-our-own"
    )
    assert (result["status"], result["answer"]["error"]) == (400, "wrong_challenge")


def test_a_tampered_presentation_is_refused(node_vc, contexts_dir, offer, origins):
    result = node_vc.vcapi_client(offer["lcw_url"], contexts_dir, origins=origins, tamper=True)
    assert (result["status"], result["answer"]["error"]) == (400, "invalid_proof")
