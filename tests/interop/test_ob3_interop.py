"""Our OB 3.0 credentials checked by independent implementations, against the app served over
real HTTP on loopback (https://badges.test mapped onto it): Digital Bazaar's @digitalbazaar/vc
with eddsa-rdfc-2022, DCC's verifier-core (the Learner Credential Wallet's verifier) and `jose`
for the VC-JWT. And the other way round: credentials signed by the Node stack verify with ours,
and with the same key and date its proof is byte-identical to ours."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from issuer.signing.data_integrity import sign_data_integrity, verify_data_integrity
from issuer.signing.keys import ED25519_PRIV_PREFIX, generate_key, multikey_multibase
from issuer.signing.multibase import encode_base58btc
from tests.conftest import BASE_URL

pytestmark = pytest.mark.interop


def _get(client, url: str, accept: str = "application/ld+json") -> Any:
    response = client.get(url.replace(BASE_URL, ""), headers={"Accept": accept})
    assert response.status_code == 200, url
    return response.data


def _json(client, url: str) -> dict[str, Any]:
    return json.loads(_get(client, url))


@pytest.fixture
def origins(live_server) -> dict[str, str]:
    return live_server.origins(BASE_URL)


@pytest.fixture
def issued(api, district, client) -> dict[str, Any]:
    """Two awards of one approved program: one stays active, one gets revoked later."""
    issuer_id, admin = district
    program = api.approved_program(admin, issuer_id, validity_days=365)
    awards = []
    for _ in range(2):
        enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program)
        awards.append(api.complete(admin, enrollment_id))
    credentials = [_json(client, award["ob3"]["credential"]) for award in awards]
    tokens = [_get(client, award["ob3"]["jwt"], "*/*").decode() for award in awards]
    return {"awards": awards, "credentials": credentials, "tokens": tokens, "admin": admin}


def _revoke(api, issued: dict[str, Any], which: int = 1) -> None:
    award = issued["awards"][which]
    body = {"reason": "Issued in error"}
    api.ok("POST", f"/awards/{award['id']}/revoke", issued["admin"], body, status=200)


def _tampered(credential: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["creditsEarned"] = 5
    return changed


def test_digital_bazaar_verifies_our_credentials_and_rejects_tampering(
    node_vc, contexts_dir, issued, origins
):
    credential = issued["credentials"][0]
    good, tampered = node_vc.verify_vc_many(
        [credential, _tampered(credential)], contexts_dir, origins=origins
    )
    assert good["verified"] is True, good["errors"]
    assert good["refused"] == []
    assert good["fetched"][0].endswith(
        credential["proof"][0]["verificationMethod"][len(BASE_URL) :]
    )
    assert tampered["verified"] is False


def test_digital_bazaar_reads_revocation_from_our_status_list(
    api, node_vc, contexts_dir, issued, origins
):
    active, revoked = issued["credentials"]
    before = node_vc.verify_vc(revoked, contexts_dir, check_status=True, origins=origins)
    _revoke(api, issued)
    results = node_vc.verify_vc_many(
        [active, revoked], contexts_dir, check_status=True, origins=origins
    )
    assert before["status"]["checked"] is True and before["status"]["revoked"] is False
    assert results[0]["status"]["revoked"] is False, results[0]["errors"]
    assert results[1]["status"]["revoked"] is True, results[1]["errors"]
    assert results[1]["status"]["verified"] is True  # the re-signed list itself verifies


def test_digital_bazaar_verifies_endorsement_and_status_list_credentials(
    node_vc, contexts_dir, issued, origins, client
):
    credential = issued["credentials"][0]
    endorsement = credential["credentialSubject"]["achievement"]["endorsement"][0]
    status_list = _json(client, credential["credentialStatus"]["statusListCredential"])
    results = node_vc.verify_vc_many([endorsement, status_list], contexts_dir, origins=origins)
    assert [r["verified"] for r in results] == [True, True], [r["errors"] for r in results]


def test_verifier_core_verifies_checks_schema_and_sees_revocation(
    api, node_vc, contexts_dir, issued, origins
):
    active, revoked = issued["credentials"]
    _revoke(api, issued)
    good, tampered, gone = node_vc.verify_core_many(
        [active, _tampered(active), revoked], contexts_dir=contexts_dir, origins=origins
    )
    assert good["verified"] is True, good["errors"]
    assert good["revoked"] is False and good["expired"] is False
    assert good["schemaCheck"]["results"][0]["result"]["valid"] is True, good["schemaCheck"]
    assert good["refused"] == []
    assert tampered["verified"] is False
    assert gone["verified"] is True and gone["revoked"] is True


def test_jose_verifies_our_vc_jwt_by_its_kid_and_rejects_tampering(node_vc, issued, origins):
    token = issued["tokens"][0]
    header, payload, signature = token.split(".")
    forged_payload = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    good = node_vc.verify_jwt(token, origins=origins, algorithms=("RS256",))
    bad = node_vc.verify_jwt(".".join([header, forged_payload, signature]), origins=origins)
    assert good["verified"] is True, good["errors"]
    assert good["header"] == {"alg": "RS256", "kid": good["fetched"][0]}
    assert [c["name"] for c in good["checks"] if not c["ok"]] == []
    assert bad["verified"] is False


def _multikey_pair() -> tuple[Any, dict[str, str]]:
    private = generate_key("ed25519").private_key
    seed = private.private_bytes_raw()
    return private, {
        "publicKeyMultibase": multikey_multibase(private),
        "secretKeyMultibase": encode_base58btc(ED25519_PRIV_PREFIX + seed),
    }


def test_node_signed_credentials_verify_with_ours_and_match_our_proofs(
    node_vc, contexts_dir, issued, client
):
    """Interop the other way, and a differential check of our canonicalization against
    jsonld.js + rdf-canonize: same key, same date, same credential -> the same proofValue."""
    loader = client.application.extensions["issuer.services"].publishers[1].loader
    private, key = _multikey_pair()
    created = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    method = f"{BASE_URL}/ob3/keys/node-test"
    unsigned = [{k: v for k, v in c.items() if k != "proof"} for c in issued["credentials"]]
    endorsement = issued["credentials"][0]["credentialSubject"]["achievement"]["endorsement"][0]
    unsigned.append({k: v for k, v in endorsement.items() if k != "proof"})
    signed = node_vc.sign_vc_many(
        unsigned,
        contexts_dir,
        verification_method=method,
        key=key,
        created=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        proof_array=True,
    )
    public = private.public_key()
    for theirs, document in zip(signed, unsigned, strict=True):
        result = verify_data_integrity(theirs["credential"], lambda m: public, loader)
        assert result.verified, result
        ours = sign_data_integrity(document, private, method, loader, created, proof_as_list=True)
        assert ours["proof"] == theirs["credential"]["proof"]
