"""Self-checks of the interop harnesses on hand-made badges served from loopback.

They prove each independent implementation runs offline here and tells good input from bad, so
that a failure in the app's interop tests means the app, not the harness.
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .harness import DocumentServer, ob2_assertion_node

pytestmark = pytest.mark.interop

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
# The issuer profile is the verification method's controller document: jsonld-signatures frames
# it in safe mode, so `assertionMethod` needs a context that defines it (DID v1 does).
DID_CONTEXT = "https://www.w3.org/ns/did/v1"
ACHIEVEMENT_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
EMAIL = "Ann.Educator@example.org"
PUBLIC_ORIGIN = "https://badges.test"  # ids as in production; fetched from loopback via a map
SALT = "c2FsdA"
STATUS_LIST_LENGTH = 131072
REVOKED_INDEX = 4242


# --- small builders ---------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _png(*extra_chunks: bytes) -> bytes:
    header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
    pixels = _png_chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\x00"))
    return (
        b"\x89PNG\r\n\x1a\n" + header + b"".join(extra_chunks) + pixels + _png_chunk(b"IEND", b"")
    )


def _itxt(keyword: str, text: str) -> bytes:
    # keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translation NUL
    return _png_chunk(b"iTXt", keyword.encode() + b"\x00\x00\x00\x00\x00" + text.encode())


def _hashed_email(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.lower() + salt).encode()).hexdigest()


def _rs256(header: dict[str, Any], payload: dict[str, Any], key: rsa.RSAPrivateKey) -> str:
    signing_input = (
        f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(payload).encode())}"
    )
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


def _tamper_jws(token: str, change: dict[str, Any]) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return ".".join([header, _b64url(json.dumps({**claims, **change}).encode()), signature])


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# --- OB 2.0: 1EdTech's validator --------------------------------------------------------------


def _publish_ob2(
    server: DocumentServer,
    prefix: str,
    *,
    recipient: bool = True,
    badge: bool = True,
    public_key: str | None = None,
    origin: str | None = None,
) -> str:
    """Publish an Issuer, a BadgeClass and a hosted Assertion under prefix; return its URL.

    With `origin`, the ids are on that public origin (served here through an origin map)."""
    url = (lambda path: origin + path) if origin else server.url
    issuer = url(f"{prefix}/issuer")
    server.add_json(
        f"{prefix}/issuer",
        {
            "@context": OB2_CONTEXT,
            "type": "Issuer",
            "id": issuer,
            "name": "Selfcheck Academy",
            "url": "https://academy.example.org",
            "email": "badges@academy.example.org",
            **({"publicKey": public_key} if public_key else {}),
        },
    )
    server.add_bytes(f"{prefix}/image.png", _png(), "image/png")
    badge_document = {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": url(f"{prefix}/badge"),
        "name": "Selfcheck badge",
        "description": "Proves the harness works.",
        "image": url(f"{prefix}/image.png"),
        "issuer": issuer,
        "criteria": {"id": url(f"{prefix}/criteria"), "narrative": "Pass the check."},
    }
    if badge:
        server.add_json(f"{prefix}/badge", badge_document)
    assertion = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": url(f"{prefix}/assertion"),
        "badge": badge_document["id"],
        "issuedOn": "2024-05-01T12:00:00+00:00",
        "verification": {"type": "HostedBadge"},
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": SALT,
            "identity": _hashed_email(EMAIL, SALT),
        },
    }
    if not recipient:
        del assertion["recipient"]
    server.add_json(f"{prefix}/assertion", assertion)
    return assertion["id"]


def _assert_ob2_valid(report: dict[str, Any]) -> None:
    failed = [m for m in report["messages"] if m["messageLevel"] == "ERROR"]
    assert report["valid"] is True, failed
    assert report["errorCount"] == 0, failed
    assert report["offMachineAttempts"] == []


def test_ob2_validator_accepts_hosted_assertion_baked_png_and_mapped_https_ids(
    ob2_validator, document_server, tmp_path
):
    assertion_url = _publish_ob2(document_server, "/hosted")
    baked = tmp_path / "baked.png"
    baked.write_bytes(_png(_itxt("openbadges", assertion_url)))
    https_url = _publish_ob2(document_server, "/mapped", origin=PUBLIC_ORIGIN)
    origins = {PUBLIC_ORIGIN: document_server.base_url}

    hosted, unbaked, mapped = ob2_validator.validate_many(
        [assertion_url, baked, https_url], recipient=EMAIL.lower(), origins=origins
    )

    _assert_ob2_valid(hosted)
    assert ob2_assertion_node(hosted)["id"] == assertion_url
    assert hosted["openBadgesVersion"] == "2.0"
    assert hosted["recipientProfile"] == {"email": EMAIL.lower()}
    _assert_ob2_valid(unbaked)
    assert unbaked["validationSubject"] == assertion_url  # unbaked, then fetched
    _assert_ob2_valid(mapped)
    assert mapped["validationSubject"] == https_url


def test_ob2_validator_rejects_missing_recipient_missing_badgeclass_and_unreachable_ids(
    ob2_validator, document_server
):
    no_recipient = _publish_ob2(document_server, "/no-recipient", recipient=False)
    no_badgeclass = _publish_ob2(document_server, "/no-badgeclass", badge=False)
    https_url = _publish_ob2(document_server, "/mapped", origin=PUBLIC_ORIGIN)

    first, second, unmapped = ob2_validator.validate_many([no_recipient, no_badgeclass, https_url])

    assert first["valid"] is False
    assert any("recipient" in message["result"] for message in first["messages"])
    assert second["valid"] is False
    assert any(
        no_badgeclass.replace("assertion", "badge") in message["result"]
        for message in second["messages"]
    )
    assert first["offMachineAttempts"] == second["offMachineAttempts"] == []
    assert unmapped["valid"] is False
    assert unmapped["offMachineAttempts"] == ["badges.test"]


def test_ob2_validator_accepts_signed_assertion_and_rejects_tampering(
    ob2_validator, document_server, rsa_key
):
    key_url = document_server.url("/signed/key")
    _publish_ob2(document_server, "/signed", public_key=key_url)
    document_server.add_json(
        "/signed/key",
        {
            "@context": OB2_CONTEXT,
            "type": "CryptographicKey",
            "id": key_url,
            "owner": document_server.url("/signed/issuer"),
            "publicKeyPem": rsa_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode(),
        },
    )
    assertion = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": "urn:uuid:4f0a4f5e-8c1e-4d43-9d0e-1b2c3d4e5f60",
        "badge": document_server.url("/signed/badge"),
        "issuedOn": "2024-05-01T12:00:00+00:00",
        "verification": {"type": "SignedBadge", "creator": key_url},
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": SALT,
            "identity": _hashed_email(EMAIL, SALT),
        },
    }
    token = _rs256({"alg": "RS256"}, assertion, rsa_key)
    tampered = _tamper_jws(token, {"issuedOn": "2024-05-02T12:00:00+00:00"})

    good, bad = ob2_validator.validate_many([token, tampered], recipient=EMAIL.lower())

    _assert_ob2_valid(good)
    assert good["input"]["input_type"] == "jws"
    assert bad["valid"] is False


# --- OB 3.0: the Node.js VC stack -------------------------------------------------------------


def _ob3_credential(base: str, *, status_index: int | None = None) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [VC2_CONTEXT, OB3_CONTEXT, OB3_EXTENSIONS],
        "id": f"{base}/credentials/{status_index or 1}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": f"{base}/issuers/1", "type": ["Profile"], "name": "Selfcheck Academy"},
        "validFrom": "2024-05-01T12:00:00Z",
        "name": "Selfcheck micro-credential",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": _hashed_email(EMAIL, SALT),
                    "salt": SALT,
                }
            ],
            "achievement": {
                "id": f"{base}/achievements/1",
                "type": ["Achievement"],
                "name": "Selfcheck",
                "description": "Proves the harness works.",
                "criteria": {"narrative": "Pass the check."},
                "creditsAvailable": 0.5,
            },
        },
        "credentialSchema": [{"id": ACHIEVEMENT_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if status_index is not None:
        credential["credentialStatus"] = {
            "id": f"{base}/status/1#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": f"{base}/status/1",
        }
    return credential


def _encoded_list(*set_indexes: int) -> str:
    bits = bytearray(STATUS_LIST_LENGTH // 8)
    for index in set_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)  # bit 0 is the most significant bit of byte 0
    return "u" + _b64url(gzip.compress(bytes(bits)))


@pytest.fixture(scope="module")
def ob3_issuer(node_vc, contexts_dir: Path):
    """A loopback issuer with a Node-made key, profile, status list and two signed credentials."""
    server = DocumentServer().start()
    base = server.base_url
    key_url = f"{base}/keys/1"
    status_list = {
        "@context": [VC2_CONTEXT],
        "id": f"{base}/status/1",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": f"{base}/issuers/1",
        "validFrom": "2024-05-01T12:00:00Z",
        "credentialSubject": {
            "id": f"{base}/status/1#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": _encoded_list(REVOKED_INDEX),
        },
    }
    active, revoked, signed_list = node_vc.sign_vc_many(
        [
            _ob3_credential(base, status_index=7),
            _ob3_credential(base, status_index=REVOKED_INDEX),
            status_list,
        ],
        contexts_dir,
        verification_method=key_url,
        proof_array=True,
    )
    server.add_json("/keys/1", active["keyDocument"])
    server.add_json(
        "/issuers/1",
        {
            "@context": [VC2_CONTEXT, OB3_CONTEXT, DID_CONTEXT],
            "id": f"{base}/issuers/1",
            "type": "Profile",
            "name": "Selfcheck Academy",
            "assertionMethod": [key_url],
        },
    )
    server.add_json("/status/1", signed_list["credential"])
    mapped = node_vc.sign_vc(
        _ob3_credential(PUBLIC_ORIGIN),
        contexts_dir,
        verification_method=f"{PUBLIC_ORIGIN}/keys/1",
        proof_array=True,
    )
    server.add_json("/mapped/keys/1", mapped["keyDocument"])
    server.add_json(
        "/mapped/issuers/1",
        {
            "@context": [VC2_CONTEXT, OB3_CONTEXT, DID_CONTEXT],
            "id": f"{PUBLIC_ORIGIN}/issuers/1",
            "type": "Profile",
            "name": "Selfcheck Academy",
            "assertionMethod": [f"{PUBLIC_ORIGIN}/keys/1"],
        },
    )
    yield {
        "credential": active["credential"],
        "revoked": revoked["credential"],
        "key_url": key_url,
        "mapped": mapped["credential"],
        "origins": {PUBLIC_ORIGIN: f"{base}/mapped"},
    }
    server.stop()


def _tampered(credential: dict[str, Any]) -> dict[str, Any]:
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["creditsAvailable"] = 5
    return tampered


def test_node_verifies_array_and_object_proofs_and_rejects_tampering(
    node_vc, ob3_issuer, contexts_dir
):
    credential = ob3_issuer["credential"]
    single_proof = {**credential, "proof": credential["proof"][0]}

    as_array, as_object, tampered = node_vc.verify_vc_many(
        [credential, single_proof, _tampered(credential)], contexts_dir
    )

    assert credential["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert as_array["verified"] is True, as_array["errors"]
    assert as_array["fetched"] == [ob3_issuer["key_url"], f"{credential['issuer']['id']}"]
    assert as_array["refused"] == []
    assert as_object["verified"] is True, as_object["errors"]
    assert tampered["verified"] is False
    assert tampered["errors"]


def test_node_reaches_https_ids_only_through_an_origin_map(node_vc, ob3_issuer, contexts_dir):
    mapped = node_vc.verify_vc(ob3_issuer["mapped"], contexts_dir, origins=ob3_issuer["origins"])
    unmapped = node_vc.verify_vc(ob3_issuer["mapped"], contexts_dir)

    assert mapped["verified"] is True, mapped["errors"]
    assert mapped["fetched"][0] == f"{ob3_issuer['origins'][PUBLIC_ORIGIN]}/keys/1"
    assert unmapped["verified"] is False
    assert unmapped["refused"] == [f"{PUBLIC_ORIGIN}/keys/1"]


def test_node_status_list_shows_revoked_and_active(node_vc, ob3_issuer, contexts_dir):
    active, revoked = node_vc.verify_vc_many(
        [ob3_issuer["credential"], ob3_issuer["revoked"]], contexts_dir, check_status=True
    )

    assert active["status"]["checked"] is True, active["errors"]
    assert active["status"]["revoked"] is False
    assert revoked["status"]["revoked"] is True, revoked["errors"]
    assert active["refused"] == revoked["refused"] == []


def test_verifier_core_verifies_offline_rejects_tampering_and_sees_revocation(
    node_vc, ob3_issuer, contexts_dir
):
    good, tampered, revoked, mapped = node_vc.verify_core_many(
        [
            ob3_issuer["credential"],
            _tampered(ob3_issuer["credential"]),
            ob3_issuer["revoked"],
            ob3_issuer["mapped"],
        ],
        contexts_dir=contexts_dir,
        origins=ob3_issuer["origins"],
    )

    assert good["verified"] is True, good["errors"]
    assert good["revoked"] is False
    assert good["schemaCheck"]["results"][0]["result"]["valid"] is True, good["schemaCheck"]
    assert good["refused"] == []
    assert tampered["verified"] is False
    assert revoked["verified"] is True
    assert revoked["revoked"] is True
    assert mapped["verified"] is True, mapped["errors"]
    assert mapped["refused"] == []


def test_node_jwt_verifier_accepts_rs256_vc_jwt_and_rejects_tampering(
    node_vc, document_server, rsa_key
):
    numbers = rsa_key.public_key().public_numbers()
    kid = document_server.add_json(
        "/keys/jwk/1",
        {
            "kty": "RSA",
            "alg": "RS256",
            "n": _b64url(numbers.n.to_bytes(256, "big")),
            "e": _b64url(numbers.e.to_bytes(3, "big")),
        },
        content_type="application/jwk+json",
    )
    credential = _ob3_credential(document_server.base_url)
    credential["credentialSubject"]["id"] = "urn:uuid:0b0d2a34-5b53-4f0e-9b55-8d6b5b1e4e6a"
    claims = {
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": 1714564800,
    }
    token = _rs256({"alg": "RS256", "kid": kid}, {**credential, **claims}, rsa_key)

    good = node_vc.verify_jwt(token)
    bad = node_vc.verify_jwt(_tamper_jws(token, {"name": "Forged"}))

    assert good["verified"] is True, good["errors"]
    assert good["fetched"] == [kid]
    assert bad["verified"] is False
