"""Evidence files on POST /api/v1/enrollments/{id}/submissions (multipart) and their download
(SPEC §8): limits answer 413, a wrong type by content 422, and in both cases nothing is stored;
files are read only by the earner and the issuer's reviewers and admins, as attachments."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from issuer.models import EvidenceFile, Submission
from tests.web.conftest import set_password, sign_in

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "evidence"
PDF = (FIXTURES / "lesson.pdf").read_bytes()
PNG = (FIXTURES / "pixel.png").read_bytes()
LIMITS = {
    "upload_max_file_bytes": 1000,
    "upload_max_submission_bytes": 1500,
    "upload_max_files": 4,
    "max_upload_bytes": 1024,  # other uploads: the request limit is then the submission's
}


@pytest.fixture
def settings(settings):
    """Small limits, so the tests send kilobytes rather than the default 25 MiB."""
    return settings.with_changes(**LIMITS)


@pytest.fixture
def world(api, district):
    """An earner (with a token) enrolled in an approved program of the district."""
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    email = "grace@school.example.org"
    earner_id = api.earner(admin, email=email)
    enrollment_id = api.enrol(admin, program_id, earner_id)
    earner = api.account("earner", email=email)
    return {"issuer": issuer_id, "admin": admin, "earner": earner, "enrollment": enrollment_id}


def post_files(api, token, enrollment_id, files, narrative="My lesson analysis.", **fields):
    data = {"narrative": narrative, "files": [(io.BytesIO(b), name) for name, b in files], **fields}
    return api.call(
        "POST",
        f"/enrollments/{enrollment_id}/submissions",
        token,
        data=data,
        content_type="multipart/form-data",
    )


def submitted(api, world, files=(("lesson.pdf", PDF), ("photo.png", PNG))):
    response = post_files(api, world["earner"], world["enrollment"], list(files))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored(app):
    """(submission rows, evidence rows, files under UPLOADS_DIR)."""
    svc = app.extensions["issuer.services"]
    with svc.db.session() as session:
        subs = session.scalar(select(func.count()).select_from(Submission))
        rows = session.scalar(select(func.count()).select_from(EvidenceFile))
    root = svc.settings.uploads_dir
    on_disk = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return subs, rows, len(on_disk)


def download(api, token, file_id):
    """The answer, read to the end and closed (which closes the file it streamed)."""
    response = api.call("GET", f"/evidence/{file_id}", token)
    response.get_data()
    response.close()
    return response


def test_multipart_submission_lists_its_files_with_detected_types_and_sha256(api, world):
    answer = submitted(api, world)
    files = {f["filename"]: f for f in answer["files"]}
    assert files["lesson.pdf"]["media_type"] == "application/pdf"
    assert files["photo.png"]["media_type"] == "image/png"
    assert files["lesson.pdf"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert files["lesson.pdf"]["size"] == len(PDF)
    assert files["lesson.pdf"]["url"].endswith(f"/api/v1/evidence/{files['lesson.pdf']['id']}")


def test_multipart_submission_keeps_narrative_and_repeated_links(api, world):
    response = post_files(
        api,
        world["earner"],
        world["enrollment"],
        [("lesson.pdf", PDF)],
        evidence_urls=["https://evidence.example.org/1", "https://evidence.example.org/2"],
    )
    answer = response.get_json()
    assert answer["narrative"] == "My lesson analysis."
    assert answer["evidence_urls"] == [
        "https://evidence.example.org/1",
        "https://evidence.example.org/2",
    ]


def test_multipart_links_may_be_one_json_array(api, world):
    links = ["https://evidence.example.org/a"]
    response = post_files(
        api, world["earner"], world["enrollment"], [], evidence_urls=json.dumps(links)
    )
    assert response.status_code == 201
    assert response.get_json()["evidence_urls"] == links


def test_multipart_submission_without_a_narrative_is_refused(api, app, world):
    response = post_files(api, world["earner"], world["enrollment"], [("a.pdf", PDF)], narrative="")
    assert (response.status_code, response.get_json()["error"]) == (422, "invalid_fields")
    assert stored(app) == (0, 0, 0)


def test_stored_bytes_match_the_recorded_sha256(api, world):
    pdf = submitted(api, world)["files"][0]
    body = download(api, world["earner"], pdf["id"]).data
    assert body == PDF
    assert hashlib.sha256(body).hexdigest() == pdf["sha256"]


def test_file_is_served_as_an_attachment_with_nosniff(api, world):
    pdf = submitted(api, world)["files"][0]
    response = download(api, world["earner"], pdf["id"])
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"lesson.pdf\"; filename*=UTF-8''lesson.pdf"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_non_ascii_filename_is_offered_in_utf8(api, world):
    answer = submitted(api, world, files=[("Leçon été.pdf", PDF)])
    response = download(api, world["earner"], answer["files"][0]["id"])
    assert (
        "filename*=UTF-8''Le%C3%A7on%20%C3%A9t%C3%A9.pdf" in response.headers["Content-Disposition"]
    )


def test_file_over_the_per_file_limit_answers_413_and_stores_nothing(api, app, world):
    big = PDF + b"%" * 1000
    response = post_files(api, world["earner"], world["enrollment"], [("big.pdf", big)])
    answer = response.get_json()
    assert (response.status_code, answer["error"]) == (413, "file_too_large")
    assert "big.pdf" in answer["message"] and "1000 bytes" in answer["message"]
    assert stored(app) == (0, 0, 0)


def test_files_over_the_submission_limit_answer_413_and_store_nothing(api, app, world):
    part = PDF + b"%" * 600
    files = [("one.pdf", part), ("two.pdf", part)]
    response = post_files(api, world["earner"], world["enrollment"], files)
    answer = response.get_json()
    assert (response.status_code, answer["error"]) == (413, "submission_too_large")
    assert "1500 bytes" in answer["message"]
    assert stored(app) == (0, 0, 0)


def test_request_over_the_body_limit_answers_413_and_stores_nothing(api, app, world):
    """Past the submission limit plus room for the form, the parser stops reading."""
    boundary = "evidence-boundary"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="files"; filename="huge.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    body = head + PDF + b"%" * (3 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    response = api.call(
        "POST",
        f"/enrollments/{world['enrollment']}/submissions",
        world["earner"],
        data=body,  # built by hand: the test client spools a large form to a file it never closes
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    answer = response.get_json()
    assert (response.status_code, answer["error"]) == (413, "submission_too_large")
    assert "limited to" in answer["message"]
    assert stored(app) == (0, 0, 0)


def test_too_many_files_are_refused_and_nothing_stored(api, app, world):
    files = [(f"{n}.png", PNG) for n in range(5)]
    response = post_files(api, world["earner"], world["enrollment"], files)
    assert (response.status_code, response.get_json()["error"]) == (422, "too_many_files")
    assert stored(app) == (0, 0, 0)


@pytest.mark.parametrize("fixture", ["program.pdf", "page.pdf", "drawing.svg"])
def test_wrong_type_by_content_answers_422_and_stores_nothing(api, app, world, fixture):
    files = [("lesson.pdf", PDF), (fixture, (FIXTURES / fixture).read_bytes())]
    response = post_files(api, world["earner"], world["enrollment"], files)
    answer = response.get_json()
    assert (response.status_code, answer["error"]) == (422, "file_type_refused")
    assert fixture in answer["message"]
    assert stored(app) == (0, 0, 0)
    status = api.ok("GET", f"/enrollments/{world['enrollment']}", world["earner"])["status"]
    assert status == "enrolled"


def test_refused_submission_removes_the_files_it_stored(api, app, world, district):
    """Files are written before the transaction; when it refuses (another earner's enrollment)
    no row and no file remain."""
    other = api.account("earner", email="alan@school.example.org")
    response = post_files(api, other, world["enrollment"], [("lesson.pdf", PDF)])
    assert (response.status_code, response.get_json()["error"]) == (403, "other_earner")
    assert stored(app) == (0, 0, 0)


def test_double_posted_submission_makes_one_attempt(api, app, world):
    submitted(api, world)
    again = post_files(api, world["earner"], world["enrollment"], [("lesson.pdf", PDF)])
    assert (again.status_code, again.get_json()["error"]) == (409, "submission_not_expected")
    enrollment = api.ok("GET", f"/enrollments/{world['enrollment']}", world["earner"])
    assert [s["attempt"] for s in enrollment["submissions"]] == [1]
    assert stored(app) == (1, 2, 2)


def test_resubmission_keeps_earlier_attempts_files_readable(api, world):
    first = submitted(api, world)
    reviewers = api.reviewers(world["issuer"], world["admin"])
    api.score(reviewers, first["id"], [1, 2, 2])
    second = submitted(api, world, files=[("revised.pdf", PDF + b"% revised\n")])
    assert second["attempt"] == 2
    enrollment = api.ok("GET", f"/enrollments/{world['enrollment']}", world["earner"])
    listed = [[f["filename"] for f in s["files"]] for s in enrollment["submissions"]]
    assert listed == [["lesson.pdf", "photo.png"], ["revised.pdf"]]
    assert download(api, world["earner"], first["files"][0]["id"]).data == PDF


def test_submission_read_lists_its_files(api, world):
    answer = submitted(api, world)
    read = api.ok("GET", f"/submissions/{answer['id']}", world["earner"])
    assert [f["id"] for f in read["files"]] == [f["id"] for f in answer["files"]]


def test_issuers_reviewer_and_admin_read_the_file(api, world):
    pdf = submitted(api, world)["files"][0]
    reviewer = api.account("reviewer", world["issuer"], token=world["admin"])
    assert download(api, reviewer, pdf["id"]).data == PDF
    assert download(api, world["admin"], pdf["id"]).data == PDF


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("other_earner", "other_earner"),
        ("other_reviewer", "other_issuer"),
        ("other_admin", "other_issuer"),
        ("ptsb", "wrong_role"),
    ],
)
def test_someone_elses_file_is_refused(api, world, who, code):
    pdf = submitted(api, world)["files"][0]
    other_issuer, other_admin = api.issuer("Other District")
    tokens = {
        "other_earner": lambda: api.account("earner", email="alan@school.example.org"),
        "other_reviewer": lambda: api.account("reviewer", other_issuer, token=other_admin),
        "other_admin": lambda: other_admin,
        "ptsb": lambda: api.ptsb,
    }
    response = download(api, tokens[who](), pdf["id"])
    assert (response.status_code, response.get_json()["error"]) == (403, code)
    assert response.data.find(PDF) == -1


def test_unknown_file_answers_404(api, world):
    response = download(api, world["earner"], 999999)
    assert (response.status_code, response.get_json()["error"]) == (
        404,
        "evidence file_not_found",
    )


def test_download_needs_a_token(api, world):
    pdf = submitted(api, world)["files"][0]
    assert download(api, None, pdf["id"]).status_code == 401


# --- the page route: same rule, signed in with a session --------------------------------------


def test_signed_in_earner_downloads_from_the_page_route(api, client, world):
    pdf = submitted(api, world)["files"][0]
    set_password(client, api.password_link("grace@school.example.org"))
    sign_in(client, "grace@school.example.org")
    response = client.get(f"/evidence/{pdf['id']}")
    body = response.get_data()
    response.close()
    assert response.status_code == 200 and body == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_page_route_refuses_another_earner_with_the_403_page(api, client, world):
    pdf = submitted(api, world)["files"][0]
    email = "alan@school.example.org"
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": email})
    set_password(client, api.password_link(email))
    sign_in(client, email)
    response = client.get(f"/evidence/{pdf['id']}", headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert PDF not in response.data


def test_page_route_sends_visitors_to_sign_in(api, client, world):
    pdf = submitted(api, world)["files"][0]
    response = client.get(f"/evidence/{pdf['id']}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_openapi_describes_the_multipart_submission_and_the_download(client):
    document = client.get("/api/openapi.json").get_json()
    submit = document["paths"]["/api/v1/enrollments/{enrollment_id}/submissions"]["post"]
    form = submit["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    schema = document["components"]["schemas"][form.rsplit("/", 1)[1]]
    assert schema["properties"]["files"]["items"]["format"] == "binary"
    assert "413" in submit["responses"]
    download = document["paths"]["/api/v1/evidence/{file_id}"]["get"]
    assert "application/octet-stream" in download["responses"]["200"]["content"]


def test_sweep_removes_only_old_files_without_a_row(api, app, world, runner):
    """Bytes a crash left between writing and committing go; committed files stay."""
    import os

    kept = submitted(api, world, files=[("lesson.pdf", PDF)])["files"][0]
    root = app.extensions["issuer.services"].settings.uploads_dir
    orphan = root / "ab" / "cd" / ("0" * 32)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(PDF)
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (1_000_000_000, 1_000_000_000))  # long ago
    result = runner.invoke(args=["evidence-sweep"])
    assert "removed 1 " in result.output
    assert not orphan.exists()
    assert download(api, world["earner"], kept["id"]).data == PDF
