"""Interoperability with ``openbadges-bakery`` (PyPI), an independent OB 2.0 baker: it unbakes
what we bake to the same payload, and we unbake what it bakes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from issuer.baking import Keyword, bake_png, bake_svg, unbake_png, unbake_svg
from tests.requirements import require_module

bakery = require_module("openbadges_bakery", "openbadges-bakery is in the dev extra")

pytestmark = pytest.mark.interop

IMAGES = Path(__file__).parents[1] / "fixtures" / "images"
BAKERY_SAMPLES = Path(bakery.__file__).parent / "testfiles"
URL = "https://badges.test/ob2/assertions/7"
JWS = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6Imh0dHBzOi8vYmFkZ2VzLnRlc3QifQ.c2lnbmF0dXJlLWJ5dGVz"
ASSERTION = json.dumps({"id": URL, "type": "Assertion", "narrative": "Évaluation réussie ✓"})


def read(name: str) -> bytes:
    return (IMAGES / name).read_bytes()


def bakery_unbake(data: bytes) -> str | None:
    result: str | None = bakery.unbake(io.BytesIO(data))
    return result


def bakery_bake(data: bytes, payload: str) -> bytes:
    baked = bakery.bake(io.BytesIO(data), payload, io.BytesIO())
    content: bytes = baked.read()
    return content


@pytest.mark.parametrize("payload", [URL, JWS, ASSERTION])
def test_bakery_unbakes_our_png_to_the_payload(payload: str) -> None:
    assert bakery_unbake(bake_png(read("badge.png"), payload)) == payload


@pytest.mark.parametrize("payload", [URL, JWS])
def test_bakery_unbakes_our_svg_to_the_payload(payload: str) -> None:
    assert bakery_unbake(bake_svg(read("badge.svg"), payload)) == payload


def test_bakery_reads_the_assertion_url_from_our_json_svg() -> None:
    """For a JSON assertion the OB 2.0 spec puts its URL in ``verify``, which the bakery prefers."""
    assert bakery_unbake(bake_svg(read("badge.svg"), ASSERTION)) == URL


def test_bakery_ignores_our_ob3_chunk_next_to_the_ob2_one() -> None:
    baked = bake_png(bake_png(read("badge.png"), JWS), ASSERTION, keyword=Keyword.OB3)
    assert bakery_unbake(baked) == JWS


@pytest.mark.parametrize("payload", [URL, JWS, ASSERTION])
def test_we_unbake_pngs_baked_by_the_bakery(payload: str) -> None:
    assert unbake_png(bakery_bake(read("badge.png"), payload)) == {Keyword.OB2: payload}


# the bakery's SVG code calls a deprecated rfc3986 function; not ours to fix
@pytest.mark.filterwarnings("ignore:Please use rfc3986.validators.Validator:DeprecationWarning")
@pytest.mark.parametrize("payload", [URL, JWS, ASSERTION])
def test_we_unbake_svgs_baked_by_the_bakery(payload: str) -> None:
    assert unbake_svg(bakery_bake(read("badge.svg"), payload)) == {Keyword.OB2: payload}


def test_we_read_the_bakerys_own_baked_png_as_it_does() -> None:
    data = (BAKERY_SAMPLES / "baked_heart.png").read_bytes()
    assert unbake_png(data) == {Keyword.OB2: bakery_unbake(data)}


def test_we_read_the_bakerys_own_baked_svg_per_the_spec() -> None:
    """Its sample has a JSON body and a verify URL: we return the body, the bakery the URL."""
    data = (BAKERY_SAMPLES / "baked_example.svg").read_bytes()
    ours = json.loads(unbake_svg(data)[Keyword.OB2])
    assert ours["verify"]["url"] == bakery_unbake(data)


def test_rebaking_a_bakery_png_leaves_one_openbadges_chunk() -> None:
    rebaked = bake_png(bakery_bake(read("badge.png"), URL), JWS)
    assert rebaked.count(b"openbadges\x00") == 1
    assert bakery_unbake(rebaked) == JWS
