"""SVG baking (OB 2.0 baking spec, OB 3.0 §5.3): an ``openbadges:`` element as the root's first
child, spliced into the bytes; parsing forbids DTDs and entities."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses only our own trusted output
from pathlib import Path

import pytest

from issuer.baking import Keyword, bake_svg, unbake_svg
from issuer.errors import UnsafeInput, ValidationFailed

IMAGES = Path(__file__).parents[1] / "fixtures" / "images"
OB2 = "http://openbadges.org"
OB3 = "https://purl.imsglobal.org/ob/v3p0"
URL = "https://badges.test/ob2/assertions/7"
JWS = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6Imh0dHBzOi8vYmFkZ2VzLnRlc3QifQ.c2lnbmF0dXJlLWJ5dGVz"
ASSERTION = json.dumps({"id": URL, "type": "Assertion", "narrative": "Évaluation réussie ✓"})
CREDENTIAL = json.dumps({"type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "PL"})


def read(name: str) -> bytes:
    return (IMAGES / name).read_bytes()


def badge_element(baked: bytes, keyword: Keyword) -> ET.Element:
    root = ET.fromstring(baked)  # noqa: S314 - our own output, checked for DTDs by the code
    tag = f"{{{OB2}}}assertion" if keyword is Keyword.OB2 else f"{{{OB3}}}credential"
    (element,) = root.iter(tag)
    return element


def root_namespaces(baked: bytes) -> dict[str, str]:
    """Prefixes declared on the root element, from the parser's own start-ns events."""
    declared: dict[str, str] = {}
    for event, item in ET.iterparse(io.BytesIO(baked), events=("start-ns", "start")):  # noqa: S314
        if event == "start":
            return declared
        prefix, uri = item
        declared[prefix] = uri
    return declared


@pytest.mark.parametrize(
    ("keyword", "payload"),
    [
        (Keyword.OB2, URL),
        (Keyword.OB2, JWS),
        (Keyword.OB2, ASSERTION),
        (Keyword.OB3, JWS),
        (Keyword.OB3, CREDENTIAL),
    ],
)
def test_baked_svg_unbakes_to_the_same_payload(keyword: Keyword, payload: str) -> None:
    assert unbake_svg(bake_svg(read("badge.svg"), payload, keyword=keyword)) == {keyword: payload}


def test_baked_svg_is_the_original_plus_inserted_text() -> None:
    original = read("badge.svg")
    baked = bake_svg(original, JWS)
    inserted = re.search(rb"<openbadges:assertion[^>]*/>", baked)
    assert inserted is not None
    declaration = b' xmlns:openbadges="http://openbadges.org"'
    assert baked.replace(inserted.group(), b"", 1).replace(declaration, b"", 1) == original


def test_badge_element_is_the_first_child_of_the_root() -> None:
    root = ET.fromstring(bake_svg(read("badge.svg"), URL))  # noqa: S314
    assert root[0].tag == f"{{{OB2}}}assertion"
    assert root[1].tag == "{http://www.w3.org/2000/svg}title"


@pytest.mark.parametrize(("keyword", "namespace"), [(Keyword.OB2, OB2), (Keyword.OB3, OB3)])
def test_root_declares_the_openbadges_namespace(keyword: Keyword, namespace: str) -> None:
    baked = bake_svg(read("badge.svg"), JWS, keyword=keyword)
    assert root_namespaces(baked)["openbadges"] == namespace


def test_signed_ob2_assertion_is_an_empty_element_with_the_jws_in_verify() -> None:
    element = badge_element(bake_svg(read("badge.svg"), JWS), Keyword.OB2)
    assert (element.get("verify"), element.text) == (JWS, None)


def test_hosted_ob2_assertion_url_is_the_verify_attribute() -> None:
    element = badge_element(bake_svg(read("badge.svg"), URL), Keyword.OB2)
    assert (element.get("verify"), element.text) == (URL, None)


def test_ob2_assertion_json_goes_in_cdata_with_its_id_in_verify() -> None:
    baked = bake_svg(read("badge.svg"), ASSERTION)
    element = badge_element(baked, Keyword.OB2)
    assert (element.get("verify"), element.text) == (URL, ASSERTION)
    assert b"<![CDATA[" in baked


def test_ob3_jwt_is_the_verify_attribute() -> None:
    element = badge_element(bake_svg(read("badge.svg"), JWS, keyword=Keyword.OB3), Keyword.OB3)
    assert (element.get("verify"), element.text) == (JWS, None)


def test_ob3_credential_json_is_the_body_without_verify() -> None:
    baked = bake_svg(read("badge.svg"), CREDENTIAL, keyword=Keyword.OB3)
    element = badge_element(baked, Keyword.OB3)
    assert (element.get("verify"), element.text) == (None, CREDENTIAL)


def test_payload_containing_the_cdata_terminator_round_trips() -> None:
    tricky = json.dumps({"id": URL, "narrative": "a]]>b <c> & d"})
    assert unbake_svg(bake_svg(read("badge.svg"), tricky)) == {Keyword.OB2: tricky}


def test_url_with_markup_characters_round_trips_through_verify() -> None:
    url = 'https://badges.test/a?x=1&y=2&z="'[:-1]
    assert unbake_svg(bake_svg(read("badge.svg"), url)) == {Keyword.OB2: url}


def test_rebaking_replaces_the_element() -> None:
    baked = bake_svg(bake_svg(read("badge.svg"), URL), JWS)
    assert baked.count(b"<openbadges:assertion") == 1
    assert unbake_svg(baked) == {Keyword.OB2: JWS}


def test_ob2_and_ob3_elements_live_side_by_side() -> None:
    baked = bake_svg(bake_svg(read("badge.svg"), URL), CREDENTIAL, keyword=Keyword.OB3)
    assert unbake_svg(baked) == {Keyword.OB2: URL, Keyword.OB3: CREDENTIAL}


def test_self_closing_root_is_baked() -> None:
    empty = b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'
    baked = bake_svg(empty, URL)
    assert baked.endswith(b"</svg>")
    assert unbake_svg(baked) == {Keyword.OB2: URL}


def test_root_start_tag_is_found_past_a_bom_comments_and_quoted_brackets() -> None:
    tricky = (
        b"\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?>\n<!-- <svg> in a comment -->\n"
        b'<svg xmlns="http://www.w3.org/2000/svg"\n     data-note="a > b" data-q=\'"/>\'>'
        b"<circle r='4'/></svg>"
    )
    closing = tricky.index(b"<circle") - 1  # the root start tag's own ">"
    baked = bake_svg(tricky, URL)
    assert baked[:closing] == tricky[:closing]
    assert baked[closing:].startswith(b' xmlns:openbadges="http://openbadges.org"><openbadges:')
    assert ET.fromstring(baked)[0].get("verify") == URL  # noqa: S314


def test_element_body_wins_over_verify_for_ob2_as_the_spec_extracts_it() -> None:
    spec_style = read("badge.svg").replace(
        b"<title>",
        f'<openbadges:assertion xmlns:openbadges="{OB2}" verify="{URL}">\n'
        f"  <![CDATA[\n  {ASSERTION}\n  ]]>\n</openbadges:assertion><title>".encode(),
    )
    assert unbake_svg(spec_style) == {Keyword.OB2: ASSERTION}


def test_unbaking_an_unbaked_svg_finds_nothing() -> None:
    assert unbake_svg(read("badge.svg")) == {}


@pytest.mark.parametrize("name", ["billion-laughs.svg", "external-entity.svg"])
def test_svg_with_entities_is_refused(name: str) -> None:
    for operation in (unbake_svg, lambda data: bake_svg(data, URL)):
        with pytest.raises(UnsafeInput) as caught:
            operation(read(name))
        assert caught.value.code == "svg_entities"


@pytest.mark.parametrize("name", ["latin1.svg", "not-svg-root.svg", "not-an-image.txt"])
def test_svg_that_is_not_a_utf8_svg_document_is_refused(name: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        bake_svg(read(name), URL)
    assert caught.value.code == "invalid_image"


def test_unbaking_two_assertions_is_refused() -> None:
    element = f'<openbadges:assertion xmlns:openbadges="{OB2}" verify="{URL}"/>'.encode()
    twice = read("badge.svg").replace(b"<title>", element + element + b"<title>")
    with pytest.raises(ValidationFailed, match="more than one"):
        unbake_svg(twice)


@pytest.mark.parametrize(
    ("keyword", "payload"),
    [
        (Keyword.OB3, URL),  # OB 3.0 bakes the credential itself, never a URL
        (Keyword.OB2, json.dumps({"type": "Assertion"})),  # no id for the verify attribute
        (Keyword.OB2, "[1, 2]"),
        (Keyword.OB2, "not a badge"),
        (Keyword.OB2, f" {JWS}"),
        (Keyword.OB2, f"{URL}?bell=\x07"),  # XML cannot carry most control characters
        (Keyword.OB3, '{"name":\r\n"PL"}'),  # nor give a carriage return back
    ],
)
def test_payload_the_element_cannot_carry_is_refused(keyword: Keyword, payload: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        bake_svg(read("badge.svg"), payload, keyword=keyword)
    assert caught.value.code == "invalid_payload"
