"""What the verifier is given, and how it becomes one badge payload: a JSON object or a compact JWS.

Inputs are a URL, a credential (a JSON object, or text holding JSON, a compact JWS/JWT or a
URL) or an image. Images are unbaked without decoding pixels (``issuer.baking``: PNG chunks are
walked, SVG is parsed by defusedxml with entities forbidden); URLs are fetched with the fetcher
passed in. A payload that leads to another URL (a baked assertion URL) is followed at most
``MAX_HOPS`` times. Problems with the input itself raise ``IssuerError`` subclasses; problems
with the badge are left to the checks.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import re
import zlib
from dataclasses import dataclass
from typing import Any

from issuer.baking import Keyword, unbake_png, unbake_svg
from issuer.baking.limits import (
    MAX_BAKED_IMAGE_BYTES,
    MAX_DECODED_BYTES,
    PNG_SIGNATURE,
    check_size,
    png_chunks,
    read_png_header,
)
from issuer.errors import UnsafeInput, ValidationFailed
from issuer.verify.fetch import Fetcher, FetchFailed

MAX_HOPS = 3
MAX_JSON_DEPTH = 64
MAX_JWS_BYTES = 1024 * 1024
COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
OB2_CONTEXTS = frozenset(
    {"https://w3id.org/openbadges/v2", "https://openbadgespec.org/v2/context.json"}
)
OB3_TYPES = frozenset({"VerifiableCredential", "OpenBadgeCredential", "AchievementCredential"})


class InputKind(enum.StrEnum):
    """How the badge reached the verifier (the outermost form)."""

    URL = "url"
    JSON = "json"
    JWS = "jws"
    PNG = "png"
    SVG = "svg"


class Version(enum.StrEnum):
    """Which Open Badges version a payload is."""

    OB2 = "ob2"
    OB3 = "ob3"


@dataclass(frozen=True)
class VerifyInput:
    """Exactly one of ``url``, ``credential`` or ``image``, and optionally an email to compare."""

    url: str | None = None
    credential: dict[str, Any] | str | None = None
    image: bytes | None = None
    recipient_email: str | None = None

    @classmethod
    def from_url(cls, url: str, *, recipient_email: str | None = None) -> VerifyInput:
        """A badge named by URL (hosted assertion, credential, JWS or baked image)."""
        return cls(url=url, recipient_email=recipient_email)

    @classmethod
    def from_credential(
        cls, credential: dict[str, Any] | str, *, recipient_email: str | None = None
    ) -> VerifyInput:
        """A badge given inline: a JSON object, or text holding JSON, a compact JWS or a URL."""
        return cls(credential=credential, recipient_email=recipient_email)

    @classmethod
    def from_image(cls, data: bytes, *, recipient_email: str | None = None) -> VerifyInput:
        """A baked PNG or SVG."""
        return cls(image=data, recipient_email=recipient_email)


@dataclass(frozen=True)
class Payload:
    """One badge to check: a JSON ``document`` or a compact JWS ``token`` (with its decoded parts).

    ``fetched_from`` is the URL the document was read from (hosted verification needs it) and
    ``status`` that answer's HTTP status (410 Gone means a revoked hosted assertion).
    """

    kind: InputKind
    version: Version
    document: dict[str, Any]
    token: str | None = None
    header: dict[str, Any] | None = None
    fetched_from: str | None = None
    status: int = 200


def read_input(raw: VerifyInput, fetch: Fetcher) -> Payload:
    """Turn the input into one payload; raises ValidationFailed/UnsafeInput/Fetch* for bad input."""
    given = [value for value in (raw.url, raw.credential, raw.image) if value is not None]
    if len(given) != 1:
        raise ValidationFailed(
            "Give exactly one of a URL, a credential or an image.", code="invalid_input"
        )
    if raw.url is not None:
        return _from_url(raw.url, InputKind.URL, fetch, hops=0)
    if raw.image is not None:
        return _from_image(raw.image, fetch)
    if isinstance(raw.credential, dict):
        return _from_document(raw.credential, InputKind.JSON)
    if isinstance(raw.credential, str):
        return _from_text(raw.credential, None, fetch, hops=0)
    raise ValidationFailed(
        "A credential is a JSON object or a compact JWS string.", code="invalid_input"
    )


def _from_text(text: str, kind: InputKind | None, fetch: Fetcher, *, hops: int) -> Payload:
    """A payload from text: JSON, a compact JWS, or a URL to fetch."""
    text = text.strip().lstrip("\ufeff")
    if text.startswith("{"):
        return _from_document(parse_json(text), kind or InputKind.JSON)
    if COMPACT_JWS.fullmatch(text):
        return from_token(text, kind or InputKind.JWS)
    if _URL.fullmatch(text):
        return _from_url(text, kind or InputKind.URL, fetch, hops=hops)
    raise ValidationFailed(
        "The input is not a badge: expected JSON, a compact JWS/JWT, a URL or an image.",
        code="not_a_badge",
    )


def _from_url(url: str, kind: InputKind, fetch: Fetcher, *, hops: int) -> Payload:
    """Fetch a URL and read what it answers (JSON, JWS text or a baked image)."""
    if hops >= MAX_HOPS:
        raise ValidationFailed(
            f"The badge leads through more than {MAX_HOPS} URLs.", code="too_many_hops"
        )
    answer = fetch(url)
    if answer.status == 410:
        return _gone(answer.body, kind, url)
    if not answer.ok:
        raise FetchFailed(
            f"{url} answered HTTP {answer.status}.", code="http_status", status=answer.status
        )
    body = answer.body
    if body.startswith(PNG_SIGNATURE):
        return _from_baked(unbake_png(body), kind, fetch, hops=hops + 1)
    if _looks_like_svg(body, answer.media_type):
        return _from_baked(unbake_svg(body), kind, fetch, hops=hops + 1)
    text = _utf8(body)
    stripped = text.strip()
    if stripped.startswith("{"):
        return _from_document(parse_json(body), kind, url, answer.status)
    if COMPACT_JWS.fullmatch(stripped):
        return from_token(stripped, kind)
    raise ValidationFailed(f"{url} did not answer a badge.", code="not_a_badge")


def _gone(body: bytes, kind: InputKind, url: str) -> Payload:
    """410 Gone: an OB 2.0 hosted assertion that was revoked (its body may say only that)."""
    document = parse_json(body) if body.lstrip().startswith(b"{") else {}
    if not isinstance(document, dict):
        document = {}
    check_depth(document)
    return Payload(kind, Version.OB2, document, fetched_from=url, status=410)


def _from_image(data: bytes, fetch: Fetcher) -> Payload:
    """Unbake a PNG or SVG (by its bytes, not a claimed type) and read the payload."""
    if data.startswith(PNG_SIGNATURE):
        refuse_png_bomb(data)
        return _from_baked(unbake_png(data), InputKind.PNG, fetch, hops=0)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _from_baked(unbake_svg(data), InputKind.SVG, fetch, hops=0)
    raise ValidationFailed("Only PNG and SVG badge images are accepted.", code="invalid_image")


def refuse_png_bomb(data: bytes) -> None:
    """Refuse a PNG whose pixels would decode huge, or whose data inflates beyond its size.

    Unbaking never decodes pixels, but a verifier should not vouch for a hostile file: the
    declared size is bounded, then the IDAT stream is inflated in bounded steps (and thrown
    away) only to compare its length with what the header declares.
    """
    check_size(data, MAX_BAKED_IMAGE_BYTES)
    chunks = png_chunks(data)
    header = read_png_header(data)
    bits = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(header.color_type, 4) * header.bit_depth
    row = 1 + -(-(header.width * bits) // 8)
    declared = header.height * row + (7 * header.height if header.interlaced else 0)
    if header.width * header.height * bits // 8 > MAX_DECODED_BYTES:
        raise UnsafeInput(
            f"The PNG declares {header.width}x{header.height} pixels; that is refused.",
            code="image_bomb",
        )
    inflater = zlib.decompressobj()
    produced = 0
    try:
        for ctype, start, end in chunks:
            pending = data[start + 8 : end - 4] if ctype == b"IDAT" else b""
            while pending and not inflater.eof:
                produced += len(inflater.decompress(pending, 1 << 20))
                if produced > declared + 2 * row:
                    raise UnsafeInput(
                        "The PNG's pixel data inflates beyond its declared size.",
                        code="image_bomb",
                    )
                pending = inflater.unconsumed_tail
    except zlib.error as error:
        raise ValidationFailed("The PNG's pixel data is corrupt.", code="invalid_image") from error


def _from_baked(
    found: dict[Keyword, str], kind: InputKind, fetch: Fetcher, *, hops: int
) -> Payload:
    """The payload baked in an image: the OB 3.0 credential when present, else the OB 2.0 one."""
    payload = found.get(Keyword.OB3) or found.get(Keyword.OB2)
    if payload is None:
        raise ValidationFailed(
            "The image carries no Open Badges payload (no openbadges/openbadgecredential data).",
            code="no_baked_badge",
        )
    return _from_text(payload, kind, fetch, hops=hops)


def _from_document(
    document: Any, kind: InputKind, fetched_from: str | None = None, status: int = 200
) -> Payload:
    """A payload from a JSON document, after the depth limit and version detection."""
    if not isinstance(document, dict):
        raise ValidationFailed("A badge document must be a JSON object.", code="not_a_badge")
    check_depth(document)
    return Payload(
        kind, detect_version(document), document, fetched_from=fetched_from, status=status
    )


def from_token(token: str, kind: InputKind) -> Payload:
    """A payload from a compact JWS, its header and payload decoded WITHOUT checking anything."""
    header, claims = decode_unverified(token)
    document = claims.get("vc") if isinstance(claims.get("vc"), dict) else claims
    version = detect_version(document)
    return Payload(kind, version, claims, token=token, header=header)


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and payload objects of a compact JWS, only to classify it and find its key."""
    if len(token) > MAX_JWS_BYTES:
        raise UnsafeInput(f"The JWS is larger than {MAX_JWS_BYTES} bytes.", code="jws_too_large")
    parts = token.split(".")
    if len(parts) != 3:
        raise ValidationFailed("A compact JWS has three parts.", code="malformed_jws")
    header, payload = (_b64_json(part) for part in parts[:2])
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValidationFailed(
            "The JWS header and payload must be JSON objects.", code="malformed_jws"
        )
    check_depth(payload)
    return header, payload


def detect_version(document: dict[str, Any]) -> Version:
    """OB 3.0 for a Verifiable Credential, OB 2.0 for an Assertion; anything else is refused."""
    types = set(strings(document.get("type")))
    contexts = set(strings(document.get("@context")))
    if types & OB3_TYPES or "credentialSubject" in document:
        return Version.OB3
    if "Assertion" in types or contexts & OB2_CONTEXTS or {"recipient", "badge"} <= set(document):
        return Version.OB2
    raise ValidationFailed(
        "The document is neither an Open Badges 2.0 Assertion nor a Verifiable Credential.",
        code="not_a_badge",
    )


def parse_json(data: bytes | str) -> Any:
    """Parse JSON (bytes or text); malformed or absurdly nested JSON is refused as input."""
    try:
        value = json.loads(data)
    except RecursionError as error:
        raise UnsafeInput("The JSON is nested too deeply.", code="json_too_deep") from error
    except (UnicodeDecodeError, ValueError) as error:
        raise ValidationFailed(
            f"The badge is not valid JSON: {error}", code="malformed_json"
        ) from error
    check_depth(value)
    return value


def check_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than ``limit`` (checked iteratively, before any recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise UnsafeInput(
                f"The JSON is nested deeper than {limit} levels.", code="json_too_deep"
            )
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def as_list(value: Any) -> list[Any]:
    """A JSON value as a list: None is empty, a scalar is one item."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def strings(value: Any) -> list[str]:
    """The strings among a JSON value or list (hostile input may nest objects anywhere)."""
    return [item for item in as_list(value) if isinstance(item, str)]


def _b64_json(part: str) -> Any:
    """A base64url JWS segment decoded to JSON."""
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw)
    except RecursionError as error:
        raise UnsafeInput("The JWS payload is nested too deeply.", code="json_too_deep") from error
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise ValidationFailed("A JWS part is not base64url JSON.", code="malformed_jws") from error


def _utf8(body: bytes) -> str:
    """Response text; bytes that are not UTF-8 are not a badge."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValidationFailed("The document is not UTF-8 text.", code="not_a_badge") from error


def _looks_like_svg(body: bytes, media_type: str) -> bool:
    """An SVG answer: declared as SVG/XML, or markup that is not JSON."""
    if media_type in ("image/svg+xml", "application/xml", "text/xml"):
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
