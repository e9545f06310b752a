"""The educator's record (SPEC §11, issue 16): GET /api/v1/earners/{id}/clr answers a CLR 2.0
ClrCredential signed by PTSB, valid against 1EdTech's CLR schema, holding every active award's
OpenBadgeCredential as issued; stored, so an older record stays verifiable at its own id."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from jsonschema import validators
from sqlalchemy import select

from issuer.models import AuditEntry
from issuer.signing.data_integrity import verify_data_integrity
from issuer.signing.jws import peek_compact, verify_compact
from issuer.signing.keys import public_key_from_jwk
from tests.api.test_ob3_publishing import BASE, KeyResolver, _loader, doc
from tests.conftest import Api
from tests.vendored import clr_file

CLR_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def official(name: str) -> Any:
    schema = clr_file(name)
    cls = validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(validator: Any, document: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


@dataclass
class Educator:
    """An educator with awards from two issuers: Foundations, then Assessment (which needs
    Foundations), which complete the district's stack; and Coaching from a university."""

    earner_id: int
    token: str
    district_admin: str
    awards: dict[str, str]
    programs: dict[str, int]
    stack_id: int


@pytest.fixture
def educator(api: Api) -> Educator:
    district, district_admin = api.issuer("Metro School District")
    university, university_admin = api.issuer("State University")
    found = api.approved_program(district_admin, district, name="PL Foundations")
    assessment = api.approved_program(
        district_admin, district, name="Formative Assessment", prerequisites=[found]
    )
    coaching = api.approved_program(university_admin, university, name="Instructional Coaching")
    stack_id = api.ok(
        "POST",
        "/stacks",
        district_admin,
        {
            "issuer_id": district,
            "name": "Assessment Leader",
            "description": "Foundations and assessment.",
            "programs": [found, assessment],
        },
    )["id"]
    email = "grace@school.example.org"
    earner_id = api.earner(district_admin, email=email, name="Grace Teacher")
    awards = {}
    for name, admin, issuer_id, program_id in (
        ("found", district_admin, district, found),
        ("assessment", district_admin, district, assessment),
        ("coaching", university_admin, university, coaching),
    ):
        enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id)
        awards[name] = api.complete(admin, enrollment_id)["id"]
    listed = api.ok("GET", f"/earners/{earner_id}/awards", api.ptsb)["awards"]
    awards["stack"] = next(a["id"] for a in listed if a["kind"] == "stack")
    token = api.account("earner", email=email)
    programs = {"found": found, "assessment": assessment, "coaching": coaching}
    return Educator(earner_id, token, district_admin, awards, programs, stack_id)


def record(api: Api, educator: Educator, token: str | None = None, **kw: Any) -> Any:
    response = api.call("GET", f"/earners/{educator.earner_id}/clr", token or educator.token, **kw)
    assert response.status_code == 200, response.get_json()
    return response


def clr_of(api: Api, educator: Educator, token: str | None = None) -> dict[str, Any]:
    return json.loads(record(api, educator, token).data)


def test_record_is_a_clr_credential_signed_by_ptsb(api: Api, educator: Educator) -> None:
    clr = clr_of(api, educator)
    board = doc(api.client, clr["issuer"]["id"])
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    assert clr["@context"][:3] == CLR_CONTEXT
    assert board["name"] == clr["issuer"]["name"] == "Professional Teaching Standards Board"
    assert clr["proof"][0]["verificationMethod"] in board["assertionMethod"]


def test_record_validates_against_the_1edtech_clr_schema(api: Api, educator: Educator) -> None:
    clr = clr_of(api, educator)
    assert schema_errors(official("clr_v2p0_clrcredential_schema.json"), clr) == []
    assert clr["credentialSchema"][0]["id"].endswith("clr_v2p0_clrcredential_schema.json")


def test_each_nested_credential_validates_against_the_achievement_credential_schema(
    api: Api, educator: Educator
) -> None:
    validator = official("clr_v2p0_achievementcredential_schema.json")
    nested = clr_of(api, educator)["credentialSubject"]["verifiableCredential"]
    assert len(nested) == 4
    assert [schema_errors(validator, credential) for credential in nested] == [[]] * 4


def test_nested_credentials_are_the_awards_credentials_exactly_as_issued(
    api: Api, educator: Educator
) -> None:
    nested = clr_of(api, educator)["credentialSubject"]["verifiableCredential"]
    issued = [doc(api.client, f"{BASE}/ob3/credentials/{a}") for a in educator.awards.values()]
    assert sorted(nested, key=lambda c: c["id"]) == sorted(issued, key=lambda c: c["id"])
    issuers = {c["issuer"]["name"] for c in nested}
    assert issuers == {"Metro School District", "State University"}


def test_record_proof_verifies_with_ptsb_key(api: Api, educator: Educator) -> None:
    clr = clr_of(api, educator)
    result = verify_data_integrity(clr, KeyResolver(api.client), _loader(api.client))
    assert result.verified, result.reason


def test_nested_proofs_still_verify_inside_the_record(api: Api, educator: Educator) -> None:
    nested = clr_of(api, educator)["credentialSubject"]["verifiableCredential"]
    resolver, loader = KeyResolver(api.client), _loader(api.client)
    assert all(verify_data_integrity(c, resolver, loader).verified for c in nested)


def test_program_is_part_of_its_stack(api: Api, educator: Educator) -> None:
    associations = clr_of(api, educator)["credentialSubject"]["association"]
    stack = f"{BASE}/ob3/stacks/{educator.stack_id}"
    parts = {a["sourceId"] for a in associations if a["associationType"] == "isPartOf"}
    assert all(a["targetId"] == stack for a in associations if a["associationType"] == "isPartOf")
    assert parts == {
        f"{BASE}/ob3/programs/{educator.programs['found']}/v1",
        f"{BASE}/ob3/programs/{educator.programs['assessment']}/v1",
    }


def test_prerequisite_precedes_the_program_that_needs_it(api: Api, educator: Educator) -> None:
    associations = clr_of(api, educator)["credentialSubject"]["association"]
    precedes = [
        (a["sourceId"], a["targetId"]) for a in associations if a["associationType"] == "precedes"
    ]
    assert precedes == [
        (
            f"{BASE}/ob3/programs/{educator.programs['found']}/v1",
            f"{BASE}/ob3/programs/{educator.programs['assessment']}/v1",
        )
    ]


def test_achievements_list_every_achievement_once_with_credit_hours(
    api: Api, educator: Educator
) -> None:
    subject = clr_of(api, educator)["credentialSubject"]
    ids = [a["id"] for a in subject["achievement"]]
    assert len(ids) == len(set(ids)) == 4
    assert all("creditsAvailable" in a for a in subject["achievement"])
    earned = [c["credentialSubject"]["creditsEarned"] for c in subject["verifiableCredential"]]
    assert sorted(earned) == [0.0, 0.5, 0.5, 0.5]


def test_complete_record_is_not_partial(api: Api, educator: Educator) -> None:
    assert clr_of(api, educator)["partial"] is False


def test_unchanged_awards_answer_the_latest_stored_record(api: Api, educator: Educator) -> None:
    first, second = clr_of(api, educator), clr_of(api, educator)
    assert first == second


def test_revoked_award_is_left_out_of_a_new_record_which_says_so(
    api: Api, educator: Educator
) -> None:
    before = clr_of(api, educator)
    revoked = educator.awards["coaching"]
    _revoke(api, educator, revoked)
    after = clr_of(api, educator)
    nested_ids = [c["id"] for c in after["credentialSubject"]["verifiableCredential"]]
    assert after["id"] != before["id"]
    assert f"{BASE}/ob3/credentials/{revoked}" not in nested_ids
    assert after["partial"] is True
    assert "Instructional Coaching (revoked)" in after["description"]


def test_previous_record_stays_at_its_own_id(api: Api, educator: Educator) -> None:
    before = clr_of(api, educator)
    _revoke(api, educator, educator.awards["coaching"])
    clr_of(api, educator)
    assert doc(api.client, before["id"]) == before


def test_record_as_vc_jwt_is_signed_with_ptsb_key(api: Api, educator: Educator) -> None:
    response = record(api, educator, headers={"Accept": "application/vc+jwt"})
    token = response.data.decode()
    header = peek_compact(token).header
    key = public_key_from_jwk(doc(api.client, header["kid"]))
    claims = json.loads(verify_compact(token, lambda _h: key).payload)
    assert response.mimetype == "application/vc+jwt"
    assert claims["type"] == ["VerifiableCredential", "ClrCredential"]
    assert claims["iss"] == claims["issuer"]["id"]


def test_format_jwt_query_answers_the_same_record_as_vc_jwt(api: Api, educator: Educator) -> None:
    jwt = record(api, educator, query_string={"format": "jwt"}).data.decode()
    clr = clr_of(api, educator)
    assert json.loads(verify_compact(jwt, _jwk_of(api, jwt)).payload)["jti"] == clr["id"]


def test_unknown_format_answers_422(api: Api, educator: Educator) -> None:
    response = api.call(
        "GET", f"/earners/{educator.earner_id}/clr", educator.token, query_string={"format": "x"}
    )
    assert (response.status_code, response.get_json()["error"]) == (422, "invalid_fields")


def test_ptsb_may_download_an_educators_record(api: Api, educator: Educator) -> None:
    assert clr_of(api, educator, api.ptsb)["type"][1] == "ClrCredential"


@pytest.mark.parametrize("who", ["other_earner", "issuer_admin", "reviewer"])
def test_others_may_not_download_the_record(api: Api, educator: Educator, who: str) -> None:
    token = {
        "other_earner": lambda: api.account("earner", email="someone@school.example.org"),
        "issuer_admin": lambda: educator.district_admin,
        "reviewer": lambda: api.account("reviewer", 1),
    }[who]()
    response = api.call("GET", f"/earners/{educator.earner_id}/clr", token)
    expected = "other_earner" if who == "other_earner" else "wrong_role"
    assert (response.status_code, response.get_json()["error"]) == (403, expected)


def test_educator_without_active_awards_gets_409(api: Api, district: tuple[int, str]) -> None:
    earner_id = api.earner(district[1], email="new@school.example.org")
    response = api.call("GET", f"/earners/{earner_id}/clr", api.ptsb)
    assert (response.status_code, response.get_json()["error"]) == (409, "no_active_awards")


def _revoke(api: Api, educator: Educator, award_id: str) -> None:
    award = api.ok("GET", f"/awards/{award_id}", api.ptsb)
    admin = api.account("issuer_admin", award["issuer_id"]) if "issuer_id" in award else None
    assert admin is not None
    api.ok("POST", f"/awards/{award_id}/revoke", admin, {"reason": "Entered in error"}, status=200)


def _jwk_of(api: Api, token: str) -> Any:
    key = public_key_from_jwk(doc(api.client, peek_compact(token).header["kid"]))
    return lambda _header: key


def verify(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    return api.ok("POST", "/verify", None, body, status=200)


def test_verifier_verifies_the_record_and_every_credential_inside(
    api: Api, educator: Educator
) -> None:
    report = verify(api, {"url": clr_of(api, educator)["id"]})
    assert (report["valid"], report["format"], report["failed"]) == (True, "clr-di", [])
    assert [c["valid"] for c in report["credentials"]] == [True] * 4
    assert {c["revocation"]["status"] for c in report["credentials"]} == {"active"}


def test_verifier_verifies_the_record_as_vc_jwt(api: Api, educator: Educator) -> None:
    jwt = record(api, educator, query_string={"format": "jwt"}).data.decode()
    report = verify(api, {"credential": jwt})
    assert (report["valid"], report["format"], len(report["credentials"])) == (True, "clr-jwt", 4)


def test_verifier_matches_the_recipient_of_the_record(api: Api, educator: Educator) -> None:
    body = {"credential": clr_of(api, educator), "recipient_email": "Grace@school.example.org"}
    assert verify(api, body)["recipient"]["status"] == "matched"


def test_revoked_credential_shows_revoked_inside_an_older_record(
    api: Api, educator: Educator
) -> None:
    old = clr_of(api, educator)
    revoked = f"{BASE}/ob3/credentials/{educator.awards['coaching']}"
    _revoke(api, educator, educator.awards["coaching"])
    report = verify(api, {"url": old["id"]})
    inside = {c["id"]: c for c in report["credentials"]}
    assert report["valid"] is False
    assert report["failed"] == ["credentials"]
    assert inside[revoked]["revocation"]["status"] == "revoked"
    assert [c["valid"] for i, c in inside.items() if i != revoked] == [True] * 3


def test_tampered_record_fails_its_signature(api: Api, educator: Educator) -> None:
    clr = clr_of(api, educator)
    clr["credentialSubject"]["association"] = []
    report = verify(api, {"credential": clr})
    assert report["valid"] is False
    assert "signature" in report["failed"]


def test_record_id_opened_in_a_browser_is_a_page(api: Api, educator: Educator) -> None:
    url = clr_of(api, educator)["id"]
    response = api.client.get(url.replace(BASE, ""), headers={"Accept": "text/html"})
    assert (response.status_code, response.mimetype) == (200, "text/html")
    assert "Comprehensive Learner Record of Grace Teacher" in response.data.decode()


def test_record_is_written_to_the_audit_log(api: Api, educator: Educator) -> None:
    clr = clr_of(api, educator)
    svc = api.client.application.extensions["issuer.services"]
    session = svc.db.session()
    try:
        actions = list(session.scalars(select(AuditEntry.action)))
    finally:
        session.close()
    assert actions.count("learner_record.issued") == 1
    assert clr["id"].startswith(f"{BASE}/ob3/clr/")
