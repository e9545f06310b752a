"""Stored script injection on our origin (issue 10), tried from outside over HTTP.

1. Hostile text (quotes, ``<script>``, ``]]>``, entities, right-to-left marks) as issuer, program,
   stack and earner name, description, criteria: completion succeeds and every generated format
   (artwork and baked SVG/PNG for OB 2.0 and 3.0, award and document pages, portfolio,
   certificate, JSON-LD) is parsed back and shows the text only as text.
2. Hostile SVG uploads as issuer or program image are refused with 422 and nothing is stored.
3. Stored SVG is served with the CSP of SPEC §12 (plus ``sandbox``) and ``nosniff``, including
   bytes published before the allow-list existed.
"""

from __future__ import annotations

import base64
import io
import unicodedata
import uuid
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring
from pypdf import PdfReader
from sqlalchemy import func, select

from issuer.baking import Keyword, unbake_png, unbake_svg
from issuer.models import Issuer, Program, ProgramVersion, PublishedDocument
from tests.hostile_text import API_SAFE, CONTROL
from tests.web.conftest import set_password, sign_in

BASE = "https://badges.test"
HOSTILE_SVGS = sorted((Path(__file__).resolve().parents[1] / "fixtures/images/hostile").glob("*"))
SVG_CODES = {"svg_script", "svg_not_allowed", "svg_external_reference", "svg_entities"}
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
ARTWORK_ATTRIBUTES = {"width", "height", "viewBox", "role", "aria-label"}


def local(url: str) -> str:
    return url.replace(BASE, "")


def data_url(body: bytes, media_type: str = "image/svg+xml") -> str:
    return f"data:{media_type};base64," + base64.b64encode(body).decode()


# --- 1. hostile text through every generated format -------------------------------------------


class Published:
    """One issuer, program, stack and earner all named ``text``, with both awards issued."""

    def __init__(self, api: Any, client: Any, text: str) -> None:
        self.api, self.client, self.text = api, client, text
        body = {
            "name": text,
            "url": "https://district.example.org",
            "email": "pd@district.example.org",
            "description": text,
        }
        self.issuer_id = api.ok("POST", "/issuers", api.ptsb, body)["id"]
        self.admin = api.account("issuer_admin", self.issuer_id)
        alignment = {"target_name": text, "target_url": "https://std.example.org/1"}
        self.program_id = api.approved_program(
            self.admin,
            self.issuer_id,
            name=text,
            description=text,
            criteria=text,
            competencies=[text],
            alignments=[{**alignment, "framework": text}],
        )
        stack = {
            "issuer_id": self.issuer_id,
            "name": text,
            "description": text,
            "programs": [self.program_id],
        }
        self.stack_id = api.ok("POST", "/stacks", self.admin, stack)["id"]
        self.email = f"hostile-{uuid.uuid4().hex[:8]}@school.example.org"
        earner_id = api.earner(self.admin, email=self.email, name=text)
        enrollment_id, _ = api.passed_enrollment(
            self.admin, self.issuer_id, self.program_id, earner_id=earner_id
        )
        self.completion = api.call(
            "POST",
            f"/enrollments/{enrollment_id}/complete",
            self.admin,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert self.completion.status_code == 201, self.completion.get_json()
        listed = api.ok("GET", f"/earners/{earner_id}/awards", self.admin)["awards"]
        self.awards = [api.ok("GET", f"/awards/{a['id']}", self.admin) for a in listed]

    def get(self, url: str, accept: str | None = None) -> Any:
        response = self.client.get(local(url), headers={"Accept": accept} if accept else {})
        assert response.status_code == 200, (url, response.status_code)
        return response

    def json(self, url: str) -> dict[str, Any]:
        return self.get(url, "application/ld+json").get_json(force=True)


@pytest.fixture(params=API_SAFE)
def published(request: pytest.FixtureRequest, api: Any, client: Any) -> Published:
    return Published(api, client, request.param)


class Markup(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_only_text(html: str, text: str) -> None:
    """The page shows ``text`` as text and has no script or handler that came from it."""
    page = Markup(html)
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert all((attrs.get("src") or "").startswith("/static/") for attrs in scripts), scripts
    handlers = [(tag, name) for tag, attrs in page.tags for name in attrs if name.startswith("on")]
    assert handlers == []
    assert not any(
        tag in {"img", "iframe", "svg"} and attrs.get("src") == "x" for tag, attrs in page.tags
    )
    assert text in "".join(page.text)


def test_completion_with_hostile_names_issues_program_and_stack_awards(published):
    assert sorted(a["kind"] for a in published.awards) == ["program", "stack"]


def test_generated_artwork_shows_hostile_names_only_as_text(published):
    for badge in (f"/ob2/programs/{published.program_id}/v1", f"/ob2/stacks/{published.stack_id}"):
        assert published.json(badge)["name"] == published.text
        root = fromstring(published.get(f"{badge}/image.svg").data)
        assert set(root.attrib) == ARTWORK_ATTRIBUTES
        assert root.get("aria-label") == published.text
        assert root.find("{http://www.w3.org/2000/svg}title").text == published.text


@pytest.mark.parametrize("version", ["ob2", "ob3"])
def test_baked_svgs_and_pngs_of_hostile_names_parse_and_unbake(published, version):
    keyword = Keyword.OB2 if version == "ob2" else Keyword.OB3
    for award in published.awards:
        svg = published.get(award[version]["svg"]).data
        root = fromstring(svg)
        assert set(root.attrib) == ARTWORK_ATTRIBUTES
        assert root.get("aria-label") == published.text
        assert keyword in unbake_svg(svg)
        assert keyword in unbake_png(published.get(award[version]["png"]).data)


def test_award_pages_show_hostile_names_only_as_text(published):
    for award in published.awards:
        html = published.get(award["ob2"]["assertion"], "text/html").data.decode()
        assert_only_text(html, published.text)


def test_document_pages_show_hostile_names_only_as_text(published):
    for path in (
        f"/ob2/issuers/{published.issuer_id}",
        f"/ob2/programs/{published.program_id}/v1",
        f"/ob2/stacks/{published.stack_id}",
        f"/ob3/issuers/{published.issuer_id}",
        f"/ob3/programs/{published.program_id}/v1",
        f"/ob3/stacks/{published.stack_id}",
    ):
        assert_only_text(published.get(path, "text/html").data.decode(), published.text)


def test_json_documents_carry_hostile_names_verbatim(published):
    for award in published.awards:
        assertion = published.json(award["ob2"]["assertion"])
        badge = published.json(assertion["badge"])
        credential = published.json(award["ob3"]["credential"])
        assert badge["name"] == credential["credentialSubject"]["achievement"]["name"]
        assert badge["name"] == published.text
        assert published.json(badge["issuer"])["name"] == published.text


def test_portfolio_shows_hostile_names_only_as_text(published, api, client):
    cli = api.runner.invoke  # the operator's tools (SPEC §5): nobody else gets a person's link
    created = cli(args=["accounts", "create", "--role", "earner", "--email", published.email])
    assert created.exit_code == 0, created.output
    invite = cli(args=["accounts", "invite", "--email", published.email])
    assert invite.exit_code == 0, invite.output
    set_password(client, invite.output.strip().split()[-1])
    sign_in(client, published.email)
    assert_only_text(client.get("/portfolio").data.decode(), published.text)


def visible(value: str) -> str:
    """Glyphs as printed: no invisible bidi format characters."""
    return "".join(c for c in value if unicodedata.category(c) != "Cf")


def test_certificates_show_hostile_names_literally(published):
    for award in published.awards:
        pdf = PdfReader(io.BytesIO(published.get(award["certificate_pdf"]).data))
        text = visible(pdf.pages[0].extract_text())
        for word in visible(published.text).split():
            assert word in text or word[::-1] in text  # right-to-left runs come out visually
        png = published.get(award["certificate_pdf"][:-3] + "png")
        assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("path", "field", "extra"),
    [
        ("/issuers", "name", {"url": "https://d.example.org", "email": "a@d.example.org"}),
        ("/earners", "name", {"email": "ctl@school.example.org"}),
    ],
)
def test_control_characters_in_names_are_refused(api, path, field, extra):
    response = api.call("POST", path, api.ptsb, {field: CONTROL, **extra})
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


# --- 2. hostile SVG uploads ---------------------------------------------------------------------


def stored_issuer_image(app: Any, issuer_id: int) -> bytes | None:
    with app.extensions["issuer.services"].db.session() as session:
        return session.get(Issuer, issuer_id).image


def stored_program_images(app: Any) -> list[bytes | None]:
    with app.extensions["issuer.services"].db.session() as session:
        return list(session.scalars(select(ProgramVersion.image).order_by(ProgramVersion.id)))


def program_count(app: Any) -> int:
    with app.extensions["issuer.services"].db.session() as session:
        return session.scalar(select(func.count()).select_from(Program))


def assert_refused(response: Any) -> None:
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] in SVG_CODES and "image" in body["fields"]


@pytest.mark.parametrize("svg", HOSTILE_SVGS, ids=lambda p: p.stem)
def test_hostile_svg_as_issuer_image_is_refused_and_the_image_kept(api, app, district, svg):
    issuer_id, admin = district
    before = stored_issuer_image(app, issuer_id)
    response = api.call(
        "PATCH", f"/issuers/{issuer_id}", api.ptsb, {"image": data_url(svg.read_bytes())}
    )
    assert_refused(response)
    assert stored_issuer_image(app, issuer_id) == before


@pytest.mark.parametrize("svg", HOSTILE_SVGS, ids=lambda p: p.stem)
def test_hostile_svg_as_new_program_image_is_refused_and_nothing_stored(api, app, district, svg):
    issuer_id, admin = district
    before = program_count(app)
    body = {
        "issuer_id": issuer_id,
        "name": "X",
        "description": "d",
        "criteria": "c",
        "competencies": [],
        "estimated_hours": 1,
        "learning_methods": ["online"],
        "image": data_url(svg.read_bytes()),
    }
    assert_refused(api.call("POST", "/programs", admin, body))
    assert program_count(app) == before


@pytest.mark.parametrize("svg", HOSTILE_SVGS, ids=lambda p: p.stem)
def test_hostile_svg_as_program_image_edit_is_refused_and_the_image_kept(api, app, district, svg):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    before = stored_program_images(app)
    body = {"image": data_url(svg.read_bytes())}
    assert_refused(api.call("PATCH", f"/programs/{program_id}", admin, body))
    assert stored_program_images(app) == before


# --- 3. headers of served SVG -------------------------------------------------------------------

BENIGN_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle r="30"/></svg>'
)


def test_uploaded_issuer_svg_is_served_with_csp_and_nosniff(api, client, district):
    issuer_id, _ = district
    api.ok("PATCH", f"/issuers/{issuer_id}", api.ptsb, {"image": data_url(BENIGN_SVG)})
    response = client.get(f"/ob2/issuers/{issuer_id}/image")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"] == SVG_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_baked_award_svgs_are_served_with_csp_and_nosniff(api, client, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    award = api.complete(admin, api.passed_enrollment(admin, issuer_id, program_id)[0])
    for url in (award["ob2"]["svg"], award["ob3"]["svg"]):
        response = client.get(local(url))
        assert response.headers["Content-Security-Policy"] == SVG_CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_svg_published_before_the_allow_list_still_answers_under_the_csp(
    api, app, client, district
):
    issuer_id, _ = district
    api.ok("PATCH", f"/issuers/{issuer_id}", api.ptsb, {"image": data_url(BENIGN_SVG)})
    old = (HOSTILE_SVGS[0].parent / "xhtml-iframe-srcdoc.svg").read_bytes()
    path = f"/ob2/issuers/{issuer_id}/image"
    with app.extensions["issuer.services"].db.session() as session:
        session.get(PublishedDocument, path).body = old
        session.commit()
    response = client.get(path)
    assert response.status_code == 200 and response.data == old
    assert response.headers["Content-Security-Policy"] == SVG_CSP
