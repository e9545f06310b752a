"""Open Badges 2.0 publishing (SPEC §3, issue 3): documents at stable URLs, stored and served as stored."""

from __future__ import annotations

import hashlib
import json

import pytest

from issuer.baking import Keyword, unbake_png, unbake_svg
from issuer.signing.jws import peek_compact, verify_compact
from issuer.signing.keys import public_key_from_pem

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def award(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(
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
    enrollment_id, _ = api.passed_enrollment(
        admin,
        issuer_id,
        program_id,
        earner_id=api.earner(admin, email="Ada.Teacher@School.example.org"),
    )
    return api.complete(admin, enrollment_id)


def get(client, url, accept="application/ld+json"):
    return client.get(url.replace("https://badges.test", ""), headers={"Accept": accept})


def test_hosted_assertion_is_published_as_json_ld(client, award):
    response = get(client, award["ob2"]["assertion"])
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    doc = response.get_json(force=True)
    assert (doc["type"], doc["id"], doc["verification"]) == (
        "Assertion",
        award["ob2"]["assertion"],
        {"type": "hosted"},
    )
    assert doc["expires"] and doc["issuedOn"].endswith("Z")


def test_recipient_is_salted_hash_of_lowercased_email(client, award):
    doc = get(client, award["ob2"]["assertion"]).get_json(force=True)
    recipient = doc["recipient"]
    assert recipient["salt"] and recipient["hashed"] is True
    # OB 2.0: "sha256$" + hex(sha256(email + salt)), the email lowercased (computed here, apart
    # from the service's own hashing code)
    digest = hashlib.sha256(f"ada.teacher@school.example.org{recipient['salt']}".encode())
    assert recipient["identity"] == "sha256$" + digest.hexdigest()
    assert "school.example.org" not in json.dumps(doc).lower()


def test_badge_class_issuer_and_key_resolve(client, award):
    assertion = get(client, award["ob2"]["assertion"]).get_json(force=True)
    badge = get(client, assertion["badge"]).get_json(force=True)
    assert badge["type"] == "BadgeClass" and badge["alignment"][0]["targetName"] == "Standard 5"
    assert get(client, badge["image"]).status_code == 200
    issuer = get(client, badge["issuer"]).get_json(force=True)
    assert issuer["type"] == "Issuer" and issuer["revocationList"]
    key = get(client, issuer["publicKey"][0]).get_json(force=True)
    assert key["type"] == "CryptographicKey" and key["owner"] == issuer["id"]


def test_badge_class_carries_ptsb_endorsement(client, award):
    badge_url = get(client, award["ob2"]["assertion"]).get_json(force=True)["badge"]
    endorsement = get(
        client, get(client, badge_url).get_json(force=True)["endorsement"][0]
    ).get_json(force=True)
    assert endorsement["type"] == "Endorsement" and endorsement["claim"]["id"] == badge_url


def test_signed_assertion_verifies_with_the_published_key(client, award):
    token = get(client, award["ob2"]["jws"], accept="*/*").data.decode()
    creator = peek_compact(token).payload_json()["verification"]["creator"]
    pem = get(client, creator).get_json(force=True)["publicKeyPem"]
    verified = verify_compact(
        token, lambda header: public_key_from_pem(pem), allowed_algs=("RS256",)
    )
    payload = verified.payload_json()
    assert payload["verification"] == {"type": "signed", "creator": creator}
    assert verified.header["alg"] == "RS256"


def test_baked_png_and_svg_hold_the_assertion_url(client, award):
    url = award["ob2"]["assertion"]
    assert unbake_png(get(client, award["ob2"]["png"], "*/*").data)[Keyword.OB2] == url
    assert unbake_svg(get(client, award["ob2"]["svg"], "*/*").data)[Keyword.OB2] == url


def test_signed_baked_images_hold_the_jws(client, award):
    token = get(client, award["ob2"]["jws"], accept="*/*").data.decode()
    assert unbake_png(get(client, award["ob2_signed"]["png"], "*/*").data)[Keyword.OB2] == token
    assert unbake_svg(get(client, award["ob2_signed"]["svg"], "*/*").data)[Keyword.OB2] == token


def test_revoked_hosted_assertion_says_revoked_with_reason(api, client, award, district):
    api.ok(
        "POST",
        f"/awards/{award['id']}/revoke",
        district[1],
        {"reason": "Evidence was not the earner's own"},
        status=200,
    )
    doc = get(client, award["ob2"]["assertion"]).get_json(force=True)
    assert (doc["revoked"], doc["revocationReason"]) == (True, "Evidence was not the earner's own")


def test_revocation_list_lists_revoked_signed_assertion(api, client, award, district):
    api.ok(
        "POST",
        f"/awards/{award['id']}/revoke",
        district[1],
        {"reason": "Issued in error"},
        status=200,
    )
    issuer = get(
        client,
        get(client, get(client, award["ob2"]["assertion"]).get_json(force=True)["badge"]).get_json(
            force=True
        )["issuer"],
    ).get_json(force=True)
    revocations = get(client, issuer["revocationList"]).get_json(force=True)
    assert revocations["revokedAssertions"] == [
        {"id": f"urn:uuid:{award['id']}", "revocationReason": "Issued in error"}
    ]


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        ("application/ld+json", "application/ld+json"),
        ("application/json", "application/json"),
        ("*/*", "application/ld+json"),
        (None, "application/ld+json"),
        (BROWSER, "text/html"),
    ],
)
def test_content_negotiation(client, award, accept, mimetype):
    headers = {"Accept": accept} if accept else {}
    response = client.get(
        award["ob2"]["assertion"].replace("https://badges.test", ""), headers=headers
    )
    assert response.mimetype == mimetype


def test_public_reads_have_etag_and_cache_control_and_answer_304(client, award):
    first = get(client, award["ob2"]["assertion"])
    assert first.headers["ETag"] and "max-age" in first.headers["Cache-Control"]
    again = client.get(
        award["ob2"]["assertion"].replace("https://badges.test", ""),
        headers={"If-None-Match": first.headers["ETag"], "Accept": "application/ld+json"},
    )
    assert again.status_code == 304


def test_documents_are_served_as_stored_not_rebuilt(client, award):
    first = get(client, award["ob2"]["jws"], "*/*").data
    assert get(client, award["ob2"]["jws"], "*/*").data == first


def test_key_rotation_keeps_old_key_published_and_old_badges_verifying(
    api, client, award, district
):
    issuer_id, admin = district
    old_token = get(client, award["ob2"]["jws"], "*/*").data.decode()
    api.ok("POST", f"/issuers/{issuer_id}/keys/rotate", admin)
    issuer = get(client, f"/ob2/issuers/{issuer_id}").get_json(force=True)
    assert len(issuer["publicKey"]) == 2
    creator = peek_compact(old_token).payload_json()["verification"]["creator"]
    assert creator in issuer["publicKey"]
    pem = get(client, creator).get_json(force=True)["publicKeyPem"]
    assert verify_compact(
        old_token, lambda header: public_key_from_pem(pem), allowed_algs=("RS256",)
    )


def test_unknown_public_path_is_404_json(client):
    response = client.get("/ob2/assertions/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
