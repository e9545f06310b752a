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
    try:
        info = validate_badge_image(data)
    except IssuerError as exc:
        fields = {field: exc.message}
        raise ValidationFailed(exc.message, fields=fields, code=exc.code) from None
    return ImageUpload(data=data, media_type=info.mime)
