"""Uploaded SVG passes an allow-list (issue 10): hostile files are refused, naming what is wrong;
ordinary drawings (gradients, local references, embedded raster images, baked badges) pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuer.baking import Keyword, bake_svg, validate_badge_image
from issuer.errors import UnsafeInput
from issuer.openbadges.artwork import generated_svg, svg_wrapping_png

IMAGES = Path(__file__).resolve().parents[1] / "fixtures" / "images"
HOSTILE = IMAGES / "hostile"

REFUSALS = {
    "xhtml-iframe-srcdoc.svg": ("svg_not_allowed", "<iframe>"),
    "foreign-object.svg": ("svg_script", "<foreignObject>"),
    "onload-attribute.svg": ("svg_script", "'onload'"),
    "onclick-attribute.svg": ("svg_script", "'onclick'"),
    "javascript-href.svg": ("svg_script", "script URL"),
    "external-href.svg": ("svg_external_reference", "https://evil.example/x.svg"),
    "external-style-url.svg": ("svg_external_reference", "https://evil.example/track.svg"),
    "style-import.svg": ("svg_external_reference", "@import"),
    "xml-stylesheet.svg": ("svg_external_reference", "xml-stylesheet"),
    "entity-declaration.svg": ("svg_entities", "entity"),
    "script-element.svg": ("svg_script", "<script>"),
    "xhtml-prefixed-script.svg": ("svg_script", "<script>"),
    "animation-set.svg": ("svg_script", "script URL"),
}
SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"'


def test_every_hostile_fixture_has_an_expected_refusal() -> None:
    assert sorted(p.name for p in HOSTILE.glob("*.svg")) == sorted(REFUSALS)


@pytest.mark.parametrize(("name", "expected"), REFUSALS.items(), ids=list(REFUSALS))
def test_hostile_svg_is_refused_naming_the_offence(name: str, expected: tuple[str, str]) -> None:
    code, named = expected
    with pytest.raises(UnsafeInput) as caught:
        validate_badge_image((HOSTILE / name).read_bytes())
    assert caught.value.code == code
    assert named in caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        '<a href="https://example.org/"><circle r="4"/></a>',
        '<image href="data:image/svg+xml;base64,PHN2Zy8+"/>',
        '<use href="other.svg#id"/>',
        '<circle r="4" fill="url(&quot;https://evil.example/p&quot;)"/>',
        '<circle r="4" style="fill: u\\72l(https://evil.example/p)"/>',
        "<style>@font-face { font-family: x; src: local(x) }</style>",
        '<circle r="4" data-x="1"/>',
        '<animate attributeName="r" values="1;4" dur="1s"/>',
        '<html:div xmlns:html="http://www.w3.org/1999/xhtml"/>',
        '<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>',
    ],
    ids=[
        "link-element",
        "embedded-svg",
        "other-file-use",
        "quoted-external-paint",
        "css-escape",
        "font-face",
        "unknown-attribute",
        "animation",
        "xhtml-element",
        "foreign-metadata",
    ],
)
def test_svg_outside_the_allow_list_is_refused(body: str) -> None:
    with pytest.raises(UnsafeInput) as caught:
        validate_badge_image(f"{SVG_OPEN}{body}</svg>".encode())
    assert caught.value.code in {"svg_not_allowed", "svg_external_reference"}


@pytest.mark.parametrize(
    "body",
    [
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>'
        '<circle r="4" fill="url(#g)" style="stroke: url( \'#g\' )"/>',
        f'<g {XLINK}><image xlink:href="data:image/png;base64,iVBORw0KGgo=" width="4"/></g>',
        '<defs><path id="p" d="M0 0h4"/></defs><use href="#p" xml:space="preserve"/>',
        "<style>circle { fill: #123 }</style><text>Ünïcode &amp; text</text>",
        '<filter id="f"><feGaussianBlur stdDeviation="2"/></filter><rect filter="url(#f)"/>',
    ],
    ids=["gradient", "embedded-png", "local-use", "style-and-text", "filter"],
)
def test_ordinary_drawing_is_accepted(body: str) -> None:
    assert validate_badge_image(f"{SVG_OPEN}{body}</svg>".encode()).mime == "image/svg+xml"


def test_our_own_artwork_and_baked_badges_are_accepted() -> None:
    generated = generated_svg("PL Foundations")
    baked = bake_svg(generated, "a.b.c", keyword=Keyword.OB3)
    wrapped = svg_wrapping_png((IMAGES / "badge.png").read_bytes(), "Badge", 64, 64)
    for svg in (generated, baked, wrapped, (IMAGES / "badge.svg").read_bytes()):
        assert validate_badge_image(svg).mime == "image/svg+xml"
