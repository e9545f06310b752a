"""Our verifier on OB 3.0 credentials made by an independent implementation (Digital Bazaar's VC
stack signs them, eddsa-rdfc-2022) and served by a loopback issuer: valid, tampered, revoked
(Bitstring Status List and 1EdTech Revocation List), expired, wrong recipient, someone else's key;
given as JSON, by URL and as baked PNG/SVG; and Digital Bazaar's verifier agrees with our verdict."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from issuer import create_app
from issuer.baking import Keyword, bake_png, bake_svg
from issuer.config import Settings

from .harness import DocumentServer

pytestmark = pytest.mark.interop

VC2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DID = "https://www.w3.org/ns/did/v1"
SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
EMAIL = "Grace.Hopper@district.example.org"
SALT = "5a1t"
REVOKED_INDEX = 4242
IMAGES = Path(__file__).parents[1] / "fixtures" / "images"
SIGNING = Path(__file__).parents[1] / "fixtures" / "signing" / "jws"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encoded_list(*set_bits: int) -> str:
    bits = bytearray(131_072 // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64(gzip.compress(bytes(bits)))


def entry(base: str, number: int) -> dict[str, Any]:
    """A Bitstring Status List entry in the loopback issuer's revocation list."""
    return {
        "id": f"{base}/status/1#{number}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(number),
        "statusListCredential": f"{base}/status/1",
    }


def credential(base: str, number: int, **changes: Any) -> dict[str, Any]:
    """An OB 3.0 credential shaped like the 1EdTech examples, issued by the loopback issuer."""
    identity = "sha256$" + hashlib.sha256((EMAIL.lower() + SALT).encode()).hexdigest()
    doc: dict[str, Any] = {
        "@context": [VC2, OB3, OB3_EXTENSIONS],
        "id": f"{base}/credentials/{number}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": f"{base}/issuers/1", "type": ["Profile"], "name": "Loopback District"},
        "validFrom": "2025-05-01T12:00:00Z",
        "name": "Questioning Strategies",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": identity,
                    "salt": SALT,
                }
            ],
            "achievement": {
                "id": f"{base}/achievements/1",
                "type": ["Achievement"],
                "name": "Questioning Strategies",
                "description": "Uses higher-order questions.",
                "criteria": {"narrative": "A lesson analysis scored 3 or more."},
                "creditsAvailable": 0.5,
            },
            "creditsEarned": 0.5,
        },
        "credentialSchema": [{"id": SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        "credentialStatus": entry(base, number),
    }
    doc.update(changes)
    return doc


@pytest.fixture(scope="module")
def issuer(node_vc: Any, contexts_dir: Path) -> Iterator[dict[str, Any]]:
    """A loopback issuer whose credentials, key and status list Digital Bazaar's stack signed."""
    server = DocumentServer().start()
    base = server.base_url
    key_url = f"{base}/keys/1"
    status_list = {
        "@context": [VC2],
        "id": f"{base}/status/1",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": f"{base}/issuers/1",
        "validFrom": "2025-05-01T12:00:00Z",
        "credentialSubject": {
            "id": f"{base}/status/1#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(REVOKED_INDEX),
        },
    }
    one_edtech = {"id": f"{base}/revocations", "type": "1EdTechRevocationList"}
    unsigned = {
        "active": credential(base, 7),
        "revoked": credential(base, REVOKED_INDEX),
        "expired": credential(base, 8, validUntil="2025-06-01T00:00:00Z"),
        "forged_list": credential(
            base,
            13,
            credentialStatus={**entry(base, 13), "statusListCredential": f"{base}/status/2"},
        ),
        "listed": credential(base, 9, credentialStatus=one_edtech),
        "unlisted": credential(base, 10, credentialStatus=one_edtech),
        "status_list": status_list,
    }
    signed = node_vc.sign_vc_many(
        list(unsigned.values()), contexts_dir, verification_method=key_url, proof_array=True
    )
    documents = {name: out["credential"] for name, out in zip(unsigned, signed, strict=True)}
    server.add_json("/keys/1", signed[0]["keyDocument"])
    server.add_json(
        "/issuers/1",
        {
            "@context": [VC2, OB3, DID],
            "id": f"{base}/issuers/1",
            "type": "Profile",
            "name": "Loopback District",
            "assertionMethod": [key_url],
        },
    )
    server.add_json("/status/1", documents.pop("status_list"))
    server.add_json(
        "/revocations",
        {
            "id": f"{base}/revocations",
            "issuer": f"{base}/issuers/1",
            "revokedCredentials": [
                {"id": f"{base}/credentials/9", "revocationReason": "Awarded in error"}
            ],
        },
    )
    forged_list = {**status_list, "id": f"{base}/status/2"}  # claims our issuer, signed by another
    stranger, stranger_list = node_vc.sign_vc_many(
        [credential(base, 11), forged_list],
        contexts_dir,
        verification_method=f"{base}/keys/stranger",
        controller="https://stranger.example/issuer",
        proof_array=True,
    )
    server.add_json("/keys/stranger", stranger["keyDocument"])
    server.add_json("/status/2", stranger_list["credential"])
    documents["strangers_key"] = stranger["credential"]
    for name in ("active", "revoked"):
        server.add_json(f"/credentials/{name}", documents[name])
    yield {"base": base, "server": server, **documents}
    server.stop()


@pytest.fixture
def client(settings: Settings) -> Iterator[FlaskClient]:
    """The app with VERIFY_ALLOW_PRIVATE on: the loopback issuer stands in for one on the web."""
    application = create_app(settings.with_changes(verify_allow_private=True))
    yield application.test_client()
    application.extensions["issuer.services"].db.dispose()


def verify(client: FlaskClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/verify", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def upload(client: FlaskClient, data: bytes, name: str, **form: str) -> dict[str, Any]:
    file = FileStorage(io.BytesIO(data), filename=name, content_type="application/octet-stream")
    boundary, body = encode_multipart({"file": file, **form})
    response = client.post(
        "/api/v1/verify", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def failed(report: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c.get("code", "") for c in report["checks"] if c["status"] == "failed"}


# --- Data Integrity credentials signed by Digital Bazaar's stack ------------------------------


def test_node_signed_credential_is_valid(client, issuer):
    report = verify(client, credential=issuer["active"], recipient_email=EMAIL)
    assert report["valid"] is True, report["checks"]
    assert report["format"] == "ob3-di"
    assert report["issuer"] == {"id": f"{issuer['base']}/issuers/1", "name": "Loopback District"}
    assert report["achievement"]["name"] == "Questioning Strategies"
    assert report["recipient"]["status"] == "matched"
    assert report["revocation"] == {"status": "active", "reason": None}
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses["signature"] == statuses["key_ownership"] == "passed"


def test_node_signed_credential_by_url_is_valid(client, issuer):
    report = verify(client, url=f"{issuer['base']}/credentials/active")
    assert (report["valid"], report["input"]) == (True, "url")


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_node_signed_credential_baked_into_an_image_is_valid(client, issuer, kind):
    payload = json.dumps(issuer["active"])
    art = (IMAGES / f"badge.{kind}").read_bytes()
    baked = (bake_png if kind == "png" else bake_svg)(art, payload, keyword=Keyword.OB3)
    report = upload(client, baked, f"badge.{kind}", recipient_email=EMAIL.upper())
    assert (report["valid"], report["input"]) == (True, kind), report["checks"]
    assert report["recipient"]["status"] == "matched"


def test_tampered_node_signed_credential_fails_its_proof(client, issuer):
    forged = copy.deepcopy(issuer["active"])
    forged["credentialSubject"]["achievement"]["creditsAvailable"] = 5
    report = verify(client, credential=forged)
    assert report["valid"] is False and failed(report) == {"signature": "bad_signature"}


def test_bitstring_revoked_credential_is_not_valid(client, issuer):
    report = verify(client, credential=issuer["revoked"])
    assert report["valid"] is False and failed(report) == {"revocation": "revoked"}
    assert report["revocation"]["status"] == "revoked"


def test_1edtech_revocation_list_is_read(client, issuer):
    revoked = verify(client, credential=issuer["listed"])
    active = verify(client, credential=issuer["unlisted"])
    assert failed(revoked) == {"revocation": "revoked"}
    assert revoked["revocation"] == {"status": "revoked", "reason": "Awarded in error"}
    assert active["valid"] is True, active["checks"]


def test_a_status_list_signed_by_someone_else_is_not_trusted(client, issuer):
    report = verify(client, credential=issuer["forged_list"])
    assert report["valid"] is False and failed(report) == {"revocation": "status_list_key"}
    assert report["revocation"]["status"] == "unknown"


def test_expired_credential_is_not_valid(client, issuer):
    report = verify(client, credential=issuer["expired"])
    assert failed(report) == {"expiry": "expired"}


def test_wrong_recipient_is_reported(client, issuer):
    report = verify(client, credential=issuer["active"], recipient_email="mallory@example.org")
    assert failed(report) == {"recipient": "recipient_mismatch"}


def test_a_key_controlled_by_someone_else_fails_ownership(client, issuer):
    report = verify(client, credential=issuer["strangers_key"])
    assert report["valid"] is False and failed(report) == {"key_ownership": "key_not_issuers"}


def test_digital_bazaar_agrees_with_our_verdicts(node_vc, contexts_dir, client, issuer):
    names = ["active", "revoked", "strangers_key"]
    tampered = copy.deepcopy(issuer["active"])
    tampered["name"] = "Forged"
    theirs = node_vc.verify_vc_many(
        [issuer[n] for n in names] + [tampered], contexts_dir, check_status=True
    )
    ours = [verify(client, credential=issuer[n]) for n in names] + [
        verify(client, credential=tampered)
    ]
    their_valid = [t["verified"] and not t["status"].get("revoked") for t in theirs]
    assert their_valid == [r["valid"] for r in ours] == [True, False, False, False]


# --- a VC-JWT signed with cryptography directly, checked by `jose` too ---------------------------


def test_rs256_vc_jwt_verifies_here_and_with_jose(node_vc, client, issuer):
    key = serialization.load_pem_private_key((SIGNING / "rsa-test-key.pem").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    numbers = key.public_key().public_numbers()
    base, server = issuer["base"], issuer["server"]
    kid = server.add_json(
        "/keys/jwk",
        {
            "id": f"{base}/keys/jwk",
            "type": "JsonWebKey",
            "controller": f"{base}/issuers/1",
            "publicKeyJwk": {
                "kty": "RSA",
                "n": b64(numbers.n.to_bytes(256, "big")),
                "e": b64(numbers.e.to_bytes(3, "big")),
            },
        },
    )
    server.add_json(
        "/issuers/1",
        {
            "@context": [VC2, OB3, DID],
            "id": f"{base}/issuers/1",
            "type": "Profile",
            "name": "Loopback District",
            "assertionMethod": [f"{base}/keys/1", kid],
        },
    )
    unsigned = credential(base, 12)
    claims = {"iss": f"{base}/issuers/1", "jti": unsigned["id"], "nbf": 1746100800}
    header = b64(json.dumps({"alg": "RS256", "kid": kid, "typ": "JWT"}).encode())
    payload = b64(json.dumps({**unsigned, **claims}).encode())
    signature = key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    token = f"{header}.{payload}.{b64(signature)}"

    ours = verify(client, credential=token, recipient_email=EMAIL)
    theirs = node_vc.verify_jwt(
        token, jwk={"kty": "RSA", "n": b64(numbers.n.to_bytes(256, "big")), "e": "AQAB"}
    )
    assert ours["valid"] is True and ours["format"] == "ob3-jwt", ours["checks"]
    assert theirs["verified"] is True, theirs["errors"]
