"""What an uploaded SVG may contain: an allow-list of SVG elements and attributes, nothing else.

An uploaded issuer or program image is served from our origin and baked into every award, so it
must not be able to run script or fetch anything. A deny-list cannot keep up with what browsers
execute (an XHTML ``<iframe srcdoc>`` inside SVG slipped past one), so only the static drawing
vocabulary of SVG 1.1/2 is accepted: no script, ``foreignObject``, animation, links or elements of
other namespaces (apart from the inert Open Badges baking elements); no ``on*`` attributes; links
(``href``, ``url(...)``) only to fragments of the same file or embedded PNG, JPEG or GIF images;
no ``@import``, ``@font-face`` or CSS escapes, and no ``xml-stylesheet``. A refused file is named with the first offending element
or attribute, so the issuer can fix it (e.g. by exporting "plain SVG").
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from issuer.errors import UnsafeInput

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
BAKING_NAMESPACES = frozenset({"http://openbadges.org", "https://purl.imsglobal.org/ob/v3p0"})
"""Open Badges baking elements: text only, never rendered (an uploaded image may be a badge)."""


def _words(*groups: str) -> frozenset[str]:
    """A set from space-separated names, so the lists below read like the specification's."""
    return frozenset(" ".join(groups).split())


_FILTER_PRIMITIVES = (
    "feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting "
    "feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR "
    "feGaussianBlur feImage feMerge feMergeNode feMorphology feOffset fePointLight "
    "feSpecularLighting feSpotLight feTile feTurbulence"
)
ELEMENTS = _words(
    "svg g defs symbol use title desc metadata style path rect circle ellipse line polyline",
    "polygon text tspan textPath image linearGradient radialGradient stop pattern clipPath",
    "mask marker filter",
    _FILTER_PRIMITIVES,
)
"""SVG elements that draw or define drawing; links, animation and embedded documents are absent."""

ATTRIBUTES = _words(
    # core, accessibility and styling
    "id class style lang tabindex role aria-label aria-labelledby aria-describedby",
    "aria-hidden focusable version baseProfile type media",
    # geometry and coordinate systems
    "x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height d points pathLength viewBox",
    "preserveAspectRatio transform dx dy rotate textLength lengthAdjust startOffset method",
    "spacing side href gradientUnits gradientTransform spreadMethod offset patternUnits",
    "patternContentUnits patternTransform clipPathUnits maskUnits maskContentUnits",
    "markerUnits markerWidth markerHeight refX refY orient filterUnits primitiveUnits",
    # filter primitives
    "in in2 result stdDeviation mode operator k1 k2 k3 k4 values tableValues slope",
    "intercept amplitude exponent kernelMatrix order divisor bias targetX targetY edgeMode",
    "preserveAlpha surfaceScale diffuseConstant specularConstant specularExponent",
    "kernelUnitLength scale xChannelSelector yChannelSelector radius baseFrequency",
    "numOctaves seed stitchTiles azimuth elevation z pointsAtX pointsAtY pointsAtZ",
    "limitingConeAngle",
    # presentation attributes
    "fill fill-opacity fill-rule stroke stroke-width stroke-linecap stroke-linejoin",
    "stroke-miterlimit stroke-dasharray stroke-dashoffset stroke-opacity opacity color",
    "display visibility font font-family font-size font-weight font-style font-variant",
    "font-stretch font-size-adjust text-anchor text-decoration dominant-baseline",
    "alignment-baseline baseline-shift letter-spacing word-spacing writing-mode direction",
    "unicode-bidi clip-path clip-rule mask filter marker-start marker-mid marker-end",
    "stop-color stop-opacity flood-color flood-opacity lighting-color color-interpolation",
    "color-interpolation-filters color-rendering shape-rendering text-rendering",
    "image-rendering overflow vector-effect paint-order mix-blend-mode isolation",
    "transform-origin enable-background",
)
"""Unqualified attributes; ``xlink:href`` and ``xml:space``/``xml:lang`` are the qualified ones."""

QUALIFIED_ATTRIBUTES = frozenset(
    {f"{{{XLINK_NAMESPACE}}}href", f"{{{XML_NAMESPACE}}}space", f"{{{XML_NAMESPACE}}}lang"}
)
_LINKS = frozenset({"href", f"{{{XLINK_NAMESPACE}}}href"})
_SCRIPT_ELEMENTS = frozenset({"script", "handler", "foreignobject"})
_SCRIPT_URL = re.compile(r"(?:java|vb)script:")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20]+")
_LOCAL_LINK = re.compile(r"#[^\s]*|data:image/(?:png|jpeg|gif)(?:;base64)?,.*", re.S)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)\s*(.*?)\s*\1\s*\)", re.S | re.I)
_CSS_LOADS = re.compile(r"@import|@font-face|image-set|\bimage\(|cross-fade|\\", re.I)
"""CSS that loads without ``url()``, or a backslash escape that could hide a ``url(``."""


def check_svg_allowed(root: Element, processing_instructions: list[str]) -> None:
    """Refuse the SVG unless every element, attribute and link is on the allow-list.

    Raises ``UnsafeInput``: ``svg_script`` for script in any form, ``svg_not_allowed`` for an
    element or attribute outside the allow-list, ``svg_external_reference`` for anything that
    would load from elsewhere.
    """
    for target in processing_instructions:
        if target.lower() == "xml-stylesheet":
            raise _external("an <?xml-stylesheet?> processing instruction")
    elements = list(root.iter())
    for element in elements:  # script first: the most telling refusal wins
        _check_no_script(element)
    for element in elements:
        _check_element(element)
        for name, value in element.attrib.items():
            _check_attribute(element, name, value)
        if _local_name(element.tag) == "style":
            _check_css(element.text or "", "the <style> element")


def _check_no_script(element: Element) -> None:
    """Script elements, ``on*`` handlers and script URLs, in any namespace."""
    tag = _local_name(element.tag)
    if tag.lower() in _SCRIPT_ELEMENTS:
        raise _script(f"a <{tag}> element")
    for name, value in element.attrib.items():
        if _local_name(name).lower().startswith("on"):
            raise _script(f"an event handler attribute {_local_name(name)!r} on <{tag}>")
        if _SCRIPT_URL.search(_IGNORED_IN_URLS.sub("", value).lower()):
            raise _script(f"a script URL in {_local_name(name)!r} on <{tag}>")
    if tag == "style" and _SCRIPT_URL.search(_IGNORED_IN_URLS.sub("", element.text or "").lower()):
        raise _script("a script URL in a <style> element")


def _check_element(element: Element) -> None:
    namespace, local = _split(element.tag)
    if namespace in BAKING_NAMESPACES and not len(element):
        return
    if namespace != SVG_NAMESPACE or local not in ELEMENTS:
        where = f" in the namespace {namespace!r}" if namespace != SVG_NAMESPACE else ""
        raise UnsafeInput(
            f"SVG images may contain only static drawing elements; found <{local}>{where}. "
            "Export the image as plain SVG without scripts, links, animation or embedded HTML.",
            code="svg_not_allowed",
        )


def _check_attribute(element: Element, name: str, value: str) -> None:
    if _split(element.tag)[0] in BAKING_NAMESPACES:
        return
    local, tag = _local_name(name), _local_name(element.tag)
    if name not in ATTRIBUTES and name not in QUALIFIED_ATTRIBUTES:
        raise UnsafeInput(
            f"SVG images may not carry the attribute {local!r} (on <{tag}>).",
            code="svg_not_allowed",
        )
    if name in _LINKS and not _LOCAL_LINK.fullmatch(value.strip()):
        raise _external(f"a link to {value.strip()[:80]!r} on <{tag}>")
    _check_css(value, f"the attribute {local!r}")


def _check_css(css: str, where: str) -> None:
    """Style may point only at fragments of this file (``url(#id)``) and embedded images."""
    if found := _CSS_LOADS.search(css):
        raise _external(f"{found.group(0)!r} in {where}")
    for match in _CSS_URL.finditer(css):
        if not _LOCAL_LINK.fullmatch(match.group(2)):
            raise _external(f"url({match.group(2)[:80]}) in {where}")


def _script(what: str) -> UnsafeInput:
    return UnsafeInput(f"SVG images may not contain scripts; found {what}.", code="svg_script")


def _external(what: str) -> UnsafeInput:
    return UnsafeInput(
        f"SVG images may not load anything from elsewhere; found {what}.",
        code="svg_external_reference",
    )


def _split(tag: str) -> tuple[str, str]:
    """``{namespace}local`` as ``(namespace, local)``; no namespace gives ``""``."""
    namespace, _, local = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
    return namespace, local


def _local_name(name: str) -> str:
    return name.rpartition("}")[2]
