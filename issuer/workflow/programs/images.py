"""Badge images given as data: URLs, checked before anything is stored."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from issuer.baking import validate_badge_image
from issuer.errors import IssuerError, ValidationFailed

_DATA_URL = re.compile(
    r"^data:(?P<type>[\w.+-]+/[\w.+-]+)(?P<params>(;[\w-]+=[\w.-]+)*);base64,(?P<data>.*)$", re.S
)


@dataclass(frozen=True)
class ImageUpload:
    """A validated PNG or SVG image."""

    data: bytes
    media_type: str


def image_from_data_url(value: str, field: str = "image") -> ImageUpload:
    """Decode and validate a ``data:image/png;base64,...`` (or SVG) URL; errors name ``field``."""
    match = _DATA_URL.match(value.strip())
    if not match:
        raise ValidationFailed(fields={field: "must be a base64 data: URL of a PNG or SVG image"})
    try:
        data = base64.b64decode(match["data"], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(fields={field: "is not valid base64"}) from None
    return image_from_bytes(data, field)


def image_from_bytes(data: bytes, field: str = "image") -> ImageUpload:
    """Validate an uploaded file's bytes as a PNG or SVG badge image (a hostile SVG, a
    decompression bomb or another type is refused); errors name ``field``."""
    try:
        info = validate_badge_image(data)
    except IssuerError as exc:
        fields = {field: exc.message}
        raise ValidationFailed(exc.message, fields=fields, code=exc.code) from None
    return ImageUpload(data=data, media_type=info.mime)


def data_url(image: ImageUpload) -> str:
    """The image as a base64 ``data:`` URL (a page shows a draft's image, or keeps an upload)."""
    encoded = base64.b64encode(image.data).decode("ascii")
    return f"data:{image.media_type};base64,{encoded}"
