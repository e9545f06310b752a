"""SPEC §5 "Errors" and "Limits": every refusal is a JSON ``{"error", "message"}`` with a fitting
4xx and a stable code, never a 500 or a traceback, and a refused request changes no row."""

from __future__ import annotations

import io
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from issuer.db import Base
from tests.conftest import Api, postgres_url

MIB = 1024 * 1024
STABLE_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
ON_POSTGRES = postgres_url() is not None
INT32_OVERFLOW = 2**31
INT64_OVERFLOW = 2**63


# --- helpers ---------------------------------------------------------------------------------


def row_counts(app: Flask) -> dict[str, int]:
    """Rows per table, read through the app's own session."""
    session = app.extensions["issuer.services"].db.session()
    try:
        return {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }
    finally:
        session.close()


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """A JSON error body with a stable code, the expected status and no traceback."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, text[:500])
    assert response.mimetype == "application/json", response.mimetype
    body = json.loads(text)
    assert isinstance(body, dict), body
    assert STABLE_CODE.match(body.get("error", "")), body
    assert isinstance(body.get("message"), str) and body["message"], body
    assert "Traceback" not in text and 'File "' not in text, text
    if code is not None:
        assert body["error"] == code, body
    return body


def field_path(path: str) -> str:
    """``alignments[0].target_name`` and ``alignments.0.target_name`` name the same field."""
    return re.sub(r"\[(\d+)\]", r".\1", path)


def named_fields(body: dict[str, Any]) -> set[str]:
    assert isinstance(body.get("fields"), dict) and body["fields"], body
    return {field_path(name) for name in body["fields"]}


@dataclass
class World:
    """One issuer with something in every state, so every endpoint has a real target."""

    api: Api
    app: Flask
    tokens: dict[str, str | None]
    ids: dict[str, Any]

    def path(self, template: str) -> str:
        return template.format(**self.ids)

    def send(self, method: str, template: str, who: str, **kw: Any) -> Any:
        """Send a request that must be refused; assert it changed no row."""
        before = row_counts(self.app)
        response = self.api.call(method, self.path(template), self.tokens[who], **kw)
        assert row_counts(self.app) == before, f"{method} {template} changed the database"
        return response


@pytest.fixture
def bare(api: Api, app: Flask) -> World:
    """Only the board's own account: enough where no target row is needed."""
    return World(api=api, app=app, tokens={"ptsb": api.ptsb, "none": None}, ids={})


@pytest.fixture
def world(api: Api, app: Flask, district: tuple[int, str]) -> World:
    issuer_id, admin = district
    program = api.approved_program(admin, issuer_id)
    draft = api.program(admin, issuer_id, name="Draft program")["id"]
    submitted = api.program(admin, issuer_id, name="Submitted program")["id"]
    api.ok("POST", f"/programs/{submitted}/submit", admin, status=200)
    reviewers = api.reviewers(issuer_id, admin)
    completed, earner = api.passed_enrollment(admin, issuer_id, program)
    award = api.complete(admin, completed)["id"]
    notice = api.ok("GET", "/ptsb/notices", api.ptsb)["items"][0]["id"]
    enrollment = api.enrol(admin, program, api.earner(admin))
    submission = api.submit(admin, enrollment)
    return World(
        api=api,
        app=app,
        tokens={"ptsb": api.ptsb, "admin": admin, "reviewer": reviewers[0], "none": None},
        ids={
            "issuer": issuer_id,
            "program": program,
            "draft": draft,
            "submitted": submitted,
            "earner": earner,
            "completed": completed,
            "award": award,
            "notice": notice,
            "enrollment": enrollment,
            "submission": submission,
        },
    )


PROGRAM_BODY = {
    "name": "Questioning Strategies",
    "description": "Plans questions that deepen thinking.",
    "criteria": "Submit a lesson plan and a reflection.",
    "competencies": ["Plans higher-order questions", "Uses wait time"],
    "estimated_hours": 8,
    "learning_methods": ["online"],
}

# Every JSON-body operation: (method, path template, who may call it, a body of the right
# shape; tests fill in real ids where the body must pass).
BODY_ENDPOINTS = {
    "accounts": ("POST", "/accounts", "ptsb", {"role": "earner", "email": "e@example.org"}),
    "issuers": (
        "POST",
        "/issuers",
        "ptsb",
        {"name": "N", "url": "https://n.org", "email": "a@n.org"},
    ),
    "issuer_update": ("PATCH", "/issuers/{issuer}", "admin", {"name": "Renamed"}),
    "programs": ("POST", "/programs", "admin", {"issuer_id": 0, **PROGRAM_BODY}),
    "program_update": ("PATCH", "/programs/{draft}", "admin", {"name": "Renamed"}),
    "approve": ("POST", "/programs/{submitted}/approve", "ptsb", {"comment": "ok"}),
    "reject": ("POST", "/programs/{submitted}/reject", "ptsb", {"comment": "no"}),
    "stacks": (
        "POST",
        "/stacks",
        "admin",
        {"issuer_id": 0, "name": "S", "description": "D", "programs": [0]},
    ),
    "earners": ("POST", "/earners", "admin", {"name": "Grace", "email": "grace@school.org"}),
    "prior_training": ("POST", "/earners/{earner}/prior-training", "admin", {"description": "CDD"}),
    "enrollments": (
        "POST",
        "/programs/{program}/enrollments",
        "admin",
        {"earner_id": 0, "learning_method": "online"},
    ),
    "enrollment_update": (
        "PATCH",
        "/enrollments/{enrollment}",
        "admin",
        {"learning_method": "online"},
    ),
    "submissions": ("POST", "/enrollments/{enrollment}/submissions", "admin", {"narrative": "N"}),
    "reviews": (
        "POST",
        "/submissions/{submission}/reviews",
        "reviewer",
        {"score": 3, "feedback": "F"},
    ),
    "revoke": ("POST", "/awards/{award}/revoke", "admin", {"reason": "Error"}),
    "acknowledge": (
        "POST",
        "/ptsb/notices/{notice}/acknowledge",
        "ptsb",
        {"license_number": "TN-1", "certificate_reference": "C-1"},
    ),
}


def endpoint(name: str) -> tuple[str, str, str]:
    method, path, who, _ = BODY_ENDPOINTS[name]
    return method, path, who


def program_body(world: World, **changes: Any) -> dict[str, Any]:
    return {"issuer_id": world.ids["issuer"], **PROGRAM_BODY, **changes}


def raw_json(data: bytes | str) -> dict[str, Any]:
    return {"data": data, "content_type": "application/json"}


# --- routing: 404, 405 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/no-such-thing",
        "/api/v1/programs/not-a-number",
        "/api/v1/awards/not-a-uuid",
        "/api/v2/programs",
        "/api/",
    ],
)
@pytest.mark.parametrize("accept", ["text/html,application/xhtml+xml", "application/json"])
def test_unknown_api_route_answers_json_404_even_to_a_browser(client, app, path, accept):
    before = row_counts(app)
    response = client.get(path, headers={"Accept": accept})
    assert_error(response, 404, "not_found")
    assert row_counts(app) == before


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/programs", {"GET", "POST"}),
        ("PUT", "/api/v1/issuers/1", {"GET", "PATCH"}),
        ("GET", "/api/v1/programs/1/submit", {"POST"}),
        ("DELETE", "/api/v1/awards/00000000-0000-0000-0000-000000000000", {"GET"}),
        ("POST", "/api/openapi.json", {"GET"}),
    ],
)
def test_wrong_method_answers_json_405_with_allow_header(client, app, method, path, allowed):
    before = row_counts(app)
    response = client.open(path, method=method)
    assert_error(response, 405, "method_not_allowed")
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert row_counts(app) == before


# --- authentication: 401 ---------------------------------------------------------------------

AUTHENTICATED_CALLS = [
    ("GET", "/me", None),
    ("GET", "/programs", None),
    ("GET", "/ptsb/notices", None),
    ("GET", "/awards/{award}", None),
    ("GET", "/enrollments/{enrollment}", None),
    ("POST", "/issuers", BODY_ENDPOINTS["issuers"][3]),
    ("POST", "/submissions/{submission}/reviews", BODY_ENDPOINTS["reviews"][3]),
    ("POST", "/awards/{award}/revoke", BODY_ENDPOINTS["revoke"][3]),
]


@pytest.mark.parametrize(("method", "path", "body"), AUTHENTICATED_CALLS)
def test_missing_token_answers_401_with_www_authenticate(world, method, path, body):
    response = world.send(method, path, "none", body=body)
    assert_error(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer not-a-real-token", id="unknown-token"),
        pytest.param("Bearer " + "x" * 5000, id="huge-token"),
        pytest.param("Bearer ", id="empty-token"),
        pytest.param("Basic dXNlcjpwYXNzd29yZA==", id="basic-scheme"),
        pytest.param("Token {ptsb}", id="valid-token-wrong-scheme"),
        pytest.param("{ptsb}", id="valid-token-no-scheme"),
        pytest.param("Bearer {ptsb}x", id="valid-token-plus-one-char"),
    ],
)
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/me", None),
        ("GET", "/ptsb/notices", None),
        ("POST", "/issuers", BODY_ENDPOINTS["issuers"][3]),
    ],
)
def test_invalid_token_answers_401(bare, authorization, method, path, body):
    headers = {"Authorization": authorization.format(ptsb=bare.tokens["ptsb"])}
    response = bare.send(method, path, "none", body=body, headers=headers)
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


ANONYMOUS_BAD_BODIES = [
    pytest.param(raw_json("{"), id="malformed-json"),
    pytest.param({"data": "hello", "content_type": "text/plain"}, id="text-plain"),
    pytest.param({"json": {}}, id="missing-fields"),
    pytest.param({"json": {"name": "\x00"}}, id="control-character"),
]


@pytest.mark.parametrize("kw", ANONYMOUS_BAD_BODIES)
def test_missing_token_answers_401_whatever_the_body(world, kw):
    response = world.send("POST", "/issuers", "none", **kw)
    assert_error(response, 401)


# --- limits: 413 -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BODY_ENDPOINTS))
def test_json_body_over_1_mib_answers_413(world, name):
    method, path, who = endpoint(name)
    body = json.dumps({"padding": "x" * MIB}).encode()
    assert len(body) > MIB
    assert_error(world.send(method, path, who, **raw_json(body)), 413, "payload_too_large")


def test_chunked_json_body_over_1_mib_answers_413(world):
    body = json.dumps(program_body(world, description="x" * (2 * MIB))).encode()
    response = world.send(
        "POST",
        "/programs",
        "admin",
        input_stream=io.BytesIO(body),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_error(response, 413, "payload_too_large")


def test_json_body_of_exactly_1_mib_is_not_refused_as_too_large(world):
    body = program_body(world, description="")
    padding = MIB - len(json.dumps(body).encode())
    raw = json.dumps(program_body(world, description="x" * padding)).encode()
    assert len(raw) == MIB
    body = assert_error(world.send("POST", "/programs", "admin", **raw_json(raw)), 422)
    assert "description" in named_fields(body)


def _multipart(size: int) -> dict[str, Any]:
    """Built by hand: Werkzeug spools a large form to a temporary file it never closes."""
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="badge.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    data = head + b"\x89PNG" + b"\x00" * size + f"\r\n--{boundary}--\r\n".encode()
    return {"data": data, "content_type": f"multipart/form-data; boundary={boundary}"}


UPLOADS = {
    "multipart": lambda: _multipart(10 * MIB + 1),
    "octet-stream": lambda: {
        "data": b"\x00" * (10 * MIB + 1),
        "content_type": "application/octet-stream",
    },
    "image-png": lambda: {"data": b"\x89PNG" + b"\x00" * (10 * MIB), "content_type": "image/png"},
}


# A multipart submission carries evidence files up to its own limit (the next test and
# tests/api/test_evidence_files.py); every other combination is over the 10 MiB upload limit.
OVER_10_MIB = [
    (name, upload)
    for name in ("programs", "issuer_update", "submissions", "acknowledge")
    for upload in sorted(UPLOADS)
    if (name, upload) != ("submissions", "multipart")
]


@pytest.mark.parametrize(("name", "upload"), OVER_10_MIB)
def test_upload_over_10_mib_answers_413(world, name, upload):
    method, path, who = endpoint(name)
    assert_error(world.send(method, path, who, **UPLOADS[upload]()), 413, "payload_too_large")


def test_multipart_submission_over_10_mib_is_admitted_up_to_its_own_limit(world):
    """Evidence files may reach UPLOAD_MAX_SUBMISSION_BYTES (100 MiB): an 11 MiB form is read
    (and refused here only for its missing narrative)."""
    method, path, who = endpoint("submissions")
    assert_error(world.send(method, path, who, **_multipart(11 * MIB)), 422, "invalid_fields")


@pytest.mark.parametrize("upload", sorted(UPLOADS))
def test_verify_upload_over_10_mib_answers_413(world, upload):
    assert_error(
        world.send("POST", "/verify", "none", **UPLOADS[upload]()), 413, "payload_too_large"
    )


# --- media type: 415 -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BODY_ENDPOINTS))
def test_text_plain_body_answers_415(world, name):
    method, path, who, body = BODY_ENDPOINTS[name]
    kw = {"data": json.dumps(body), "content_type": "text/plain"}
    assert_error(world.send(method, path, who, **kw), 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "kw",
    [
        pytest.param({"data": {"name": "x"}}, id="form-urlencoded"),
        pytest.param({"data": {"file": (io.BytesIO(b"{}"), "a.json")}}, id="multipart"),
        pytest.param({"data": "<program/>", "content_type": "application/xml"}, id="xml"),
        pytest.param({"data": "{}", "content_type": "text/json"}, id="text-json"),
        pytest.param({"data": "{}"}, id="no-content-type"),
    ],
)
def test_non_json_media_type_answers_415(world, kw):
    assert_error(world.send("POST", "/programs", "admin", **kw), 415, "unsupported_media_type")


# --- syntax: 400 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"{", id="unclosed"),
        pytest.param(b'{"name": }', id="missing-value"),
        pytest.param(b"{'name': 'x'}", id="single-quotes"),
        pytest.param(b'{"name": "x"} trailing', id="trailing-garbage"),
        pytest.param(b'{"name": "x",}', id="trailing-comma"),
        pytest.param(b'\xff\xfe{"name": "x"}', id="invalid-utf8"),
        pytest.param(b'{"name": "a\x00b"}', id="raw-control-in-string"),
    ],
)
def test_malformed_json_answers_400_malformed_json(world, raw):
    assert_error(world.send("POST", "/programs", "admin", **raw_json(raw)), 400, "malformed_json")


@pytest.mark.parametrize("name", sorted(BODY_ENDPOINTS))
def test_every_json_endpoint_answers_malformed_json_with_400(world, name):
    method, path, who = endpoint(name)
    assert_error(world.send(method, path, who, **raw_json(b'{"a": ')), 400, "malformed_json")


def test_deeply_nested_json_answers_4xx(world):
    raw = b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = world.send("POST", "/earners", "admin", **raw_json(raw))
    assert_error(response, 400, "malformed_json")


@pytest.mark.parametrize(
    "literal",
    [
        pytest.param("NaN"),
        pytest.param("Infinity"),
        pytest.param("-Infinity"),
    ],
)
@pytest.mark.parametrize("field", ["estimated_hours", "credit_hours"])
def test_non_finite_number_is_refused(world, field, literal):
    raw = json.dumps(program_body(world, **{field: 1})).replace(
        f'"{field}": 1', f'"{field}": {literal}'
    )
    assert literal in raw
    response = world.send("POST", "/programs", "admin", **raw_json(raw))
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert_error(response, response.status_code)


# --- shape and fields: 422 -------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["[]", '["name"]', '"program"', "42", "null", "true"])
def test_body_that_is_not_an_object_answers_422(world, raw):
    body = assert_error(world.send("POST", "/programs", "admin", **raw_json(raw)), 422)
    assert named_fields(body) == {"(body)"}


def test_empty_json_body_answers_422_naming_the_body(world):
    body = assert_error(world.send("POST", "/earners", "admin", **raw_json(b"")), 422)
    assert named_fields(body) == {"(body)"}


@pytest.mark.parametrize(
    ("name", "body", "missing"),
    [
        (
            "programs",
            {},
            {
                "issuer_id",
                "name",
                "description",
                "criteria",
                "competencies",
                "estimated_hours",
                "learning_methods",
            },
        ),
        ("programs", {"competencies": ["x"], "name": "N"}, {"issuer_id", "description"}),
        ("issuers", {}, {"name", "url", "email"}),
        ("accounts", {"email": "a@b.org"}, {"role"}),
        ("earners", {"name": "N"}, {"email"}),
        ("stacks", {"name": "S"}, {"issuer_id", "description", "programs"}),
        ("enrollments", {"earner_id": 1}, {"learning_method"}),
        ("submissions", {"evidence_urls": []}, {"narrative"}),
        ("reviews", {}, {"score", "feedback"}),
        ("revoke", {}, {"reason"}),
        ("acknowledge", {"date": "2026-01-01"}, {"license_number", "certificate_reference"}),
    ],
)
def test_missing_required_fields_answer_422_naming_them(world, name, body, missing):
    method, path, who = endpoint(name)
    error = assert_error(world.send(method, path, who, body=body), 422, "invalid_fields")
    assert missing <= named_fields(error), error


def test_missing_nested_fields_answer_422_with_their_paths(world):
    body = program_body(world, alignments=[{"target_name": "InTASC 6"}, {}])
    error = assert_error(world.send("POST", "/programs", "admin", body=body), 422, "invalid_fields")
    assert named_fields(error) == {
        "alignments.0.target_url",
        "alignments.1.target_name",
        "alignments.1.target_url",
    }


@pytest.mark.parametrize(
    ("name", "extra", "path"),
    [
        ("programs", {"colour": "blue"}, "colour"),
        ("programs", {"status": "approved"}, "status"),
        (
            "programs",
            {"alignments": [{"target_name": "T", "target_url": "https://t.org", "x": 1}]},
            "alignments.0.x",
        ),
        ("issuers", {"is_board": True}, "is_board"),
        ("accounts", {"token": "chosen-by-me"}, "token"),
        ("earners", {"id": 1}, "id"),
        ("reviews", {"reviewer_id": 1}, "reviewer_id"),
        ("revoke", {"status": "active"}, "status"),
        ("approve", {"version": 2}, "version"),
    ],
)
def test_unknown_field_answers_422_naming_it(world, name, extra, path):
    method, route, who, body = BODY_ENDPOINTS[name]
    body = {**body, **extra}
    if name == "programs":
        body["issuer_id"] = world.ids["issuer"]
    error = assert_error(world.send(method, route, who, body=body), 422, "invalid_fields")
    assert path in named_fields(error), error


@pytest.mark.parametrize(
    "char",
    ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x9f"],
    ids=lambda c: f"U+{ord(c):04X}",
)
def test_control_character_answers_422_control_characters(world, char):
    body = program_body(world, name=f"Formative{char}Assessment")
    error = assert_error(
        world.send("POST", "/programs", "admin", body=body), 422, "control_characters"
    )
    assert named_fields(error) == {"name"}


@pytest.mark.parametrize(
    ("name", "changes", "path"),
    [
        ("programs", {"description": "a\x00b"}, "description"),
        ("programs", {"competencies": ["fine", "bad\x00"]}, "competencies.1"),
        (
            "programs",
            {
                "alignments": [
                    {"target_name": "ok", "target_url": "https://t.org"},
                    {"target_name": "ok", "target_url": "https://t.org", "framework": "\x00"},
                ]
            },
            "alignments.1.framework",
        ),
        ("program_update", {"criteria": "\x00"}, "criteria"),
        ("issuers", {"description": "\x00"}, "description"),
        ("earners", {"name": "Ada\x00"}, "name"),
        ("accounts", {"email": "a\x00@b.org"}, "email"),
        ("submissions", {"narrative": "x\x00"}, "narrative"),
        ("submissions", {"evidence_urls": ["https://e.org/\x00"]}, "evidence_urls.0"),
        ("reviews", {"feedback": "\x00"}, "feedback"),
        ("revoke", {"reason": "\x00"}, "reason"),
        ("reject", {"comment": "\x00"}, "comment"),
        ("acknowledge", {"certificate_reference": "C\x00"}, "certificate_reference"),
        ("prior_training", {"description": "\x00"}, "description"),
    ],
)
def test_control_character_in_any_field_answers_422_naming_its_path(world, name, changes, path):
    method, route, who, body = BODY_ENDPOINTS[name]
    body = {**body, **changes}
    if name == "programs":
        body["issuer_id"] = world.ids["issuer"]
    error = assert_error(world.send(method, route, who, body=body), 422, "control_characters")
    assert named_fields(error) == {path}, error


def test_control_character_in_a_key_answers_422(world):
    raw = json.dumps({"name": "Ada", "email": "ada@school.org", "x\x00": 1})
    assert_error(
        world.send("POST", "/earners", "admin", **raw_json(raw)), 422, "control_characters"
    )


def test_tab_newline_and_carriage_return_are_accepted(world):
    api, admin = world.api, world.tokens["admin"]
    enrollment = api.enrol(admin, world.ids["program"], api.earner(admin))
    body = {"narrative": "Line one\r\n\tLine two\n"}
    created = api.ok("POST", f"/enrollments/{enrollment}/submissions", admin, body)
    assert created["narrative"] == body["narrative"]


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff"])
def test_lone_surrogate_answers_422(world, escape):
    raw = json.dumps(program_body(world, name="NAME")).replace("NAME", f"Bad{escape}")
    assert escape in raw
    assert_error(world.send("POST", "/programs", "admin", **raw_json(raw)), 422)


# --- ids out of the database's range ---------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(v, id=label)
        for label, v in [("int32+1", INT32_OVERFLOW), ("int64+1", INT64_OVERFLOW), ("1e30", 10**30)]
    ],
)
@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("GET", "/programs/{}"),
        ("GET", "/enrollments/{}"),
        ("GET", "/earners/{}/awards"),
        ("POST", "/programs/{}/submit"),
    ],
)
def test_out_of_range_id_in_path_answers_404(world, method, template, value):
    response = world.send(method, template.format(value), "admin")
    assert_error(response, 404)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(
            INT32_OVERFLOW,
            id="int32+1",
        ),
        pytest.param(
            INT64_OVERFLOW,
            id="int64+1",
        ),
    ],
)
@pytest.mark.parametrize(
    ("name", "field", "changes"),
    [
        ("accounts", "issuer_id", lambda v: {"role": "reviewer", "issuer_id": v}),
        ("enrollments", "earner_id", lambda v: {"earner_id": v}),
        ("stacks", "programs", lambda v: {"programs": [v]}),
        ("programs", "prerequisites", lambda v: {"prerequisites": [v]}),
    ],
)
def test_out_of_range_id_in_body_answers_404_or_422(world, name, field, changes, value):
    method, route, who, body = BODY_ENDPOINTS[name]
    body = {**body, **changes(value)}
    if "issuer_id" in body and name != "accounts":
        body["issuer_id"] = world.ids["issuer"]
    response = world.send(method, route, who, body=body)
    assert response.status_code in (404, 422), response.get_data(as_text=True)
    assert_error(response, response.status_code)


# --- headers and query parameters ------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        pytest.param({}, "idempotency_key_required", id="missing"),
        pytest.param({"Idempotency-Key": "k" * 256}, None, id="too-long"),
    ],
)
def test_bad_idempotency_key_answers_422_naming_the_header(world, headers, code):
    response = world.send("POST", "/enrollments/{completed}/complete", "admin", headers=headers)
    body = assert_error(response, 422, code)
    assert named_fields(body) == {"Idempotency-Key"}


def test_unknown_notice_status_filter_answers_422_naming_it(world):
    body = assert_error(world.send("GET", "/ptsb/notices?status=lost", "ptsb"), 422)
    assert named_fields(body) == {"status"}


# --- the generic 500 -------------------------------------------------------------------------


def test_unexpected_exception_answers_generic_json_500_without_details(app, client):
    secret = uuid.uuid4().hex

    def explode() -> str:
        raise RuntimeError(f"internal detail {secret}")

    app.add_url_rule("/api/v1/test-explode", "test_explode", explode)
    response = client.get("/api/v1/test-explode")
    assert_error(response, 500, "internal_error")
    text = response.get_data(as_text=True)
    assert secret not in text and "RuntimeError" not in text
