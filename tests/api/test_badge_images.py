"""Program and issuer images (issue 3): real PNG or SVG only, checked before anything is stored;
the uploaded PNG is what awards are baked into, byte for byte apart from the spliced chunk."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from sqlalchemy import func, select

from issuer.baking import Keyword, unbake_png
from issuer.models import Program

IMAGES = Path(__file__).resolve().parents[1] / "fixtures" / "images"


def data_url(name: str, media_type: str) -> str:
    return f"data:{media_type};base64," + base64.b64encode((IMAGES / name).read_bytes()).decode()


def count_programs(app) -> int:
    with app.extensions["issuer.services"].db.session() as session:
        return session.scalar(select(func.count()).select_from(Program))


@pytest.mark.parametrize(
    ("name", "media_type", "code"),
    [
        ("bomb-zlib.png", "image/png", "image_bomb"),
        ("bomb-dimensions.png", "image/png", "image_too_large"),
        ("billion-laughs.svg", "image/svg+xml", "svg_entities"),
        ("external-entity.svg", "image/svg+xml", "svg_entities"),
        ("script.svg", "image/svg+xml", "svg_script"),
        ("truncated.png", "image/png", "invalid_image"),
        ("not-an-image.txt", "image/png", "invalid_image"),
    ],
)
def test_hostile_program_image_is_refused_and_nothing_is_stored(
    api, app, district, name, media_type, code
):
    issuer_id, admin = district
    before = count_programs(app)
    response = api.call(
        "POST",
        "/programs",
        admin,
        {
            "issuer_id": issuer_id,
            "name": "X",
            "description": "d",
            "criteria": "c",
            "competencies": [],
            "estimated_hours": 1,
            "learning_methods": ["online"],
            "image": data_url(name, media_type),
        },
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == code and "image" in body["fields"]
    assert count_programs(app) == before


def test_image_that_is_not_a_data_url_is_invalid(api, district):
    issuer_id, admin = district
    response = api.call(
        "PATCH",
        f"/programs/{api.program(admin, issuer_id)['id']}",
        admin,
        {"image": "data:image/png;base64,%%%"},
    )
    assert response.status_code == 422 and "image" in response.get_json()["fields"]


def test_uploaded_png_is_the_baked_artwork(api, client, district):
    issuer_id, admin = district
    original = (IMAGES / "badge.png").read_bytes()
    program_id = api.approved_program(admin, issuer_id, image=data_url("badge.png", "image/png"))
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id)
    award = api.complete(admin, enrollment_id)
    baked = client.get(award["ob2"]["png"].replace("https://badges.test", "")).data
    assert unbake_png(baked)[Keyword.OB2] == award["ob2"]["assertion"]
    assert baked[:33] == original[:33] and baked.endswith(original[33:])


def test_uploaded_svg_is_served_as_the_badge_image(api, client, district):
    issuer_id, admin = district
    program_id = api.approved_program(
        admin, issuer_id, image=data_url("badge.svg", "image/svg+xml")
    )
    badge = client.get(
        f"/ob2/programs/{program_id}/v1", headers={"Accept": "application/ld+json"}
    ).get_json(force=True)
    image = client.get(badge["image"].replace("https://badges.test", ""))
    assert image.mimetype == "image/svg+xml" and image.data == (IMAGES / "badge.svg").read_bytes()


def test_issuer_image_is_published_with_the_profile(api, client):
    body = {
        "name": "Image District",
        "url": "https://img.example.org",
        "email": "a@img.example.org",
        "image": data_url("badge.png", "image/png"),
    }
    issuer = api.ok("POST", "/issuers", api.ptsb, body)
    profile = client.get(
        f"/ob2/issuers/{issuer['id']}", headers={"Accept": "application/json"}
    ).get_json()
    assert (
        client.get(profile["image"].replace("https://badges.test", "")).data
        == (IMAGES / "badge.png").read_bytes()
    )
