"""People's text in the markup we generate (issue 10): escaped for its context, never markup.

Every hostile value goes through each escaping routine, the generated badge artwork, baking and
the certificate; each output is parsed back (defusedxml for XML, pypdf for the PDF) and must show
the text literally, with no element or attribute it did not have before.
"""

from __future__ import annotations

import io
import unicodedata

import pytest
from defusedxml.ElementTree import fromstring
from PIL import Image
from pypdf import PdfReader

from issuer.baking import Keyword, bake_svg, unbake_svg, validate_badge_image
from issuer.baking.markup import xml_attribute, xml_cdata, xml_text
from issuer.certificates import CertificateText, certificate_pdf, certificate_png
from issuer.openbadges.artwork import badge_artwork, generated_svg, svg_wrapping_png
from tests.hostile_text import ALL, as_xml_reads_it

SVG = "{http://www.w3.org/2000/svg}"
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e5273de40000000049454e44ae426082"
)


@pytest.mark.parametrize("value", ALL)
def test_attribute_routine_keeps_the_value_one_attribute(value: str) -> None:
    element = fromstring(f"<a title={xml_attribute(value)} lang='en'/>")
    assert element.attrib == {"title": as_xml_reads_it(value), "lang": "en"}


@pytest.mark.parametrize("value", ALL)
def test_text_routine_keeps_the_value_text(value: str) -> None:
    element = fromstring(f"<a>{xml_text(value)}</a>")
    assert element.text == as_xml_reads_it(value) and len(element) == 0


@pytest.mark.parametrize("value", ALL)
def test_cdata_routine_keeps_the_value_text(value: str) -> None:
    element = fromstring(f"<a>{xml_cdata(value)}</a>")
    assert element.text == as_xml_reads_it(value) and len(element) == 0


@pytest.mark.parametrize("name", ALL)
def test_generated_artwork_shows_the_name_only_as_text(name: str) -> None:
    root = fromstring(generated_svg(name))
    assert set(root.attrib) == {"width", "height", "viewBox", "role", "aria-label"}
    assert root.get("aria-label") == as_xml_reads_it(name)
    assert root.find(f"{SVG}title").text == as_xml_reads_it(name)
    assert [child.tag for child in root] == [f"{SVG}title", f"{SVG}circle", f"{SVG}text"]


@pytest.mark.parametrize("name", ALL)
def test_png_wrapper_shows_the_name_only_as_text(name: str) -> None:
    root = fromstring(svg_wrapping_png(TINY_PNG, name, 1, 1))
    assert root.get("aria-label") == as_xml_reads_it(name)
    assert root.find(f"{SVG}title").text == as_xml_reads_it(name)
    assert [child.tag for child in root] == [f"{SVG}title", f"{SVG}image"]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("image", [None, TINY_PNG], ids=["generated", "uploaded-png"])
def test_artwork_with_a_hostile_name_bakes_and_unbakes(name: str, image: bytes | None) -> None:
    art = badge_artwork(name, image, "image/png" if image else None, (1, 1) if image else None)
    assert validate_badge_image(art.svg).mime == "image/svg+xml"
    for keyword, payload in ((Keyword.OB2, "https://badges.test/a/1"), (Keyword.OB3, "a.b.c")):
        assert unbake_svg(bake_svg(art.svg, payload, keyword=keyword))[keyword] == payload


def hostile_certificate(name: str) -> CertificateText:
    return CertificateText(
        earner_name=name,
        achievement=f"Program {name}",
        issuer_name=f"District {name}",
        issued_on="2026-01-02",
        credit_hours="1.5",
        verify_url="https://badges.test/awards/1",
        status_note=f"Revoked: {name}",
    )


def printed(value: str) -> str:
    """What a certificate prints: the text without control characters and non-characters."""
    return "".join(c for c in as_xml_reads_it(value) if c not in "\t\n\r")


def visible(value: str) -> str:
    """The glyphs a reader sees: printed text without the invisible bidi format characters."""
    return "".join(c for c in printed(value) if unicodedata.category(c) != "Cf")


@pytest.mark.parametrize("name", ALL)
def test_certificate_pdf_shows_the_name_literally(name: str) -> None:
    reader = PdfReader(io.BytesIO(certificate_pdf(hostile_certificate(name))))
    text = visible(reader.pages[0].extract_text())
    for word in visible(f"Program {name} issued by District {name}").split():
        assert word in text or word[::-1] in text  # right-to-left runs come out in visual order
    assert reader.metadata.title == f"Program {printed(name)}: {printed(name)}"


@pytest.mark.parametrize("name", ALL)
def test_certificate_png_is_drawn_for_a_hostile_name(name: str) -> None:
    image = Image.open(io.BytesIO(certificate_png(hostile_certificate(name))))
    assert image.format == "PNG" and image.size == (1650, 1275)
