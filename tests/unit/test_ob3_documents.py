"""OB 3.0 documents: builders checked against our schemas and 1EdTech's, JSON-LD safe mode (no
custom terms), status list encoding, VC-JWT claims, and the template-cached signer proved
byte-identical to the plain pyld path over many generated credentials."""

from __future__ import annotations

import copy
import gzip
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import validators

from issuer.errors import ValidationFailed
from issuer.openbadges.contexts import ContextLoader
from issuer.openbadges.v3 import documents as v3
from issuer.openbadges.v3 import status
from issuer.openbadges.v3.schema import KINDS, DocumentSchemas
from issuer.openbadges.v3.status import encode_base64url
from issuer.signing.data_integrity import canonicalize, sign_data_integrity
from issuer.signing.keys import generate_key, multikey_multibase, public_jwk
from issuer.signing.proof_cache import CachedSigner, TemplateCanonicalizer
from tests.vendored import ob3_schema

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://badges.example.org"
CREATED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
METHOD = f"{BASE}/ob3/keys/issuer2-ed25519-1"
BOARD = v3.ProfileInfo(
    id=f"{BASE}/ob3/issuers/1",
    name="Professional Teaching Standards Board",
    url="https://ptsb.example.org",
    email="credentials@ptsb.example.org",
)
RUBRIC = v3.RubricInfo(
    "Performance task rubric",
    ((1, "Beginning"), (2, "Developing"), (3, "Proficient"), (4, "Exemplary")),
    3,
)
# Text that JSON, N-Quads escaping and JSON-LD must all carry unchanged.
AWKWARD = [
    'Quote " and back\\slash',
    "Línea\nnueva\ttab",
    "emoji 🎓 ∑",
    "<b>&amp;</b>",
    "  spaced  ",
]


@pytest.fixture(scope="module")
def loader() -> ContextLoader:
    return ContextLoader(ROOT / "schemas" / "contexts")


@pytest.fixture(scope="module")
def schemas() -> DocumentSchemas:
    return DocumentSchemas(ROOT / "schemas" / "ob3")


@pytest.fixture(scope="module")
def key():
    return generate_key("ed25519").private_key


def seeded(seed: int) -> random.Random:
    """Reproducible test data (not for anything secret)."""
    return random.Random(seed)  # noqa: S311


def official(name: str):
    schema = ob3_schema(name)
    cls = validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def errors_of(validator, document) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


def issuer_profile(rng: random.Random | None = None) -> v3.ProfileInfo:
    rng = rng or seeded(0)
    return v3.ProfileInfo(
        id=f"{BASE}/ob3/issuers/2",
        name=rng.choice(["Metro School District", *AWKWARD]),
        url="https://district.example.org",
        email="pd@district.example.org",
        description=rng.choice(["", "A district.", AWKWARD[1]]),
        image=rng.choice([None, f"{BASE}/ob3/issuers/2/image"]),
        parent=rng.choice([None, BOARD]),
    )


def endorsement(key) -> dict[str, Any]:
    unsigned = v3.build_endorsement(
        f"{BASE}/ob3/endorsements/programs/1/v1",
        BOARD,
        f"{BASE}/ob3/programs/1/v1",
        "Approved by the board: meets the standards",
        CREATED,
        "PTSB approval of Formative Assessment",
    )
    loader = ContextLoader(ROOT / "schemas" / "contexts")
    return sign_data_integrity(
        unsigned, key, f"{BASE}/ob3/keys/ptsb-1", loader, CREATED, proof_as_list=True
    )


def achievement(rng: random.Random, endorsements=()) -> dict[str, Any]:
    program = rng.random() < 0.7
    number = rng.randrange(1, 50)
    url = (
        f"{BASE}/ob3/programs/{number}/v{rng.randrange(1, 4)}"
        if program
        else f"{BASE}/ob3/stacks/{number}"
    )
    return v3.build_achievement(
        v3.AchievementInfo(
            id=url,
            name=rng.choice(["Formative Assessment", *AWKWARD]),
            description=rng.choice(["Uses formative assessment.", *AWKWARD]),
            criteria=rng.choice(["Submit a lesson analysis scored 3+.", *AWKWARD]),
            achievement_type="MicroCredential" if program else "Certificate",
            credits_available=rng.choice([0.5, 0.0, 1.25, 3.0, 12.5]),
            creator=issuer_profile(rng),
            image=f"{url}/image.{rng.choice(['png', 'svg'])}",
            version=str(rng.randrange(1, 9)) if program else None,
            tags=tuple(rng.sample(AWKWARD, rng.randrange(0, 3))),
            alignments=tuple(
                v3.AlignmentInfo(
                    target_name=rng.choice(AWKWARD),
                    target_url=f"https://standards.example.org/{i}",
                    framework=rng.choice([None, "PTSB"]),
                    target_code=rng.choice([None, f"S{i}"]),
                )
                for i in range(rng.randrange(0, 3))
            ),
            rubric=RUBRIC if program else None,
            endorsements=tuple(endorsements) if program else (),
        )
    )


def credential(rng: random.Random, endorsements=()) -> dict[str, Any]:
    achieved = achievement(rng, endorsements)
    award = f"{rng.getrandbits(64):016x}"
    issued = CREATED + timedelta(seconds=rng.randrange(10**8))
    list_url = f"{BASE}/ob3/issuers/2/status"
    entry = (
        status.bitstring_entry(list_url, rng.randrange(status.LIST_LENGTH))
        if rng.random() < 0.7
        else status.revocation_list_entry(f"{BASE}/ob3/issuers/2/revocations")
    )
    return v3.build_credential(
        v3.CredentialInfo(
            id=f"{BASE}/ob3/credentials/{award}",
            name=achieved["name"],
            issuer=issuer_profile(rng),
            achievement=achieved,
            subject=v3.SubjectInfo(
                identity_hash="sha256$" + f"{rng.getrandbits(256):064x}",
                salt=f"{rng.getrandbits(128):032x}",
                credits_earned=achieved["creditsAvailable"],
                achieved_level=rng.choice([3, 4]) if "resultDescription" in achieved else None,
            ),
            valid_from=issued,
            valid_until=rng.choice([None, issued + timedelta(days=365)]),
            evidence=v3.EvidenceInfo(
                narrative=rng.choice([None, *AWKWARD]),
                urls=tuple(f"https://evidence.example.org/{i}" for i in range(rng.randrange(0, 3))),
            ),
            status=entry,
        )
    )


@pytest.fixture(scope="module")
def signed(key, loader) -> dict[str, Any]:
    unsigned = credential(seeded(7), [endorsement(key)])
    return CachedSigner(loader).sign(unsigned, key, METHOD, CREATED)


# --- schemas ---------------------------------------------------------------------------------


def test_credential_matches_our_schema_and_1edtech_schema(schemas, signed):
    schemas.check("openbadge-credential", signed)
    assert errors_of(official("achievementcredential.json"), signed) == []


def test_endorsement_matches_our_schema_and_1edtech_schema(schemas, key):
    document = endorsement(key)
    schemas.check("endorsement-credential", document)
    assert errors_of(official("endorsementcredential.json"), document) == []


def test_profile_document_matches_our_schema_and_1edtech_schema(schemas):
    profile = v3.build_profile_document(issuer_profile(seeded(3)), [METHOD])
    schemas.check("profile", profile)
    assert errors_of(official("profile.json"), profile) == []


def test_key_documents_match_our_schemas(schemas, key):
    schemas.check("multikey", v3.build_multikey(METHOD, BOARD.id, multikey_multibase(key)))
    rsa = generate_key("rsa-2048").private_key
    schemas.check(
        "jwk", v3.build_jwk(f"{BASE}/ob3/keys/rsa-1", public_jwk(rsa.public_key()), "RS256")
    )


def test_jwk_with_a_private_member_fails_our_schema(schemas):
    rsa = generate_key("rsa-2048").private_key
    jwk = {**v3.build_jwk(f"{BASE}/ob3/keys/r", public_jwk(rsa.public_key()), "RS256"), "d": "x"}
    with pytest.raises(ValidationFailed):
        schemas.check("jwk", jwk)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda c: c.update(creditHours=0.5), "(document)"),
        (lambda c: c["credentialSubject"].update(licenseNumber="TN-1"), "credentialSubject"),
        (lambda c: c.update(proof=c["proof"][0]), "proof"),
        (lambda c: c.pop("credentialStatus"), "(document)"),
        (
            lambda c: c["credentialSubject"]["identifier"][0].update(identityHash="ada@x.org"),
            "identifier",
        ),
        (lambda c: c.update({"@context": c["@context"][:2]}), "@context"),
    ],
    ids=["custom-term", "unused-term", "proof-object", "no-status", "clear-email", "no-extensions"],
)
def test_our_schema_refuses_what_we_never_publish(schemas, signed, change, where):
    broken = copy.deepcopy(signed)
    change(broken)
    with pytest.raises(ValidationFailed) as raised:
        schemas.check("openbadge-credential", broken)
    assert raised.value.code == "ob3_schema_invalid" and where in raised.value.message


MUTATIONS = [
    lambda c: c.update(creditHours=0.5),
    lambda c: c["credentialSubject"].update(licenseNumber="TN-1"),
    lambda c: c.pop("credentialStatus", None),
    lambda c: c.update(validFrom="yesterday"),
    lambda c: c["credentialSubject"].pop("achievement"),
    lambda c: c["credentialSubject"]["achievement"].update(creditsAvailable="0.5"),
    lambda c: c.update(type=["VerifiableCredential"]),
    lambda c: c.update(name=""),
]


def test_compiled_and_reference_validators_agree_on_generated_credentials(schemas, key, loader):
    """The compiled validator decides every issuance; over many generated credentials, whole
    and broken, it says what the reference validator (jsonschema) says."""
    rng = seeded(1234)
    compiled, reference = schemas._compiled, schemas._validators
    for kind in KINDS:
        assert kind in compiled and kind in reference
    signer, verdicts = CachedSigner(loader), []
    for number in range(150):
        document = signer.sign(credential(rng), key, METHOD, CREATED)
        if number % 2:
            rng.choice(MUTATIONS)(document)
        verdicts.append(reference["openbadge-credential"].is_valid(document))
        assert compiled["openbadge-credential"].is_valid(document) == verdicts[-1], document
    assert 60 <= verdicts.count(True) <= 90  # whole ones pass, broken ones fail


# --- JSON-LD safe mode: every property is an OB 3.0 / VC 2.0 term ------------------------------


def test_no_property_falls_into_the_issuer_dependent_vocabulary(loader, signed, key):
    status_list = status.build_status_list_credential(
        f"{BASE}/ob3/issuers/2/status", BOARD.id, status.encode_status_list([]), CREATED
    )
    for document in (
        signed,
        endorsement(key),
        v3.build_profile_document(issuer_profile(seeded(5)), [METHOD]),
        v3.build_achievement_document(achievement(seeded(6))),
        v3.build_multikey(METHOD, BOARD.id, multikey_multibase(key)),
        status_list,
    ):
        nquads = canonicalize(document, loader)
        assert "issuer-dependent" not in nquads and "relative-reference" not in nquads


def test_without_the_extensions_context_the_schema_validator_type_is_refused(loader, signed):
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    unsigned["@context"] = unsigned["@context"][:2]
    with pytest.raises(ValidationFailed) as raised:
        canonicalize(unsigned, loader)
    assert raised.value.code == "relative_iri"


# --- status lists -----------------------------------------------------------------------------


def test_status_list_is_131072_bits_gzip_base64url_msb_first():
    encoded = status.encode_status_list([0, 9, status.LIST_LENGTH - 1])
    assert encoded.startswith("u")
    bits = status.decode_status_list(encoded)
    assert len(bits) == status.LIST_LENGTH // 8
    assert (bits[0], bits[1], bits[-1]) == (0x80, 0x40, 0x01)
    assert [i for i in (0, 1, 8, 9) if status.is_set(bits, i)] == [0, 9]


def test_status_list_index_outside_the_list_is_refused():
    with pytest.raises(ValueError):
        status.encode_status_list([status.LIST_LENGTH])


@pytest.mark.parametrize(
    "encoded",
    [
        "zNotBase64url",
        "u" + encode_base64url(b"not gzip")[1:],
        encode_base64url(gzip.compress(b"\0" * (status.MAX_LIST_BYTES + 1))),
    ],
    ids=["wrong-multibase", "not-gzip", "gzip-bomb"],
)
def test_bad_status_lists_are_refused(encoded):
    with pytest.raises(ValidationFailed) as raised:
        status.decode_status_list(encoded)
    assert raised.value.code == "bad_status_list"


def test_status_entries():
    entry = status.bitstring_entry(f"{BASE}/s", 42)
    assert entry == {
        "id": f"{BASE}/s#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": f"{BASE}/s",
    }
    assert status.revocation_list_entry(f"{BASE}/r") == {
        "id": f"{BASE}/r",
        "type": "1EdTechRevocationList",
    }


# --- VC-JWT claims ----------------------------------------------------------------------------


def test_vc_jwt_payload_is_the_credential_plus_registered_claims(signed):
    payload = v3.vc_jwt_payload(signed)
    assert "proof" not in payload
    assert payload["iss"] == signed["issuer"]["id"] and payload["jti"] == signed["id"]
    assert payload["nbf"] == int(datetime.fromisoformat(signed["validFrom"]).timestamp())
    assert ("exp" in payload) == ("validUntil" in signed)


def test_vc_jwt_payload_has_no_sub_when_the_subject_has_no_id(signed):
    """SPEC §3: a subject identified only by a hashed identifier gets no ``sub`` claim."""
    assert "id" not in signed["credentialSubject"]
    assert "sub" not in v3.vc_jwt_payload(signed)


def test_vc_jwt_payload_sub_is_the_subject_id_when_there_is_one(signed):
    subject = {**signed["credentialSubject"], "id": "did:example:ada"}
    assert v3.vc_jwt_payload({**signed, "credentialSubject": subject})["sub"] == "did:example:ada"


# --- the template-cached signer ---------------------------------------------------------------


def test_cached_proofs_are_byte_identical_to_the_plain_path(loader, key):
    """The differential test: many generated credentials (awkward text, optional parts present
    or not, both status methods, embedded signed endorsements), one signer and its cache."""
    rng = seeded(20261123)
    signer = CachedSigner(loader)
    with_endorsement = [endorsement(key)]
    for number in range(60):
        document = credential(rng, with_endorsement if number % 3 else ())
        plain = sign_data_integrity(document, key, METHOD, loader, CREATED, proof_as_list=True)
        assert signer.sign(document, key, METHOD, CREATED) == plain, number
    templates = len(signer.canonicalizer._templates)
    signer.sign(document, key, METHOD, CREATED)
    assert len(signer.canonicalizer._templates) == templates  # a known shape is a cache hit


def test_cached_canonical_form_matches_for_other_document_kinds(loader, key):
    canonicalizer = TemplateCanonicalizer(loader)
    documents = [
        endorsement(key),
        status.build_status_list_credential(
            f"{BASE}/s", BOARD.id, status.encode_status_list([5]), CREATED
        ),
        v3.build_profile_document(issuer_profile(seeded(1)), [METHOD]),
        {**credential(seeded(2)), "id": "urn:uuid:0b0d2a34-5b53-4f0e-9b55-8d6b5b1e4e6a"},
    ]
    for document in documents * 2:  # the second round comes from the cache
        assert canonicalizer.canonicalize(document) == canonicalize(document, loader)


def test_cached_path_refuses_what_the_plain_path_refuses(loader):
    document = {**credential(seeded(4)), "creditHours": 0.5}
    with pytest.raises(ValidationFailed) as plain:
        canonicalize(document, loader)
    with pytest.raises(ValidationFailed) as cached:
        TemplateCanonicalizer(loader).canonicalize(document)
    assert cached.value.code == plain.value.code == "undefined_term"


def test_cached_verify_accepts_ours_and_rejects_tampering(loader, key, signed):
    signer = CachedSigner(loader)
    public = key.public_key()
    assert signer.verify(signed, lambda method: public)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["creditsEarned"] = 5.0
    assert not signer.verify(tampered, lambda method: public)
    assert not signer.verify({k: v for k, v in signed.items() if k != "proof"}, lambda m: public)


def test_the_1edtech_schema_check_includes_date_time_formats(signed):
    """Without rfc3339-validator jsonschema skips "format": "date-time" silently."""
    broken = {**signed, "validFrom": "23 November 2026"}
    assert any("date-time" in e for e in errors_of(official("achievementcredential.json"), broken))
