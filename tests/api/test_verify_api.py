"""POST /api/v1/verify (SPEC §4, §5): every input kind of our own badges, valid and forged,
tampered, revoked, expired and for the wrong recipient; badges baked by openbadges-bakery;
foreign badges over loopback; hostile input; SSRF targets; and nothing written by verifying."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from issuer import create_app
from issuer.config import Settings
from tests.conftest import BASE_URL
from tests.requirements import require_module

EMAIL = "Ada.Teacher@School.example.org"
IMAGES = Path(__file__).parents[1] / "fixtures" / "images"
SIGNING = Path(__file__).parents[1] / "fixtures" / "signing" / "jws"
VERIFY = "/api/v1/verify"


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def award(api, district) -> dict[str, Any]:
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id, validity_days=365)
    earner_id = api.earner(admin, email=EMAIL)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id=earner_id)
    return api.complete(admin, enrollment_id)  # type: ignore[no-any-return]


def fetch(client: FlaskClient, url: str) -> bytes:
    response = client.get(url.replace(BASE_URL, ""), headers={"Accept": "application/ld+json"})
    assert response.status_code == 200, url
    return response.data


def verify(client: FlaskClient, status: int = 200, **body: Any) -> dict[str, Any]:
    response = client.post(VERIFY, json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def upload(
    client: FlaskClient, data: bytes, name: str, status: int = 200, **form: str
) -> dict[str, Any]:
    # encoded in memory: the test client would spool a large body to a file it never closes
    file = FileStorage(io.BytesIO(data), filename=name, content_type="application/octet-stream")
    boundary, body = encode_multipart({"file": file, **form})
    response = client.post(
        VERIFY, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == status, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def failed(report: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c.get("code", "") for c in report["checks"] if c["status"] == "failed"}


def jws_parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(header), decode(payload), signature


def b64(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def rs256(header: dict[str, Any], payload: dict[str, Any], key: rsa.RSAPrivateKey) -> str:
    signing_input = f"{b64(header)}.{b64(payload)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


def attacker_key() -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key((SIGNING / "rsa-other-key.pem").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


# --- our own OB 2.0 badges, every input kind ---------------------------------------------------


def test_hosted_assertion_url_is_valid_with_issuer_achievement_and_dates(client, award):
    report = verify(client, url=award["ob2"]["assertion"], recipient_email=EMAIL)
    assert report["valid"] is True, report["checks"]
    assert report["format"] == "ob2-hosted" and report["input"] == "url"
    assert report["issuer"]["name"] == "Metro School District"
    assert report["achievement"]["name"] == "Formative Assessment"
    assert report["recipient"]["status"] == "matched"
    assert report["revocation"] == {"status": "active", "reason": None}
    assert report["issued"] and report["expires"] and report["failed"] == []
    names = [check["name"] for check in report["checks"]]
    assert names == [
        "structure",
        "hosted_verification",
        "issuer",
        "revocation",
        "valid_from",
        "expiry",
        "recipient",
    ]


def test_hosted_assertion_json_is_valid(client, award):
    document = json.loads(fetch(client, award["ob2"]["assertion"]))
    report = verify(client, credential=document)
    assert (report["valid"], report["format"], report["input"]) == (True, "ob2-hosted", "json")


def test_signed_assertion_jws_is_valid_with_key_ownership(client, award):
    token = fetch(client, award["ob2"]["jws"]).decode()
    report = verify(client, credential=token, recipient_email=EMAIL.upper())
    assert (report["valid"], report["format"], report["input"]) == (True, "ob2-signed", "jws")
    statuses = {check["name"]: check["status"] for check in report["checks"]}
    assert statuses["signature"] == statuses["key_ownership"] == "passed"
    assert report["recipient"]["status"] == "matched"


def test_signed_assertion_by_url_is_valid(client, award):
    report = verify(client, url=award["ob2"]["jws"])
    assert (report["valid"], report["format"]) == (True, "ob2-signed")


@pytest.mark.parametrize(
    ("artifact", "form"),
    [
        (("ob2", "png"), "ob2-hosted"),
        (("ob2", "svg"), "ob2-hosted"),
        (("ob2_signed", "png"), "ob2-signed"),
        (("ob2_signed", "svg"), "ob2-signed"),
    ],
)
def test_baked_images_uploaded_are_valid(client, award, artifact, form):
    url = award[artifact[0]][artifact[1]]
    report = upload(client, fetch(client, url), f"badge.{artifact[1]}", recipient_email=EMAIL)
    assert (report["valid"], report["format"], report["input"]) == (True, form, artifact[1])
    assert report["recipient"]["status"] == "matched"


@pytest.mark.parametrize(("group", "ext"), [("ob2", "png"), ("ob2_signed", "svg")])
def test_baked_image_urls_are_valid(client, award, group, ext):
    report = verify(client, url=award[group][ext])
    assert report["valid"] is True, report["checks"]


# --- forged, tampered, revoked, expired, wrong recipient ---------------------------------------


def test_wrong_recipient_is_reported_not_valid(client, award):
    report = verify(client, url=award["ob2"]["assertion"], recipient_email="eve@example.org")
    assert report["valid"] is False
    assert failed(report) == {"recipient": "recipient_mismatch"}
    assert report["recipient"]["status"] == "not_matched"


def test_tampered_jws_payload_fails_the_signature(client, award):
    header, payload, signature = jws_parts(fetch(client, award["ob2"]["jws"]).decode())
    payload["recipient"] = {"type": "email", "hashed": False, "identity": "mallory@example.org"}
    forged = f"{b64(header)}.{b64(payload)}.{signature}"
    report = verify(client, credential=forged, recipient_email="mallory@example.org")
    assert report["valid"] is False
    assert failed(report) == {"signature": "bad_signature"}


def test_jws_signed_by_an_attacker_with_our_creator_fails(client, award):
    _, payload, _ = jws_parts(fetch(client, award["ob2"]["jws"]).decode())
    report = verify(client, credential=rs256({"alg": "RS256"}, payload, attacker_key()))
    assert failed(report) == {"signature": "bad_signature"}


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_unsigned_and_hmac_tokens_are_refused(client, award, alg):
    header, payload, signature = jws_parts(fetch(client, award["ob2"]["jws"]).decode())
    token = f"{b64({'alg': alg})}.{b64(payload)}.{'' if alg == 'none' else signature}"
    report = verify(client, credential=token)
    assert report["valid"] is False
    assert failed(report) == {"signature": "alg_not_allowed"}


def test_forged_hosted_json_is_caught_against_the_hosted_copy(client, award):
    document = json.loads(fetch(client, award["ob2"]["assertion"]))
    document["expires"] = "2099-01-01T00:00:00Z"
    report = verify(client, credential=document)
    assert failed(report) == {"hosted_verification": "hosted_mismatch"}


def test_revoked_award_fails_hosted_and_signed_with_the_reason(api, client, award, district):
    api.ok(
        "POST", f"/awards/{award['id']}/revoke", district[1], {"reason": "Not own work"}, status=200
    )
    hosted = verify(client, url=award["ob2"]["assertion"])
    signed = verify(client, url=award["ob2"]["jws"])
    baked = upload(client, fetch(client, award["ob2_signed"]["png"]), "signed.png")
    for report in (hosted, signed, baked):
        assert report["valid"] is False
        assert failed(report) == {"revocation": "revoked"}
        assert report["revocation"] == {"status": "revoked", "reason": "Not own work"}


def test_expired_award_fails_the_expiry_check(app, client, award):
    services = app.extensions["issuer.services"]
    later = services.clock() + timedelta(days=400)
    services.clock = lambda: later
    report = verify(client, url=award["ob2"]["jws"])
    assert report["valid"] is False
    assert failed(report) == {"expiry": "expired"}


# --- openbadges-bakery ---------------------------------------------------------------------------


def bakery() -> Any:
    return require_module("openbadges_bakery", "openbadges-bakery is in the dev extra")


@pytest.mark.filterwarnings("ignore:Please use rfc3986.validators.Validator:DeprecationWarning")
@pytest.mark.parametrize(
    ("image", "payload_of"),
    [
        ("badge.png", "url"),
        ("badge.png", "jws"),
        ("badge.svg", "url"),
        ("badge.svg", "jws"),
    ],
)
def test_badges_baked_by_openbadges_bakery_verify(client, award, image, payload_of):
    payload = (
        award["ob2"]["assertion"]
        if payload_of == "url"
        else fetch(client, award["ob2"]["jws"]).decode()
    )
    baked = bakery().bake(io.BytesIO((IMAGES / image).read_bytes()), payload, io.BytesIO()).read()
    report = upload(client, baked, image)
    assert report["valid"] is True, report["checks"]
    assert report["format"] == ("ob2-hosted" if payload_of == "url" else "ob2-signed")


# --- a foreign issuer over loopback ----------------------------------------------------------


class Documents(BaseHTTPRequestHandler):
    documents: dict[str, tuple[int, bytes, str]] = {}

    def do_GET(self) -> None:  # noqa: N802
        status, body, media = self.documents.get(self.path, (404, b"not found", "text/plain"))
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet."""


@pytest.fixture
def foreign() -> Iterator[dict[str, Any]]:
    """An OB 2.0 issuer on http://127.0.0.1:<port> with a signed assertion, baked by the bakery."""
    handler = type("Handler", (Documents,), {"documents": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    key = attacker_key()  # here simply the foreign issuer's key
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    context = "https://w3id.org/openbadges/v2"
    docs = {
        "/issuer": {
            "@context": context,
            "type": "Issuer",
            "id": f"{base}/issuer",
            "name": "Loopback Academy",
            "url": base,
            "email": "a@loopback.example",
            "publicKey": [f"{base}/key"],
            "revocationList": f"{base}/revocations",
        },
        "/key": {
            "@context": context,
            "type": "CryptographicKey",
            "id": f"{base}/key",
            "owner": f"{base}/issuer",
            "publicKeyPem": pem.decode(),
        },
        "/badge": {
            "@context": context,
            "type": "BadgeClass",
            "id": f"{base}/badge",
            "name": "Loopback Badge",
            "description": "d",
            "image": f"{base}/badge.png",
            "criteria": {"narrative": "n"},
            "issuer": f"{base}/issuer",
        },
        "/revocations": {
            "@context": context,
            "type": "RevocationList",
            "id": f"{base}/revocations",
            "revokedAssertions": [],
        },
    }
    for path, doc in docs.items():
        handler.documents[path] = (200, json.dumps(doc).encode(), "application/ld+json")
    assertion = {
        "@context": context,
        "type": "Assertion",
        "id": "urn:uuid:5e3a1d3c-2b4f-4f7e-9f2a-1c0d8e7b6a50",
        "recipient": {"type": "email", "hashed": False, "identity": "bob@loopback.example"},
        "badge": f"{base}/badge",
        "issuedOn": "2025-05-01T00:00:00Z",
        "verification": {"type": "signed", "creator": f"{base}/key"},
    }
    token = rs256({"alg": "RS256"}, assertion, key)
    handler.documents["/assertion.jws"] = (200, token.encode(), "application/jose")
    yield {"base": base, "token": token}
    server.shutdown()
    server.server_close()


@pytest.fixture
def open_client(settings: Settings) -> Iterator[FlaskClient]:
    """The same database with VERIFY_ALLOW_PRIVATE on, so loopback issuers can be fetched."""
    application = create_app(settings.with_changes(verify_allow_private=True))
    yield application.test_client()
    application.extensions["issuer.services"].db.dispose()


def test_foreign_signed_badge_verifies_over_http_when_private_targets_are_allowed(
    open_client, foreign
):
    report = verify(
        open_client, url=f"{foreign['base']}/assertion.jws", recipient_email="Bob@Loopback.example"
    )
    assert report["valid"] is True, report["checks"]
    assert report["issuer"] == {"id": f"{foreign['base']}/issuer", "name": "Loopback Academy"}


def test_foreign_badge_baked_by_the_bakery_verifies(open_client, foreign):
    baked = bakery().bake(
        io.BytesIO((IMAGES / "badge.png").read_bytes()), foreign["token"], io.BytesIO()
    )
    report = upload(open_client, baked.read(), "foreign.png")
    assert report["valid"] is True and report["format"] == "ob2-signed"


# --- SSRF ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5000/ob2/assertions/1",
        "http://localhost/admin",
        "http://10.0.0.1/assertion",
        "http://192.168.0.10/assertion",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[::1]/assertion",
        "http://[::ffff:127.0.0.1]/assertion",
        "http://0.0.0.0/",
    ],
)
def test_forbidden_targets_are_refused_with_a_clear_4xx(client, url):
    body = verify(client, status=422, url=url)
    assert body["error"] == "forbidden_address" and "public addresses" in body["message"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/badge", "gopher://x/"])
def test_non_http_urls_are_refused(client, url):
    assert verify(client, status=422, url=url)["error"] == "unsupported_scheme"


def test_loopback_issuer_is_refused_without_verify_allow_private(client, foreign):
    body = verify(client, status=422, url=f"{foreign['base']}/assertion.jws")
    assert body["error"] == "forbidden_address"


def test_a_forbidden_key_url_inside_a_badge_is_a_failed_check(client, foreign):
    _, payload, _ = jws_parts(foreign["token"])
    payload["verification"]["creator"] = "http://169.254.169.254/latest/meta-data/key"
    report = verify(client, credential=rs256({"alg": "RS256"}, payload, attacker_key()))
    assert report["valid"] is False
    assert failed(report)["signature"] == "forbidden_address"


# --- hostile and malformed input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("bomb-zlib.png", "image_bomb"),
        ("bomb-dimensions.png", "image_bomb"),
        ("billion-laughs.svg", "svg_entities"),
        ("external-entity.svg", "svg_entities"),
        ("truncated.png", "invalid_image"),
        ("badge.png", "no_baked_badge"),
        ("not-an-image.txt", "invalid_image"),
    ],
)
def test_hostile_images_get_a_clear_4xx(client, name, code):
    body = upload(client, (IMAGES / name).read_bytes(), name, status=422)
    assert body["error"] == code and body["message"]


def test_upload_over_10_mib_is_413(client):
    body = upload(client, b"\x89PNG\r\n\x1a\n" + bytes(10 * 1024 * 1024 + 1), "big.png", status=413)
    assert body["error"] == "payload_too_large"


def test_multipart_without_a_file_is_422(client):
    response = client.post(
        VERIFY, data={"recipient_email": EMAIL}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and response.get_json()["fields"] == {
        "file": "required: a baked PNG or SVG image"
    }


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "invalid_fields"),
        ({"url": "https://a.example/1", "credential": "x"}, 422, "invalid_fields"),
        ({"recipient_email": "a@b.example"}, 422, "invalid_fields"),
        ({"url": "https://a.example/1", "extra": 1}, 422, "invalid_fields"),
        ({"url": 7}, 422, "invalid_fields"),
        ({"credential": 7}, 422, "invalid_fields"),
        ({"credential": "x", "recipient_email": "not-an-email"}, 422, "invalid_fields"),
        ({"credential": "x\u0000y"}, 422, "control_characters"),
        ({"credential": "just some text"}, 422, "not_a_badge"),
        ({"credential": {"hello": "world"}}, 422, "not_a_badge"),
        ({"credential": "a.b.c"}, 422, "malformed_jws"),
    ],
)
def test_bad_json_input_gets_a_clear_4xx(client, body, status, code):
    answer = verify(client, status=status, **body)
    assert answer["error"] == code and answer["message"]


def test_non_json_body_is_415_and_broken_json_400(client):
    assert client.post(VERIFY, data="url=x", content_type="text/plain").status_code == 415
    broken = client.post(VERIFY, data="{", content_type="application/json")
    assert broken.status_code == 400 and broken.get_json()["error"] == "malformed_json"


def test_unknown_url_of_ours_is_a_clear_4xx_without_the_network(client):
    body = verify(
        client, status=400, url=f"{BASE_URL}/ob2/assertions/00000000-0000-0000-0000-000000000000"
    )
    assert (body["error"], "404" in body["message"]) == ("http_status", True)


def test_verify_needs_no_token_and_is_documented_public(client):
    operation = client.get("/api/openapi.json").get_json()["paths"]["/api/v1/verify"]["post"]
    assert operation["security"] == []
    assert set(operation["requestBody"]["content"]) == {"application/json", "multipart/form-data"}


# --- nothing is written ----------------------------------------------------------------------------


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app runs while the test body runs after ``statements.clear()``."""
    seen: list[str] = []
    engine = app.extensions["issuer.services"].db.engine

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_verification_writes_nothing(client, award, statements):
    token = fetch(client, award["ob2"]["jws"]).decode()
    png = fetch(client, award["ob2_signed"]["png"])
    statements.clear()
    verify(client, url=award["ob2"]["assertion"], recipient_email=EMAIL)
    verify(client, credential=token)
    upload(client, png, "badge.png")
    verify(client, status=422, url="http://10.0.0.1/x")
    upload(client, (IMAGES / "bomb-zlib.png").read_bytes(), "bomb.png", status=422)
    assert statements, "the verifier read our stored documents"
    writing = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "ALTER", "DROP", "TRUNCATE")
    writes = [s for s in statements if s.lstrip().split()[0].upper() in writing]
    assert writes == []


# --- our own OB 3.0 credentials -------------------------------------------------------------------


def _published_ob3(client: FlaskClient, award: dict[str, Any]) -> dict[str, Any]:
    """The award's stored OB 3.0 credential: every award is published in both versions."""
    response = client.get(award["ob3"]["credential"].replace(BASE_URL, ""))
    assert response.status_code == 200, response.data
    return json.loads(response.data)  # type: ignore[no-any-return]


def test_our_ob3_credential_verifies_in_every_form(client, award):
    credential = _published_ob3(client, award)
    reports = [
        verify(client, url=award["ob3"]["credential"], recipient_email=EMAIL),
        verify(client, credential=credential, recipient_email=EMAIL),
        verify(client, url=award["ob3"]["jwt"], recipient_email=EMAIL),
        upload(client, fetch(client, award["ob3"]["png"]), "badge.png", recipient_email=EMAIL),
        upload(client, fetch(client, award["ob3"]["svg"]), "badge.svg", recipient_email=EMAIL),
    ]
    for report in reports:
        assert report["valid"] is True, report["checks"]
        assert report["recipient"]["status"] == "matched"
    assert [r["format"] for r in reports[:3]] == ["ob3-di", "ob3-di", "ob3-jwt"]


def test_our_revoked_ob3_credential_is_not_valid(api, client, award, district):
    _published_ob3(client, award)
    api.ok(
        "POST",
        f"/awards/{award['id']}/revoke",
        district[1],
        {"reason": "Issued in error"},
        status=200,
    )
    for report in (
        verify(client, url=award["ob3"]["credential"]),
        verify(client, url=award["ob3"]["jwt"]),
    ):
        assert report["valid"] is False and failed(report).get("revocation") == "revoked"
        assert report["revocation"]["status"] == "revoked"


def test_our_tampered_ob3_credential_fails_its_proof(client, award):
    credential = _published_ob3(client, award)
    credential["credentialSubject"]["achievement"]["name"] = "Something Grander"
    report = verify(client, credential=credential)
    assert report["valid"] is False and failed(report)["signature"] == "bad_signature"
