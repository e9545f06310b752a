"""Issue 16 with an independent implementation: Digital Bazaar's @digitalbazaar/vc (with
eddsa-rdfc-2022, offline loader serving the vendored CLR 2.0 context) verifies the learner record
PTSB signs, and every credential inside it, over real HTTP on loopback; and it agrees with our
verifier on 1EdTech's CLR test vectors (signed: verified; tampered: not)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.api.oauth_client import CLR_READ, EVERY_SCOPE, Backpack, bearer, make_earner
from tests.conftest import BASE_URL
from tests.unit.test_verify_clr_vectors import SIGNED, VectorIssuers
from tests.vendored import clr_file
from tests.wallets.oid4vci_client import Holder, Wallet

pytestmark = pytest.mark.interop


@pytest.fixture
def record(api, district, client) -> dict[str, Any]:
    """The record of an educator holding two awards, one a prerequisite of the other."""
    issuer_id, admin = district
    first = api.approved_program(admin, issuer_id, name="PL Foundations")
    second = api.approved_program(admin, issuer_id, name="Assessment", prerequisites=[first])
    earner_id = api.earner(admin, email="lin@school.example.org")
    for program_id in (first, second):
        enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id)
        api.complete(admin, enrollment_id)
    response = api.call("GET", f"/earners/{earner_id}/clr", api.ptsb)
    assert response.status_code == 200, response.get_json()
    return json.loads(response.data)


def test_digital_bazaar_verifies_the_record_and_rejects_tampering(
    node_vc, contexts_dir, record, live_server
):
    tampered = copy.deepcopy(record)
    tampered["partial"] = True
    good, bad = node_vc.verify_vc_many(
        [record, tampered], contexts_dir, origins=live_server.origins(BASE_URL)
    )
    assert good["verified"] is True, good["errors"]
    assert good["refused"] == []
    assert good["proofs"][0]["verificationMethod"] == record["proof"][0]["verificationMethod"]
    assert bad["verified"] is False


@pytest.fixture
def api_record(api, district, client) -> dict[str, Any]:
    """The record a backpack reads through the CLR 2.0 API (registration, code + PKCE, token)."""
    educator = make_earner(api, district, awards=2)
    backpack = Backpack(client)
    assert backpack.register(scope=EVERY_SCOPE).status_code == 201
    token = backpack.tokens(educator.email, scope=CLR_READ)["access_token"]
    response = client.get("/ims/clr/v2p0/credentials", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    [record] = response.get_json()["credential"]
    return record  # type: ignore[no-any-return]


def test_digital_bazaar_verifies_the_record_a_backpack_reads_through_the_clr_api(
    node_vc, contexts_dir, api_record, live_server
):
    [result] = node_vc.verify_vc_many(
        [api_record], contexts_dir, origins=live_server.origins(BASE_URL)
    )
    assert result["verified"] is True, result["errors"]
    assert result["refused"] == []


@pytest.fixture
def wallet_copy(api, district, client) -> dict[str, Any]:
    """The record of an educator with two awards, received by an OpenID4VCI wallet (did:key)."""
    issuer_id, admin = district
    first = api.approved_program(admin, issuer_id, name="PL Foundations")
    second = api.approved_program(admin, issuer_id, name="Assessment", prerequisites=[first])
    earner_id = api.earner(admin, email="lin@school.example.org")
    for program_id in (first, second):
        enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id)
        api.complete(admin, enrollment_id)
    offer = api.ok("POST", f"/earners/{earner_id}/clr/wallet-offers", api.ptsb, status=201)
    holder = Holder.did_key_ed25519()
    response = Wallet(client, BASE_URL).claim(offer["offer_url"], holder, "ldp_vc")
    assert response.status_code == 200, response.get_json()
    credential = response.get_json()["credentials"][0]["credential"]
    assert credential["credentialSubject"]["id"] == holder.did
    return credential


def test_digital_bazaar_verifies_the_record_copy_a_wallet_received(
    node_vc, contexts_dir, wallet_copy, live_server
):
    tampered = copy.deepcopy(wallet_copy)
    tampered["credentialSubject"]["id"] = Holder.did_key_ed25519().did
    good, bad = node_vc.verify_vc_many(
        [wallet_copy, tampered], contexts_dir, origins=live_server.origins(BASE_URL)
    )
    assert good["verified"] is True, good["errors"]
    assert bad["verified"] is False


def test_digital_bazaar_verifies_every_credential_inside_the_record(
    node_vc, contexts_dir, record, live_server
):
    nested = record["credentialSubject"]["verifiableCredential"]
    results = node_vc.verify_vc_many(nested, contexts_dir, origins=live_server.origins(BASE_URL))
    assert [r["verified"] for r in results] == [True, True], [r["errors"] for r in results]


def _vector_origins(document_server, document: dict[str, Any]) -> dict[str, str]:
    """Stand in for each vector issuer (example.edu, example.com publish nothing): map its origin
    onto the loopback server, which answers the issuer URL with one document that is both the
    issuer (its id, ``assertionMethod``) and the Multikey the proof names (``publicKeyMultibase``
    from the ``z6Mk…`` fragment): the offline loader answers a ``#fragment`` URL with the whole
    document, as the DCC verifier does, and @digitalbazaar/vc wants the issuer to be the key's
    controller; the DID context first lets jsonld-signatures read ``assertionMethod`` unframed."""
    origins = {}
    for url, controller in VectorIssuers(document).documents.items():
        (key,) = controller["verificationMethod"]  # one key per vector issuer
        stand_in = {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            **key,
            "id": url,
            "assertionMethod": [url],
        }
        origin, _, path = url.partition("://")[2].partition("/")
        document_server.add_json("/" + path, stand_in)
        origins["https://" + origin] = document_server.base_url
    return origins


@pytest.mark.parametrize("name", SIGNED)
def test_digital_bazaar_verifies_the_signed_clr_vector(
    node_vc, contexts_dir, document_server, name
):
    vector = clr_file(name)
    origins = _vector_origins(document_server, vector)
    nested = vector["credentialSubject"]["verifiableCredential"]
    results = node_vc.verify_vc_many([vector, *nested], contexts_dir, origins=origins)
    assert [r["verified"] for r in results] == [True] * len(results), [r["errors"] for r in results]


@pytest.mark.parametrize("name", SIGNED)
def test_digital_bazaar_rejects_a_tampered_clr_vector(node_vc, contexts_dir, document_server, name):
    vector = clr_file(name)
    origins = _vector_origins(document_server, vector)
    tampered = copy.deepcopy(vector)
    tampered["name"] = "A transcript someone edited"
    assert node_vc.verify_vc(tampered, contexts_dir, origins=origins)["verified"] is False
