"""SPEC §5: ``/api/openapi.json`` is a valid OpenAPI 3 document describing every route, and the
SPEC's example bodies and answers agree with it and with what a real workflow returns."""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, request
from jsonschema import Draft202012Validator
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.conftest import BASE_URL, PNG_1X1, Api
from tests.requirements import require_module

SELF = "/api/openapi.json"  # the document itself is not one of the operations it describes
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
_FLASK_PARAM = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")
_TEMPLATE_PARAM = re.compile(r"\{(\w+)\}")


@pytest.fixture
def document(client) -> dict[str, Any]:
    response = client.get(SELF)
    assert response.status_code == 200
    return response.get_json()  # type: ignore[no-any-return]


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    ]


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/components/...``)."""
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        target: Any = document
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def openapi_path(rule: str) -> str:
    return _FLASK_PARAM.sub(lambda m: "{" + m.group(1) + "}", rule)


def operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    item = document["paths"].get(path)
    assert item is not None, f"{path} is not documented"
    assert method.lower() in item, f"{method} {path} is not documented"
    return item[method.lower()]  # type: ignore[no-any-return]


def request_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    body = operation(document, method, path).get("requestBody")
    assert body is not None, f"{method} {path} documents no requestBody"
    return resolve(document, body["content"]["application/json"]["schema"])


def sample_value(param: dict[str, Any]) -> str:
    schema = param.get("schema", {})
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    return "1" if schema.get("type") == "integer" else "x"


# --- the document itself ---------------------------------------------------------------------


def test_openapi_document_is_public_json(client):
    response = client.get(SELF)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json()["openapi"].startswith("3.")


def test_openapi_document_passes_the_openapi_spec_validator(document):
    validator = require_module("openapi_spec_validator", "it is in the dev extra")
    validator.validate(document)  # raises on the first violation


def test_openapi_document_has_the_required_structure(document):
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    assert isinstance(document["info"]["title"], str) and document["info"]["title"]
    assert isinstance(document["info"]["version"], str) and document["info"]["version"]
    assert document["paths"], "no paths"
    for path, method, op in operations(document):
        assert path.startswith("/"), path
        assert op.get("responses"), f"{method} {path} has no responses"
        for status in op["responses"]:
            assert re.fullmatch(r"[1-5]\d\d|[1-5]XX|default", status), (method, path, status)


def test_operation_ids_are_unique(document):
    ids = [op.get("operationId") for _, _, op in operations(document)]
    assert all(ids), "an operation has no operationId"
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_every_local_reference_resolves(document):
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert refs, "the document uses no $ref at all"
    for ref in refs:
        resolve(document, {"$ref": ref})  # raises KeyError when dangling


def test_documented_request_schemas_are_valid_json_schemas(document):
    for _, _, op in operations(document):
        for content in op.get("requestBody", {}).get("content", {}).values():
            schema = resolve(document, content["schema"])
            Draft202012Validator.check_schema(schema)  # raises SchemaError


# --- the document against the routes ---------------------------------------------------------


def test_every_api_route_is_documented(app, document):
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule == SELF:
            continue
        for method in sorted((rule.methods or set()) - AUTOMATIC_METHODS):
            item = document["paths"].get(openapi_path(rule.rule), {})
            if method.lower() not in item:
                missing.append(f"{method} {openapi_path(rule.rule)}")
    assert missing == []


def test_every_documented_operation_is_routed(app, document):
    adapter = app.url_map.bind("badges.test")
    phantoms = []
    for path, method, op in operations(document):
        params = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "path"}
        concrete = path
        for name in _TEMPLATE_PARAM.findall(path):
            concrete = concrete.replace("{" + name + "}", sample_value(params.get(name, {})))
        try:
            adapter.match(concrete, method=method.upper())
        except (NotFound, MethodNotAllowed):
            phantoms.append(f"{method.upper()} {path}")
    assert phantoms == []


SPEC_OPERATIONS = [
    ("POST", "/api/v1/accounts"),
    ("POST", "/api/v1/issuers"),
    ("POST", "/api/v1/programs"),
    ("GET", "/api/v1/programs/{program_id}"),
    ("PATCH", "/api/v1/programs/{program_id}"),
    ("POST", "/api/v1/programs/{program_id}/submit"),
    ("POST", "/api/v1/programs/{program_id}/approve"),
    ("POST", "/api/v1/programs/{program_id}/reject"),
    ("POST", "/api/v1/stacks"),
    ("POST", "/api/v1/earners"),
    ("POST", "/api/v1/programs/{program_id}/enrollments"),
    ("GET", "/api/v1/enrollments/{enrollment_id}"),
    ("POST", "/api/v1/enrollments/{enrollment_id}/submissions"),
    ("POST", "/api/v1/submissions/{submission_id}/reviews"),
    ("POST", "/api/v1/enrollments/{enrollment_id}/complete"),
    ("POST", "/api/v1/awards/{award_id}/revoke"),
    ("GET", "/api/v1/awards/{award_id}"),
    ("GET", "/api/v1/earners/{earner_id}/awards"),
    ("GET", "/api/v1/ptsb/notices"),
    ("POST", "/api/v1/ptsb/notices/{notice_id}/acknowledge"),
    ("POST", "/api/v1/verify"),
]


def _template(path: str) -> str:
    """Path parameter names are free: compare the shape only."""
    return _TEMPLATE_PARAM.sub("{}", path)


@pytest.mark.parametrize(("method", "path"), SPEC_OPERATIONS)
def test_spec_operation_is_routed_and_documented(app, document, method, path):
    documented = {(m.upper(), _template(p)) for p, m, _ in operations(document)}
    assert (method, _template(path)) in documented
    routed = {
        (m, _template(openapi_path(r.rule)))
        for r in app.url_map.iter_rules()
        for m in (r.methods or set())
    }
    assert (method, _template(path)) in routed


def test_every_path_parameter_is_declared(document):
    for path, method, op in operations(document):
        in_path = set(_TEMPLATE_PARAM.findall(path))
        declared = [p for p in op.get("parameters", []) if p.get("in") == "path"]
        assert {p["name"] for p in declared} == in_path, (method, path)
        for param in declared:
            assert param.get("required") is True, (method, path, param)
            assert param.get("schema", {}).get("type"), (method, path, param)


def test_query_and_header_parameters_have_schemas(document):
    for path, method, op in operations(document):
        for param in op.get("parameters", []):
            assert param.get("in") in {"path", "query", "header", "cookie"}, (method, path, param)
            assert "schema" in param or "content" in param, (method, path, param)


def test_documented_parameters_match_what_the_views_read(document):
    notices = operation(document, "GET", "/api/v1/ptsb/notices")
    status = next(p for p in notices["parameters"] if p["name"] == "status")
    assert status["in"] == "query"
    assert set(status["schema"]["enum"]) == {"pending", "acknowledged"}
    complete = operation(document, "POST", "/api/v1/enrollments/{enrollment_id}/complete")
    key = next(p for p in complete["parameters"] if p["name"] == "Idempotency-Key")
    assert key["in"] == "header" and key["required"] is True


# Every SPEC §5 operation that takes a JSON body, and whether the body is required.
BODY_OPERATIONS = [
    ("POST", "/api/v1/accounts", True),
    ("POST", "/api/v1/issuers", True),
    ("POST", "/api/v1/programs", True),
    ("PATCH", "/api/v1/programs/{program_id}", True),
    ("POST", "/api/v1/programs/{program_id}/approve", False),
    ("POST", "/api/v1/programs/{program_id}/reject", False),
    ("POST", "/api/v1/stacks", True),
    ("POST", "/api/v1/earners", True),
    ("POST", "/api/v1/programs/{program_id}/enrollments", True),
    ("POST", "/api/v1/enrollments/{enrollment_id}/submissions", True),
    ("POST", "/api/v1/submissions/{submission_id}/reviews", True),
    ("POST", "/api/v1/awards/{award_id}/revoke", True),
    ("POST", "/api/v1/ptsb/notices/{notice_id}/acknowledge", True),
]


@pytest.mark.parametrize(("method", "path", "required"), BODY_OPERATIONS)
def test_operation_with_a_body_declares_its_request_schema(document, method, path, required):
    body = operation(document, method, path)["requestBody"]
    assert body.get("required", False) is required
    schema = request_schema(document, method, path)
    assert schema.get("type") == "object"
    assert schema.get("properties"), schema


def test_every_request_body_names_a_schema(document):
    for path, method, op in operations(document):
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            assert resolve(document, content.get("schema", {})), (method, path, media)


# SPEC §5 success statuses: creations answer 201; the rest 200.
SUCCESS = [
    ("POST", "/api/v1/accounts", {"201"}),
    ("POST", "/api/v1/issuers", {"201"}),
    ("POST", "/api/v1/programs", {"201"}),
    ("GET", "/api/v1/programs/{program_id}", {"200"}),
    ("PATCH", "/api/v1/programs/{program_id}", {"200"}),
    ("POST", "/api/v1/programs/{program_id}/submit", {"200"}),
    ("POST", "/api/v1/programs/{program_id}/approve", {"200"}),
    ("POST", "/api/v1/programs/{program_id}/reject", {"200"}),
    ("POST", "/api/v1/stacks", {"201"}),
    ("POST", "/api/v1/earners", {"201", "200"}),
    ("POST", "/api/v1/programs/{program_id}/enrollments", {"201"}),
    ("GET", "/api/v1/enrollments/{enrollment_id}", {"200"}),
    ("POST", "/api/v1/enrollments/{enrollment_id}/submissions", {"201"}),
    ("POST", "/api/v1/submissions/{submission_id}/reviews", {"201"}),
    ("POST", "/api/v1/enrollments/{enrollment_id}/complete", {"201", "200", "409"}),
    ("POST", "/api/v1/awards/{award_id}/revoke", {"200"}),
    ("GET", "/api/v1/awards/{award_id}", {"200"}),
    ("GET", "/api/v1/earners/{earner_id}/awards", {"200"}),
    ("GET", "/api/v1/ptsb/notices", {"200"}),
    ("POST", "/api/v1/ptsb/notices/{notice_id}/acknowledge", {"200", "409"}),
]


@pytest.mark.parametrize(("method", "path", "statuses"), SUCCESS)
def test_operation_documents_its_spec_statuses(document, method, path, statuses):
    assert statuses <= set(operation(document, method, path)["responses"])


def test_every_operation_documents_a_success_status(document):
    for path, method, op in operations(document):
        assert any(s.startswith("2") for s in op["responses"]), (method, path)


def test_every_authenticated_operation_documents_401(document):
    for path, method, op in operations(document):
        if op.get("security", document.get("security")):
            assert "401" in op["responses"], (method, path)


def test_error_responses_use_the_error_schema(document):
    error = document["components"]["schemas"]["Error"]
    assert {"error", "message"} <= set(error["required"])
    for path, method, op in operations(document):
        for status, response in op["responses"].items():
            if status.startswith("4"):
                schema = response["content"]["application/json"]["schema"]
                assert resolve(document, schema) == error, (method, path, status)


# --- SPEC §5 example bodies against the documented schemas -----------------------------------

IMAGE = "data:image/png;base64," + base64.b64encode(PNG_1X1).decode()

EXAMPLES = [
    ("POST", "/api/v1/accounts", {"role": "earner", "email": "ada@school.example.org"}),
    ("POST", "/api/v1/accounts", {"role": "reviewer", "email": "r@d.example.org", "issuer_id": 2}),
    (
        "POST",
        "/api/v1/issuers",
        {"name": "Metro", "url": "https://metro.example.org", "email": "pd@metro.example.org"},
    ),
    (
        "POST",
        "/api/v1/issuers",
        {
            "name": "Metro",
            "url": "https://metro.example.org",
            "email": "pd@metro.example.org",
            "description": "A district.",
        },
    ),
    (
        "POST",
        "/api/v1/programs",
        {
            "issuer_id": 2,
            "name": "Formative Assessment",
            "description": "Uses formative assessment.",
            "criteria": "Scored 3 or higher.",
            "competencies": ["Designs checks for understanding"],
            "estimated_hours": 10,
            "learning_methods": ["face_to_face", "online", "own_path"],
        },
    ),
    (
        "POST",
        "/api/v1/programs",
        {
            "issuer_id": 2,
            "name": "Formative Assessment",
            "description": "Uses formative assessment.",
            "criteria": "Scored 3 or higher.",
            "competencies": ["Designs checks for understanding", "Gives feedback"],
            "estimated_hours": 10.5,
            "credit_hours": 0.5,
            "learning_methods": ["online"],
            "image": IMAGE,
            "alignments": [
                {"target_name": "InTASC 6", "target_url": "https://ccsso.org/intasc"},
                {
                    "target_name": "TEAM 4",
                    "target_url": "https://team-tn.org/rubric",
                    "framework": "TEAM",
                },
            ],
            "prerequisites": [1],
            "validity_days": 1095,
            "prior_training_eligible": False,
        },
    ),
    ("PATCH", "/api/v1/programs/{program_id}", {"name": "Formative Assessment II"}),
    ("POST", "/api/v1/programs/{program_id}/approve", {"comment": "Meets standards"}),
    ("POST", "/api/v1/programs/{program_id}/approve", {}),
    ("POST", "/api/v1/programs/{program_id}/reject", {"comment": "Add a rubric"}),
    (
        "POST",
        "/api/v1/stacks",
        {"issuer_id": 2, "name": "Assessment", "description": "All three.", "programs": [1, 2, 3]},
    ),
    (
        "POST",
        "/api/v1/stacks",
        {
            "issuer_id": 2,
            "name": "Assessment",
            "description": "Two of three.",
            "programs": [1, 2, 3],
            "required": 2,
        },
    ),
    ("POST", "/api/v1/earners", {"name": "Ada Teacher", "email": "ada@school.example.org"}),
    (
        "POST",
        "/api/v1/earners",
        {
            "name": "Ada Teacher",
            "email": "ada@school.example.org",
            "license_number": "TN-123456",
            "position": "classroom teacher",
        },
    ),
    (
        "POST",
        "/api/v1/programs/{program_id}/enrollments",
        {"earner_id": 1, "learning_method": "online"},
    ),
    ("POST", "/api/v1/programs/{program_id}/enrollments", {"learning_method": "own_path"}),
    ("POST", "/api/v1/enrollments/{enrollment_id}/submissions", {"narrative": "My analysis."}),
    (
        "POST",
        "/api/v1/enrollments/{enrollment_id}/submissions",
        {"narrative": "My analysis.", "evidence_urls": ["https://evidence.example.org/1"]},
    ),
    ("POST", "/api/v1/submissions/{submission_id}/reviews", {"score": 4, "feedback": "Strong."}),
    ("POST", "/api/v1/submissions/{submission_id}/reviews", {"score": 1, "feedback": ""}),
    ("POST", "/api/v1/awards/{award_id}/revoke", {"reason": "Issued in error"}),
    (
        "POST",
        "/api/v1/ptsb/notices/{notice_id}/acknowledge",
        {"license_number": "TN-123456", "certificate_reference": "CERT-1"},
    ),
    (
        "POST",
        "/api/v1/ptsb/notices/{notice_id}/acknowledge",
        {"license_number": "TN-123456", "certificate_reference": "CERT-1", "date": "2026-03-01"},
    ),
]


@pytest.mark.parametrize(("method", "path", "body"), EXAMPLES)
def test_documented_schema_accepts_the_spec_example(document, method, path, body):
    schema = request_schema(document, method, path)
    checker = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in checker.iter_errors(body)]
    assert errors == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/submissions/{submission_id}/reviews", {"score": 5, "feedback": ""}),
        ("POST", "/api/v1/submissions/{submission_id}/reviews", {"score": 0, "feedback": ""}),
        ("POST", "/api/v1/accounts", {"role": "admin", "email": "a@b.org"}),
        ("POST", "/api/v1/programs/{program_id}/enrollments", {"learning_method": "osmosis"}),
        (
            "POST",
            "/api/v1/ptsb/notices/{notice_id}/acknowledge",
            {"license_number": "1", "certificate_reference": "C", "date": "01/03/2026"},
        ),
    ],
)
def test_documented_schema_refuses_values_outside_the_spec(document, method, path, body):
    schema = request_schema(document, method, path)
    checker = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert list(checker.iter_errors(body)), body


# --- a real workflow against the document and SPEC §5 answers --------------------------------


@dataclass
class Run:
    """Every answer of one scripted workflow, and each (rule, method, status) the app gave."""

    answers: dict[str, Any] = field(default_factory=dict)
    seen: set[tuple[str, str, int]] = field(default_factory=set)


@pytest.fixture
def recorder(app: Flask) -> Run:
    run = Run()

    @app.after_request
    def record(response: Any) -> Any:
        if request.url_rule is not None and request.path.startswith("/api/v1/"):
            run.seen.add((request.url_rule.rule, request.method, response.status_code))
        return response

    return run


@pytest.fixture
def run(recorder: Run, api: Api) -> Run:
    """Issuer, programs, stack, earner, enrolment, three reviews, completion, notice, revoke."""
    a = recorder.answers
    a["issuer"] = api.ok(
        "POST",
        "/issuers",
        api.ptsb,
        {"name": "Metro", "url": "https://metro.example.org", "email": "pd@metro.example.org"},
    )
    issuer_id = a["issuer"]["id"]
    admin = api.account("issuer_admin", issuer_id)
    a["program"] = api.program(admin, issuer_id, image=IMAGE)
    program_id = a["program"]["id"]
    a["submitted"] = api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
    a["approved"] = api.ok(
        "POST", f"/programs/{program_id}/approve", api.ptsb, {"comment": "Meets"}, status=200
    )
    a["get_program"] = api.ok("GET", f"/programs/{program_id}", admin)
    a["edited"] = api.ok("PATCH", f"/programs/{program_id}", admin, {"name": "Formative II"})
    second = api.approved_program(admin, issuer_id, name="Questioning")
    a["stack"] = api.ok(
        "POST",
        "/stacks",
        admin,
        {
            "issuer_id": issuer_id,
            "name": "Assessment Stack",
            "description": "One of two.",
            "programs": [program_id, second],
            "required": 1,
        },
    )
    email = f"ada-{uuid.uuid4().hex[:6]}@school.example.org"
    a["earner"] = api.ok("POST", "/earners", admin, {"name": "Ada", "email": email})
    a["earner_again"] = api.ok(
        "POST", "/earners", admin, {"name": "Ada", "email": email.upper()}, status=200
    )
    earner_id = a["earner"]["id"]
    a["enrollment"] = api.ok(
        "POST",
        f"/programs/{program_id}/enrollments",
        admin,
        {"earner_id": earner_id, "learning_method": "online"},
    )
    enrollment_id = a["enrollment"]["id"]
    a["submission"] = api.ok(
        "POST",
        f"/enrollments/{enrollment_id}/submissions",
        admin,
        {"narrative": "My lesson analysis.", "evidence_urls": ["https://evidence.example.org/1"]},
    )
    reviewers = api.reviewers(issuer_id, admin)
    a["reviews"] = api.score(reviewers, a["submission"]["id"], [3, 4, 2])
    a["get_enrollment"] = api.ok("GET", f"/enrollments/{enrollment_id}", admin)
    key = uuid.uuid4().hex
    a["award"] = api.complete(admin, enrollment_id, key=key)
    a["award_replay"] = api.complete(admin, enrollment_id, key=key, status=200)
    a["award_other_key"] = api.call(
        "POST", f"/enrollments/{enrollment_id}/complete", admin, headers={"Idempotency-Key": "b"}
    ).get_json()
    a["get_award"] = api.ok("GET", f"/awards/{a['award']['id']}", admin)
    a["portfolio"] = api.ok("GET", f"/earners/{earner_id}/awards", admin)
    a["notices"] = api.ok("GET", "/ptsb/notices?status=pending", api.ptsb)
    notice_id = next(n["id"] for n in a["notices"]["items"] if n["award_id"] == a["award"]["id"])
    a["acknowledged"] = api.ok(
        "POST",
        f"/ptsb/notices/{notice_id}/acknowledge",
        api.ptsb,
        {"license_number": "TN-123456", "certificate_reference": "CERT-1", "date": "2026-03-01"},
        status=200,
    )
    a["acknowledged_notices"] = api.ok("GET", "/ptsb/notices?status=acknowledged", api.ptsb)
    a["portfolio_acknowledged"] = api.ok("GET", f"/earners/{earner_id}/awards", admin)
    a["revoked"] = api.ok(
        "POST",
        f"/awards/{a['award']['id']}/revoke",
        admin,
        {"reason": "Issued in error"},
        status=200,
    )
    a["portfolio_revoked"] = api.ok("GET", f"/earners/{earner_id}/awards", admin)
    return recorder


def test_every_status_the_workflow_answered_is_documented(run, document):
    assert len(run.seen) > 15
    undocumented = []
    for rule, method, status in sorted(run.seen):
        responses = operation(document, method, openapi_path(rule))["responses"]
        if str(status) not in responses:
            undocumented.append(f"{method} {rule} -> {status}")
    assert undocumented == []


def test_issuer_answer_has_an_id(run):
    issuer = run.answers["issuer"]
    assert isinstance(issuer["id"], int)
    assert issuer["name"] == "Metro"


def test_program_create_answers_id_version_1_and_draft(run):
    program = run.answers["program"]
    assert isinstance(program["id"], int)
    assert (program["version"], program["status"]) == (1, "draft")


@pytest.mark.parametrize(
    ("answer", "version", "status"),
    [("submitted", 1, "submitted"), ("approved", 1, "approved"), ("get_program", 1, "approved")],
)
def test_program_decisions_answer_the_program(run, answer, version, status):
    program = run.answers[answer]
    assert program["id"] == run.answers["program"]["id"]
    assert (program["version"], program["status"]) == (version, status)


def test_editing_an_approved_program_answers_the_next_version_as_a_draft(run):
    edited = run.answers["edited"]
    assert (edited["version"], edited["status"]) == (2, "draft")
    assert edited["approved_version"] == 1


def test_stack_answer_has_an_id(run):
    assert isinstance(run.answers["stack"]["id"], int)


def test_registering_a_known_email_answers_the_same_earner(run):
    assert isinstance(run.answers["earner"]["id"], int)
    assert run.answers["earner_again"]["id"] == run.answers["earner"]["id"]


def test_enrollment_answers_id_and_status(run):
    enrollment = run.answers["enrollment"]
    assert isinstance(enrollment["id"], int)
    assert enrollment["status"] == "enrolled"
    assert run.answers["get_enrollment"]["status"] == "passed"


def test_submission_answers_id_and_attempt(run):
    submission = run.answers["submission"]
    assert isinstance(submission["id"], int)
    assert submission["attempt"] == 1


def test_reviews_answer_the_review_and_the_third_decides(run):
    reviews = run.answers["reviews"]
    assert [r["score"] for r in reviews] == [3, 4, 2]
    assert [r["feedback"] for r in reviews] == ["scored 3", "scored 4", "scored 2"]
    assert [r["enrollment_status"] for r in reviews] == ["in_review", "in_review", "passed"]


def _assert_award_urls(award: dict[str, Any]) -> None:
    assert set(award["ob2"]) == {"assertion", "jws", "png", "svg"}
    assert set(award["ob3"]) == {"credential", "jwt", "png", "svg"}
    artifacts = [*award["ob2"].values(), *award["ob3"].values(), award["certificate_pdf"]]
    for url in [*artifacts, award["verify_url"]]:
        assert isinstance(url, str) and url.startswith(f"{BASE_URL}/"), url
    # verify_url may be the assertion URL itself (a browser gets the page), but no two
    # artifacts share a URL.
    assert len(set(artifacts)) == len(artifacts), artifacts


@pytest.mark.parametrize("answer", ["award", "award_replay", "get_award"])
def test_award_answer_carries_its_artifact_urls(run, answer):
    award = run.answers[answer]
    assert {"id", "status", "ob2", "ob3", "verify_url", "certificate_pdf"} <= set(award)
    assert award["id"] == run.answers["award"]["id"]
    assert award["status"] == "active"
    _assert_award_urls(award)


def test_completion_with_another_key_answers_already_completed(run):
    assert run.answers["award_other_key"]["error"] == "already_completed"


def test_revoke_answers_the_award_revoked(run):
    revoked = run.answers["revoked"]
    assert revoked["id"] == run.answers["award"]["id"]
    assert revoked["status"] == "revoked"
    _assert_award_urls(revoked)


def test_portfolio_lists_awards_credit_hours_and_stacks(run):
    portfolio = run.answers["portfolio"]
    assert {"awards", "credit_hours_total", "stacks"} <= set(portfolio)
    kinds = {a["kind"]: a for a in portfolio["awards"]}
    assert set(kinds) == {"program", "stack"}
    for award in portfolio["awards"]:
        assert {"id", "status", "name", "kind", "credit_hours", "issued_on"} <= set(award)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", award["issued_on"])
        _assert_award_urls(award)
    assert kinds["program"]["credit_hours"] == 0.5
    assert kinds["stack"]["credit_hours"] == 0
    assert portfolio["credit_hours_total"] == 0.5


def test_portfolio_shows_stack_progress(run):
    stacks = run.answers["portfolio"]["stacks"]
    assert stacks == [
        {
            "id": run.answers["stack"]["id"],
            "name": "Assessment Stack",
            "earned": True,
            "programs_earned": 1,
            "programs_required": 1,
        }
    ]


def test_portfolio_shows_the_license_record_once_acknowledged(run):
    before = next(a for a in run.answers["portfolio"]["awards"] if a["kind"] == "program")
    after = next(
        a for a in run.answers["portfolio_acknowledged"]["awards"] if a["kind"] == "program"
    )
    assert "TN-123456" not in json.dumps(before)
    assert "TN-123456" in json.dumps(after) and "CERT-1" in json.dumps(after)


def test_revoked_award_leaves_the_credit_hours_total(run):
    assert run.answers["portfolio_revoked"]["credit_hours_total"] == 0


NOTICE_FIELDS = {
    "id",
    "award_id",
    "earner_id",
    "program_id",
    "credit_hours",
    "status",
    "created_at",
}


def test_notice_items_carry_the_spec_fields(run):
    items = run.answers["notices"]["items"]
    awards = {a["id"]: a for a in run.answers["portfolio"]["awards"]}
    assert {n["award_id"] for n in items} == set(awards)  # the stack credential has one too
    for notice in items:
        assert set(notice) >= NOTICE_FIELDS, notice
        assert notice["status"] == "pending"
        assert notice["earner_id"] == run.answers["earner"]["id"]
        assert notice["credit_hours"] == awards[notice["award_id"]]["credit_hours"]


def test_acknowledge_answers_the_notice_with_the_license_record(run):
    notice = run.answers["acknowledged"]
    assert set(notice) >= NOTICE_FIELDS
    assert notice["status"] == "acknowledged"
    assert notice["license_number"] == "TN-123456"
    assert notice["certificate_reference"] == "CERT-1"
    assert notice["acknowledged_on"] == "2026-03-01"
    assert [n["id"] for n in run.answers["acknowledged_notices"]["items"]] == [notice["id"]]
