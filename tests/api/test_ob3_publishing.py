"""Open Badges 3.0 publishing (SPEC §3, issue 4): credentials, keys, achievements, endorsements
and status lists at stable URLs, stored once and served as stored, checked with our own code and
against 1EdTech's JSON Schemas (tests/fixtures/1edtech)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import validators

from issuer.baking import Keyword, unbake_png, unbake_svg
from issuer.openbadges.v3.status import LIST_LENGTH, decode_status_list, is_set
from issuer.signing.data_integrity import verify_data_integrity
from issuer.signing.jws import peek_compact, verify_compact
from issuer.signing.keys import public_key_from_jwk, public_key_from_multibase
from tests.vendored import ob3_schema

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://badges.test"
CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]


def get(client, url, accept="application/ld+json"):
    return client.get(url.replace(BASE, ""), headers={"Accept": accept})


def doc(client, url):
    response = get(client, url)
    assert response.status_code == 200, url
    return json.loads(response.data)


def official(name: str):
    """A validator for one of 1EdTech's schemas, with format checks (date-time needs
    rfc3339-validator, a dev dependency)."""
    schema = ob3_schema(name)
    cls = validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid(validator, document):
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


class KeyResolver:
    """Resolves a verification method the way independent verifiers do: the key URL answers a
    Multikey naming its controller, and the controller (the issuer Profile) lists the key."""

    def __init__(self, client) -> None:
        self.client = client
        self.seen: list[str] = []

    def __call__(self, method: str):
        key = doc(self.client, method)
        assert key["type"] == "Multikey" and key["id"] == method
        profile = doc(self.client, key["controller"])
        assert method in profile["assertionMethod"]
        self.seen.append(method)
        return public_key_from_multibase(key["publicKeyMultibase"])


def verified(client, document) -> bool:
    result = verify_data_integrity(document, KeyResolver(client), _loader(client))
    return result.verified


def _loader(client):
    return client.application.extensions["issuer.services"].publishers[1].loader


@pytest.fixture
def program(api, district):
    issuer_id, admin = district
    return api.approved_program(
        admin,
        issuer_id,
        alignments=[
            {
                "target_name": "Standard 5",
                "target_url": "https://standards.example.org/5",
                "framework": "PTSB",
            }
        ],
        validity_days=365,
    )


@pytest.fixture
def award(api, district, program):
    issuer_id, admin = district
    earner = api.earner(admin, email="Ada.Teacher@School.example.org")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program, earner_id=earner)
    return api.complete(admin, enrollment_id)


@pytest.fixture
def credential(client, award):
    return doc(client, award["ob3"]["credential"])


def revoke(api, district, award, reason="Issued in error"):
    api.ok("POST", f"/awards/{award['id']}/revoke", district[1], {"reason": reason}, status=200)


def test_credential_is_an_open_badge_credential_at_its_url(client, award, credential):
    response = get(client, award["ob3"]["credential"])
    assert response.mimetype == "application/ld+json"
    assert credential["@context"] == CONTEXT
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == award["ob3"]["credential"]
    assert (
        credential["validFrom"].endswith("Z") and credential["validUntil"] > credential["validFrom"]
    )
    assert credential["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]


def test_issuer_is_a_profile_with_ptsb_as_parent_org(client, district, credential):
    issuer = credential["issuer"]
    assert issuer["id"] == f"{BASE}/ob3/issuers/{district[0]}"
    assert issuer["type"] == ["Profile"]
    assert {"name", "url", "email"} <= issuer.keys()
    assert issuer["parentOrg"]["name"] == "Professional Teaching Standards Board"


def test_subject_is_hashed_lower_cased_email_with_credits_and_rubric_result(credential):
    subject = credential["credentialSubject"]
    identity = subject["identifier"][0]
    assert identity["identityType"] == "emailAddress" and identity["hashed"] is True
    assert identity["salt"]
    # "sha256$" + hex(sha256(lowercased email + salt)), computed here, apart from our own code
    digest = hashlib.sha256(f"ada.teacher@school.example.org{identity['salt']}".encode())
    assert identity["identityHash"] == "sha256$" + digest.hexdigest()
    assert "school.example.org" not in json.dumps(credential).lower()
    assert subject["creditsEarned"] == 0.5
    achievement = subject["achievement"]
    assert subject["result"][0]["achievedLevel"] == f"{achievement['id']}#level-3"
    assert subject["result"][0]["resultDescription"] == achievement["resultDescription"][0]["id"]


def test_achievement_is_a_micro_credential_with_rubric_and_resolves(client, credential):
    embedded = credential["credentialSubject"]["achievement"]
    published = doc(client, embedded["id"])
    assert {k: v for k, v in published.items() if k != "@context"} == embedded
    assert embedded["achievementType"] == "MicroCredential"
    assert embedded["creditsAvailable"] == 0.5
    assert embedded["alignment"][0]["targetName"] == "Standard 5"
    levels = embedded["resultDescription"][0]["rubricCriterionLevel"]
    assert [level["name"] for level in levels] == [
        "Beginning",
        "Developing",
        "Proficient",
        "Exemplary",
    ]
    assert get(client, embedded["image"]["id"], "*/*").status_code == 200


def test_ptsb_endorsement_is_embedded_signed_by_ptsb_and_verifies(client, credential):
    achievement = credential["credentialSubject"]["achievement"]
    endorsement = achievement["endorsement"][0]
    assert endorsement["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert endorsement["credentialSubject"]["id"] == achievement["id"]
    assert endorsement["issuer"]["id"] == credential["issuer"]["parentOrg"]["id"]
    assert doc(client, endorsement["id"]) == endorsement
    assert verified(client, endorsement)


def test_data_integrity_proof_is_an_array_and_verifies_with_the_key_url(client, credential):
    (proof,) = credential["proof"]
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof",
        "eddsa-rdfc-2022",
        "assertionMethod",
    )
    assert proof["verificationMethod"].startswith(f"{BASE}/ob3/keys/")
    resolver = KeyResolver(client)
    assert verify_data_integrity(credential, resolver, _loader(client)).verified
    assert resolver.seen == [proof["verificationMethod"]]


def test_tampered_credential_does_not_verify(client, credential):
    credential["credentialSubject"]["creditsEarned"] = 5
    assert not verified(client, credential)


def test_vc_jwt_has_only_alg_and_kid_and_verifies_with_the_jwk_at_kid(client, award, credential):
    token = get(client, award["ob3"]["jwt"], "*/*").data.decode()
    header = peek_compact(token).header
    assert header.keys() == {"alg", "kid"} and header["alg"] == "RS256"
    jwk_response = get(client, header["kid"], "*/*")
    assert jwk_response.mimetype == "application/jwk+json"
    jwk = json.loads(jwk_response.data)
    assert jwk["kid"] == header["kid"] and "d" not in jwk
    payload = verify_compact(token, lambda h: public_key_from_jwk(jwk)).payload_json()
    assert payload["iss"] == credential["issuer"]["id"]
    assert payload["jti"] == credential["id"]
    assert "sub" not in payload  # the subject has no id (SPEC §3)
    assert payload["nbf"] < payload["exp"]
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    assert {k: v for k, v in payload.items() if k not in ("iss", "jti", "nbf", "exp")} == (unsigned)


def test_issuer_profile_lists_every_key_and_keys_name_it_as_controller(client, credential):
    profile = doc(client, credential["issuer"]["id"])
    assert "https://www.w3.org/ns/did/v1" in profile["@context"]
    assert len(profile["assertionMethod"]) == 2
    kinds = set()
    for url in profile["assertionMethod"]:
        key = json.loads(get(client, url, "*/*").data)
        kinds.add(key.get("type") or key.get("kty"))
        assert key.get("controller", credential["issuer"]["id"]) == credential["issuer"]["id"]
    assert kinds == {"Multikey", "RSA"}


def test_baked_images_hold_the_credential_json_and_the_jwt(client, award, credential):
    url = award["ob3"]["credential"]
    token = get(client, award["ob3"]["jwt"], "*/*").data.decode()
    png = unbake_png(get(client, award["ob3"]["png"], "*/*").data)[Keyword.OB3]
    svg = unbake_svg(get(client, award["ob3"]["svg"], "*/*").data)[Keyword.OB3]
    assert json.loads(png) == json.loads(svg) == credential
    assert unbake_png(get(client, f"{url}.jwt.png", "*/*").data)[Keyword.OB3] == token
    assert unbake_svg(get(client, f"{url}.jwt.svg", "*/*").data)[Keyword.OB3] == token


def test_documents_are_served_as_stored(client, award):
    first = get(client, award["ob3"]["credential"]).data
    assert get(client, award["ob3"]["credential"]).data == first
    assert get(client, award["ob3"]["jwt"], "*/*").data == get(client, award["ob3"]["jwt"]).data


def test_browser_gets_a_page_and_machines_get_json_ld(client, award):
    assert get(client, award["ob3"]["credential"], "text/html").mimetype == "text/html"
    assert get(client, award["ob3"]["credential"], "*/*").mimetype == "application/ld+json"


def _status_bits(client, credential) -> tuple[bytes, int, dict[str, Any]]:
    entry = credential["credentialStatus"]
    status_list = doc(client, entry["statusListCredential"])
    bits = decode_status_list(status_list["credentialSubject"]["encodedList"])
    return bits, int(entry["statusListIndex"]), status_list


def test_status_entry_points_into_a_signed_131072_bit_list(client, credential):
    entry = credential["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    bits, index, status_list = _status_bits(client, credential)
    assert len(bits) * 8 == LIST_LENGTH and not is_set(bits, index)
    assert status_list["issuer"] == credential["issuer"]["id"]
    assert status_list["credentialSubject"]["encodedList"].startswith("u")
    assert verified(client, status_list)


def test_revocation_sets_the_bit_and_re_signs_the_list(api, client, district, credential, award):
    revoke(api, district, award)
    bits, index, status_list = _status_bits(client, credential)
    assert is_set(bits, index) and sum(bin(b).count("1") for b in bits) == 1
    assert verified(client, status_list)
    revocations = doc(client, f"{credential['issuer']['id']}/revocations")
    assert revocations["revokedCredentials"] == [
        {"id": credential["id"], "revoked": True, "revocationReason": "Issued in error"}
    ]


def test_status_indexes_are_random_and_distinct(api, client, district, program):
    issuer_id, admin = district
    indexes = []
    for _ in range(4):
        enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program)
        award = api.complete(admin, enrollment_id)
        indexes.append(
            int(doc(client, award["ob3"]["credential"])["credentialStatus"]["statusListIndex"])
        )
    assert len(set(indexes)) == 4
    assert indexes != sorted(indexes) or max(indexes) - min(indexes) > 100


def test_issuer_may_choose_the_1edtech_revocation_list(api, client, district, program):
    issuer_id, admin = district
    api.ok("PATCH", f"/issuers/{issuer_id}", admin, {"status_method": "1EdTechRevocationList"})
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program)
    award = api.complete(admin, enrollment_id)
    credential = doc(client, award["ob3"]["credential"])
    list_url = f"{BASE}/ob3/issuers/{issuer_id}/revocations"
    assert credential["credentialStatus"] == {"id": list_url, "type": "1EdTechRevocationList"}
    assert doc(client, list_url)["revokedCredentials"] == []
    revoke(api, district, award, "Evidence was not the earner's own")
    assert doc(client, list_url)["revokedCredentials"][0]["id"] == credential["id"]


def test_stack_credential_is_an_ob3_credential_too(api, client, district):
    issuer_id, admin = district
    first = api.approved_program(admin, issuer_id, name="One")
    second = api.approved_program(admin, issuer_id, name="Two")
    body = {
        "issuer_id": issuer_id,
        "name": "Leader",
        "description": "Both",
        "programs": [first, second],
    }
    stack = api.ok("POST", "/stacks", admin, body)
    enrollment_id, earner_id = api.passed_enrollment(admin, issuer_id, first)
    api.complete(admin, enrollment_id)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, second, earner_id=earner_id)
    api.complete(admin, enrollment_id)
    awards = api.ok("GET", f"/earners/{earner_id}/awards", admin)["awards"]
    stack_award = next(a for a in awards if a["kind"] == "stack")
    credential = doc(client, stack_award["ob3"]["credential"])
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["id"] == f"{BASE}/ob3/stacks/{stack['id']}"
    assert achievement["achievementType"] == "Certificate"
    assert "result" not in credential["credentialSubject"]
    assert verified(client, credential)


def test_key_rotation_keeps_old_keys_and_old_credentials_verifying(
    api, client, district, program, credential
):
    issuer_id, admin = district
    api.ok("POST", f"/issuers/{issuer_id}/keys/rotate", admin)
    profile = doc(client, credential["issuer"]["id"])
    assert len(profile["assertionMethod"]) == 4
    assert credential["proof"][0]["verificationMethod"] in profile["assertionMethod"]
    assert verified(client, credential)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program)
    fresh = doc(client, api.complete(admin, enrollment_id)["ob3"]["credential"])
    assert fresh["proof"][0]["verificationMethod"] != credential["proof"][0]["verificationMethod"]
    assert verified(client, fresh)


def test_credential_validates_against_1edtech_achievement_credential_schema(
    client, award, credential
):
    validator = official("achievementcredential.json")
    assert_valid(validator, credential)
    token = get(client, award["ob3"]["jwt"], "*/*").data.decode()
    assert_valid(validator, peek_compact(token).payload_json())


def test_endorsement_and_profile_validate_against_1edtech_schemas(client, credential):
    endorsement = credential["credentialSubject"]["achievement"]["endorsement"][0]
    assert_valid(official("endorsementcredential.json"), endorsement)
    assert_valid(official("profile.json"), doc(client, credential["issuer"]["id"]))
