"""What the verifier accepts as input, how it tells the versions apart, and what it refuses before
any check runs (not a badge, hostile images, JSON bombs); the OB 3.0 schema hook."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from issuer.baking import Keyword, bake_png, bake_svg
from issuer.errors import IssuerError, UnsafeInput, ValidationFailed
from issuer.openbadges.contexts import ContextLoader
from issuer.verify import CredentialSchema, Fetched, FetchFailed, VerifyInput, verify_badge
from issuer.verify.checks import check_identity
from issuer.verify.inputs import InputKind, Version, read_input
from tests.vendored import OB3_SCHEMAS_DIR

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "tests" / "fixtures" / "images"
VECTORS = ROOT / "tests" / "fixtures" / "verify" / "vectors"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def vector(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / f"{name}.json").read_text())  # type: ignore[no-any-return]


def serve(documents: dict[str, Any]) -> Any:
    def fetch(url: str) -> Fetched:
        entry = documents.get(url)
        if entry is None:
            return Fetched(url, 404, "text/plain", b"")
        if isinstance(entry, bytes):
            return Fetched(url, 200, "application/octet-stream", entry)
        return Fetched(url, 200, "application/ld+json", json.dumps(entry["json"]).encode())

    return fetch


@pytest.fixture(scope="module")
def loader() -> ContextLoader:
    return ContextLoader(ROOT / "schemas" / "contexts")


def signed_ob2() -> tuple[str, dict[str, Any]]:
    data = vector("ob2-signed-valid")
    return data["input"]["credential"], data["documents"]


def b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


# --- detection -----------------------------------------------------------------------------


def test_compact_jws_text_is_a_signed_ob2_payload() -> None:
    token, docs = signed_ob2()
    payload = read_input(VerifyInput.from_credential(f"  {token}\n"), serve(docs))
    assert (payload.kind, payload.version, payload.token) == (InputKind.JWS, Version.OB2, token)


def test_vc_jwt_with_a_vc_claim_is_ob3() -> None:
    token = f"{b64({'alg': 'RS256'})}.{b64({'vc': {'type': ['VerifiableCredential']}})}.c2ln"
    assert read_input(VerifyInput.from_credential(token), serve({})).version is Version.OB3


def test_json_text_and_objects_are_read_alike() -> None:
    document = vector("ob2-hosted-valid")["input"]["credential"]
    as_text = read_input(VerifyInput.from_credential(json.dumps(document)), serve({}))
    as_object = read_input(VerifyInput.from_credential(document), serve({}))
    assert as_text.document == as_object.document and as_text.version is Version.OB2


def test_url_text_in_the_credential_field_is_fetched() -> None:
    data = vector("ob2-hosted-by-url")
    url = data["input"]["url"]
    payload = read_input(VerifyInput.from_credential(url), serve(data["documents"]))
    assert (payload.kind, payload.fetched_from) == (InputKind.URL, url)


@pytest.mark.parametrize("bake", [bake_png, bake_svg])
def test_a_baked_jws_is_unbaked_and_read(bake: Any) -> None:
    token, docs = signed_ob2()
    image = bake((IMAGES / ("badge.png" if bake is bake_png else "badge.svg")).read_bytes(), token)
    report = verify_badge(
        VerifyInput.from_image(image), fetch=serve(docs), now=NOW, loader=_loader()
    )
    assert report.valid and report.input_kind == ("png" if bake is bake_png else "svg")


def test_a_baked_image_url_is_followed_to_the_badge() -> None:
    data = vector("ob2-hosted-by-url")
    url = data["input"]["url"]
    png = bake_png((IMAGES / "badge.png").read_bytes(), url)
    documents = {**data["documents"], "https://elsewhere.example/badge.png": png}
    report = verify_badge(
        VerifyInput.from_url("https://elsewhere.example/badge.png"),
        fetch=serve(documents),
        now=NOW,
        loader=_loader(),
    )
    assert report.valid and report.format == "ob2-hosted"


def test_ob3_payload_is_preferred_when_an_image_carries_both() -> None:
    ob3 = vector("ob3-jwt-eddsa-did-key")["input"]["credential"]
    token, _ = signed_ob2()
    image = bake_png(bake_png((IMAGES / "badge.png").read_bytes(), token), ob3, keyword=Keyword.OB3)
    payload = read_input(VerifyInput.from_image(image), serve({}))
    assert payload.version is Version.OB3


def _loader() -> ContextLoader:
    return ContextLoader(ROOT / "schemas" / "contexts")


# --- refused input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "error", "code"),
    [
        (VerifyInput(), ValidationFailed, "invalid_input"),
        (VerifyInput(url="https://a.example", image=b"x"), ValidationFailed, "invalid_input"),
        (VerifyInput.from_credential("hello"), ValidationFailed, "not_a_badge"),
        (VerifyInput.from_credential("{not json"), ValidationFailed, "malformed_json"),
        (VerifyInput.from_credential('{"name": "x"}'), ValidationFailed, "not_a_badge"),
        (VerifyInput.from_credential("[1, 2]"), ValidationFailed, "not_a_badge"),
        (VerifyInput.from_credential("a.b.c"), ValidationFailed, "malformed_jws"),
        (
            VerifyInput.from_credential("x" * 10 + "." + "y" * (1 << 20) + ".z"),
            UnsafeInput,
            "jws_too_large",
        ),
        (
            VerifyInput.from_credential("[" * 100_000 + "]" * 100_000),
            ValidationFailed,
            "not_a_badge",
        ),
        (
            VerifyInput.from_credential('{"a":' * 100 + "1" + "}" * 100),
            UnsafeInput,
            "json_too_deep",
        ),
        (VerifyInput.from_image(b"GIF89a..."), ValidationFailed, "invalid_image"),
        (
            VerifyInput.from_image((IMAGES / "badge.png").read_bytes()),
            ValidationFailed,
            "no_baked_badge",
        ),
        (
            VerifyInput.from_image((IMAGES / "badge.svg").read_bytes()),
            ValidationFailed,
            "no_baked_badge",
        ),
        (
            VerifyInput.from_image((IMAGES / "bomb-zlib.png").read_bytes()),
            UnsafeInput,
            "image_bomb",
        ),
        (
            VerifyInput.from_image((IMAGES / "bomb-dimensions.png").read_bytes()),
            UnsafeInput,
            "image_bomb",
        ),
        (
            VerifyInput.from_image((IMAGES / "billion-laughs.svg").read_bytes()),
            UnsafeInput,
            "svg_entities",
        ),
        (
            VerifyInput.from_image((IMAGES / "external-entity.svg").read_bytes()),
            UnsafeInput,
            "svg_entities",
        ),
        (
            VerifyInput.from_image((IMAGES / "compressed-itxt.png").read_bytes()),
            ValidationFailed,
            "invalid_image",
        ),
        (
            VerifyInput.from_image((IMAGES / "truncated.png").read_bytes()),
            ValidationFailed,
            "invalid_image",
        ),
        (
            VerifyInput.from_image((IMAGES / "duplicate-keyword.png").read_bytes()),
            ValidationFailed,
            "invalid_image",
        ),
        (
            VerifyInput.from_image(b"\x89PNG\r\n\x1a\n" + bytes(11 << 20)),
            UnsafeInput,
            "image_too_large",
        ),
    ],
)
def test_unusable_input_raises_a_coded_error(
    raw: VerifyInput, error: type[IssuerError], code: str
) -> None:
    with pytest.raises(error) as caught:
        verify_badge(raw, fetch=serve({}), now=NOW, loader=_loader())
    assert caught.value.code == code


def test_a_url_that_does_not_answer_is_an_input_error() -> None:
    with pytest.raises(FetchFailed) as caught:
        verify_badge(
            VerifyInput.from_url("https://gone.example/1"),
            fetch=serve({}),
            now=NOW,
            loader=_loader(),
        )
    assert (caught.value.code, caught.value.status) == ("http_status", 404)


def test_a_chain_of_baked_urls_is_cut_short() -> None:
    png = (IMAGES / "badge.png").read_bytes()
    documents = {
        f"https://a.example/{i}": bake_png(png, f"https://a.example/{i + 1}") for i in range(5)
    }
    with pytest.raises(ValidationFailed) as caught:
        verify_badge(
            VerifyInput.from_url("https://a.example/0"),
            fetch=serve(documents),
            now=NOW,
            loader=_loader(),
        )
    assert caught.value.code == "too_many_hops"


def test_naive_clock_is_a_programming_error() -> None:
    token, docs = signed_ob2()
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_badge(
            VerifyInput.from_credential(token),
            fetch=serve(docs),
            now=datetime(2026, 1, 1),
            loader=_loader(),
        )


def test_hostile_shapes_become_failed_checks_not_crashes() -> None:
    document = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": ["not", "a", "string"],
        "recipient": "nobody",
        "badge": {"issuer": 7, "type": ["BadgeClass"]},
        "issuedOn": {"when": "now"},
        "expires": [],
        "verification": "hosted",
    }
    report = verify_badge(
        VerifyInput.from_credential(document, recipient_email="a@b.example"),
        fetch=serve({}),
        now=NOW,
        loader=_loader(),
    )
    assert not report.valid
    assert {"structure", "hosted_verification", "issuer", "valid_from"} <= {
        check.name for check in report.failed_checks
    }


# --- recipient comparison ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identity", "hashed", "kind", "outcome", "code"),
    [
        ("ada@school.example.org", False, "email", "passed", None),
        ("ADA@School.example.org", False, "email", "passed", None),
        (
            "md5$0cc175b9c0f1b6a831c399e269772661",
            True,
            "email",
            "failed",
            "unsupported_recipient_hash",
        ),
        ("sha256$deadbeef", False, "email", "failed", "bad_recipient"),
        ("https://ada.example", False, "url", "failed", "recipient_not_email"),
        (None, True, "email", "failed", "recipient_missing"),
    ],
)
def test_recipient_identity_rules(
    identity: Any, hashed: bool, kind: str, outcome: str, code: str | None
) -> None:
    result = check_identity(
        "Ada@School.example.org",
        identity,
        hashed=hashed,
        salt="s",
        kind=kind,
        email_kinds={"email"},
    )
    assert (result.outcome, result.code) == (outcome, code)


def test_recipient_is_skipped_without_an_email() -> None:
    result = check_identity(None, "x", hashed=False, salt=None, kind="email", email_kinds={"email"})
    assert result.outcome == "skipped"


# --- the OB 3.0 schema hook ----------------------------------------------------------------


def test_schema_hook_adds_schema_problems_to_the_structure_check(tmp_path: Path) -> None:
    (tmp_path / "achievementcredential.json").write_text(
        json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": "https://schemas.example/ac.json",
                "type": "object",
                "required": ["credentialSchema"],
                "properties": {"name": {"$ref": "https://schemas.example/text.json"}},
            }
        )
    )
    (tmp_path / "text.json").write_text(
        json.dumps({"$id": "https://schemas.example/text.json", "type": "string", "maxLength": 5})
    )
    schema = CredentialSchema.from_directory(tmp_path)
    assert schema is not None
    data = vector("ob3-jwt-eddsa-did-key")
    report = verify_badge(
        VerifyInput.from_credential(data["input"]["credential"]),
        fetch=serve({}),
        now=NOW,
        loader=_loader(),
        ob3_schema=schema,
    )
    structure = report.check("structure")
    assert structure is not None and structure.failed
    assert "credentialSchema" in structure.reason and "$.name" in structure.reason


def test_without_a_schema_directory_the_hook_is_off(tmp_path: Path) -> None:
    assert CredentialSchema.from_directory(tmp_path / "absent") is None
    assert CredentialSchema.from_directory(tmp_path) is None


def test_a_broken_schema_is_refused_when_loaded(tmp_path: Path) -> None:
    (tmp_path / "achievementcredential.json").write_text('{"type": 12}')
    with pytest.raises(ValidationFailed):
        CredentialSchema.from_directory(tmp_path)


def test_1edtech_achievement_credential_schema_loads_and_judges() -> None:
    schema = CredentialSchema.from_directory(OB3_SCHEMAS_DIR)
    assert schema is not None
    data = vector("ob3-jwt-rs256-valid")
    token = data["input"]["credential"]
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert (
        schema.problems({k: v for k, v in claims.items() if k not in {"iss", "jti", "nbf"}}) == []
    )
    assert schema.problems({"type": "nope"}) != []
