"""Badge image baking and unbaking (Open Badges 2.0 and 3.0, PNG and SVG) and upload checks.

Bytes in, bytes or plain values out: no Flask, no SQLAlchemy. Errors are ``issuer.errors``
classes: ``ValidationFailed`` (invalid_image, invalid_payload) and ``UnsafeInput``
(image_too_large, image_bomb, too_many_chunks, chunk_too_large, baked_payload_too_large,
svg_entities, svg_script).
"""

from issuer.baking.limits import ImageInfo, validate_badge_image
from issuer.baking.png import Keyword, bake_png, unbake_png
from issuer.baking.svg import bake_svg, unbake_svg

__all__ = [
    "ImageInfo",
    "Keyword",
    "bake_png",
    "bake_svg",
    "unbake_png",
    "unbake_svg",
    "validate_badge_image",
]
