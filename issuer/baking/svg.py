"""SVG baking: an ``openbadges:`` element spliced into the bytes as the root's first child.

The document is parsed (safely, by defusedxml) only to find byte offsets; the output is the input
with text inserted after the root start tag, so the drawing is untouched. OB 2.0 uses
``<openbadges:assertion>`` (namespace ``http://openbadges.org``) whose ``verify`` attribute holds
the assertion URL or JWS; OB 3.0 uses ``<openbadges:credential>`` (namespace
``https://purl.imsglobal.org/ob/v3p0``) with the VC-JWT in ``verify`` or the JSON in CDATA.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from issuer.baking.limits import (
    MAX_BAKED_IMAGE_BYTES,
    OffsetTreeBuilder,
    check_payload,
    check_size,
    check_unbaked_payload,
    invalid_image,
    parse_svg,
)
from issuer.baking.markup import xml_attribute, xml_cdata, xml_chars
from issuer.baking.png import Keyword
from issuer.errors import ValidationFailed

OB2_NAMESPACE = "http://openbadges.org"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
ELEMENTS = {Keyword.OB2: (OB2_NAMESPACE, "assertion"), Keyword.OB3: (OB3_NAMESPACE, "credential")}

_PREFIX = "openbadges"
_START_TAG = re.compile(rb"""<([^\s/>]+)(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
_END_TAG = re.compile(rb"</[^\s>]+\s*>")
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_URL = re.compile(r"https?://[^\s\"'<>]+")


def bake_svg(data: bytes, payload: str, *, keyword: Keyword = Keyword.OB2) -> bytes:
    """Return the SVG with ``payload`` baked as the root's first child, replacing an earlier one.

    Raises ``UnsafeInput`` (svg_entities) for DTDs or entities and ``ValidationFailed`` for a
    malformed SVG or a payload the version cannot carry (an OB 3.0 URL, OB 2.0 JSON without id).
    """
    check_size(data, MAX_BAKED_IMAGE_BYTES)
    element = _badge_element(keyword, payload)
    namespace, local = ELEMENTS[keyword]
    splicer = _Splicer(data, f"{{{namespace}}}{local}")
    parse_svg(data, splicer)
    return _apply(data, _edits(splicer, element, namespace))


def _badge_element(keyword: Keyword, payload: str) -> bytes:
    """Serialise the ``openbadges:`` element for a payload, as the baking specs lay it out."""
    _check_xml_text(payload)
    verify, body = _verify_and_body(keyword, payload)
    namespace, local = ELEMENTS[keyword]
    name = f"{_PREFIX}:{local}"
    attributes = f' xmlns:{_PREFIX}="{namespace}"'
    if verify is not None:
        attributes += f" verify={xml_attribute(verify)}"
    if body is None:
        return f"<{name}{attributes}/>".encode()
    return f"<{name}{attributes}>{xml_cdata(body)}</{name}>".encode()


def _check_xml_text(payload: str) -> None:
    """Refuse what XML cannot carry or give back exactly: control characters, outer whitespace."""
    check_payload(payload)
    # a signed payload must come back byte for byte: XML turns a carriage return into a line feed
    if xml_chars(payload) != payload or "\r" in payload or payload != payload.strip():
        raise ValidationFailed(
            "An SVG payload may not contain control characters or surrounding whitespace.",
            code="invalid_payload",
        )


def _verify_and_body(keyword: Keyword, payload: str) -> tuple[str | None, str | None]:
    """Split a payload into the ``verify`` attribute and the CDATA body, per version."""
    if _COMPACT_JWS.fullmatch(payload):
        return payload, None
    if payload.startswith("{"):
        document = _json_object(payload)
        return (_assertion_url(document) if keyword is Keyword.OB2 else None), payload
    if keyword is Keyword.OB2 and _URL.fullmatch(payload):
        return payload, None
    raise ValidationFailed(
        f"An {keyword.value!r} SVG payload must be a compact JWS, a JSON object"
        + (" or an assertion URL." if keyword is Keyword.OB2 else "."),
        code="invalid_payload",
    )


def _json_object(payload: str) -> dict[str, object]:
    try:
        document = json.loads(payload)
    except ValueError as exc:
        raise ValidationFailed("The payload is not valid JSON.", code="invalid_payload") from exc
    if not isinstance(document, dict):
        raise ValidationFailed("The payload must be a JSON object.", code="invalid_payload")
    return document


def _assertion_url(assertion: dict[str, object]) -> str:
    """The hosted URL an OB 2.0 ``verify`` attribute needs: ``id``, else OB 1.x ``verify.url``."""
    legacy = assertion.get("verify")
    for candidate in (assertion.get("id"), legacy.get("url") if isinstance(legacy, dict) else None):
        if isinstance(candidate, str) and _URL.fullmatch(candidate):
            return candidate
    raise ValidationFailed(
        "An OB 2.0 assertion baked as JSON needs an http(s) 'id' for the verify attribute.",
        code="invalid_payload",
    )


@dataclass(frozen=True, slots=True)
class _Tag:
    """A start tag located in the bytes."""

    start: int
    end: int
    name: bytes
    self_closing: bool


def _start_tag_at(data: bytes, offset: int) -> _Tag:
    match = _START_TAG.match(data, offset)
    if match is None:
        raise invalid_image("The SVG has a start tag that could not be located.")
    return _Tag(offset, match.end(), match.group(1), bool(match.group(2)))


class _Splicer(OffsetTreeBuilder):
    """While the tree is built, note the root start tag, its prefixes and old badge elements."""

    def __init__(self, data: bytes, target: str) -> None:
        super().__init__()
        self._source, self._target = data, target
        self.root_tag: _Tag | None = None
        self.root_prefixes: set[str] = set()
        self.spans: list[tuple[int, int]] = []
        self._declared: set[str] = set()
        self._open: tuple[int, int] | None = None  # (offset, depth) of a badge element being read
        self._depth = 0

    def start_ns(self, prefix: str, uri: str) -> None:
        self._declared.add(prefix)

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        if self.root_tag is None:
            self.root_tag = _start_tag_at(self._source, self.offset())
            self.root_prefixes = set(self._declared)
        if tag == self._target and self._open is None:
            self._note_badge_element()
        self._declared.clear()
        self._depth += 1
        return super().start(tag, attrs)

    def end(self, tag: str) -> Element:
        self._depth -= 1
        if self._open is not None and self._open[1] == self._depth:
            end_tag = _END_TAG.match(self._source, self.offset())
            if end_tag is None:
                raise invalid_image("The SVG has an end tag that could not be located.")
            self.spans.append((self._open[0], end_tag.end()))
            self._open = None
        return super().end(tag)

    def _note_badge_element(self) -> None:
        tag = _start_tag_at(self._source, self.offset())
        if tag.self_closing:
            self.spans.append((tag.start, tag.end))
        else:
            self._open = (tag.start, self._depth)


def _edits(splicer: _Splicer, element: bytes, namespace: str) -> list[tuple[int, int, bytes]]:
    """Insert the element after the root start tag, declare the prefix there, drop old elements."""
    root = splicer.root_tag
    if root is None:
        raise invalid_image("The SVG has no root element.")
    closing = root.end - (2 if root.self_closing else 1)
    edits = [(start, end, b"") for start, end in splicer.spans]
    if _PREFIX not in splicer.root_prefixes:
        edits.append((closing, closing, f' xmlns:{_PREFIX}="{namespace}"'.encode()))
    if root.self_closing:
        edits.append((closing, root.end, b">" + element + b"</" + root.name + b">"))
    else:
        edits.append((root.end, root.end, element))
    return edits


def _apply(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Replace each ``(start, end)`` range with its text; ranges never overlap."""
    view, position = memoryview(data), 0
    parts: list[bytes | memoryview] = []
    for start, end, text in sorted(edits):
        parts += [view[position:start], text]
        position = end
    parts.append(view[position:])
    return b"".join(parts)


def unbake_svg(data: bytes) -> dict[Keyword, str]:
    """Return the baked payloads by keyword (empty if none), parsing with entities forbidden.

    Raises ``UnsafeInput`` (svg_entities) for DTDs or entities and ``ValidationFailed``
    (invalid_image) for malformed XML or a repeated or empty Open Badges element.
    """
    check_size(data, MAX_BAKED_IMAGE_BYTES)
    root = parse_svg(data)
    found: dict[Keyword, str] = {}
    for keyword, (namespace, local) in ELEMENTS.items():
        elements = list(root.iter(f"{{{namespace}}}{local}"))
        if len(elements) > 1:
            raise invalid_image(f"The SVG has more than one openbadges:{local} element.")
        if elements:
            found[keyword] = check_unbaked_payload(_payload_of(keyword, elements[0]))
    return found


def _payload_of(keyword: Keyword, element: Element) -> str:
    """OB 2.0: the body if any, else ``verify``; OB 3.0: ``verify`` if set, else the body."""
    if len(element):
        raise invalid_image("An Open Badges element in the SVG may not contain other elements.")
    body = (element.text or "").strip()
    verify = (element.get("verify") or "").strip()
    payload = (body or verify) if keyword is Keyword.OB2 else (verify or body)
    if not payload:
        raise invalid_image("The SVG's Open Badges element is empty.")
    return payload
