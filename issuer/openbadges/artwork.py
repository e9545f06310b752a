"""Badge artwork when a program has no image, and the PNG/SVG pair every award is baked into.

Every award is published as a baked PNG and a baked SVG. An uploaded PNG is wrapped in a small SVG
(an ``<image>`` with a data: URL); an uploaded SVG is used as is, with generated PNG artwork beside it
(rasterising SVG would need a native renderer). Without an upload both are generated from the name.
The name is people's text: it enters the SVG only through ``issuer.baking.markup``.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from issuer.baking.markup import xml_attribute, xml_text
from issuer.config import STATIC_DIR

SIZE = 256
_PALETTE = ["#1f4e79", "#2e7d32", "#6a1b9a", "#b71c1c", "#e65100", "#00695c", "#37474f", "#4527a0"]


@dataclass(frozen=True)
class BadgeArtwork:
    png: bytes
    svg: bytes


def initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:3]).upper() or "MC"


def _color(name: str) -> str:
    return _PALETTE[hashlib.sha256(name.encode()).digest()[0] % len(_PALETTE)]


@lru_cache(maxsize=256)
def generated_png(name: str) -> bytes:
    """A round badge in a colour derived from the name, with its initials."""
    color = _color(name)
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=color, outline="#f5c518", width=10)
    font = ImageFont.truetype(str(STATIC_DIR / "fonts" / "DejaVuSans-Bold.ttf"), 72)
    draw.text((SIZE / 2, SIZE / 2), initials(name), fill="white", anchor="mm", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def generated_svg(name: str) -> bytes:
    """The round badge of ``generated_png`` as SVG, titled with the name."""
    color = _color(name)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
        f'viewBox="0 0 {SIZE} {SIZE}" role="img" aria-label={xml_attribute(name)}>'
        f"<title>{xml_text(name)}</title>"
        f'<circle cx="128" cy="128" r="115" fill="{color}" stroke="#f5c518" stroke-width="10"/>'
        f'<text x="128" y="152" font-family="sans-serif" font-size="72" font-weight="bold" '
        f'text-anchor="middle" fill="#fff">{xml_text(initials(name))}</text></svg>'
    ).encode()


def svg_wrapping_png(png: bytes, name: str, width: int, height: int) -> bytes:
    """An SVG showing the PNG unchanged (embedded as a data: URL)."""
    data = base64.b64encode(png).decode()
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f"aria-label={xml_attribute(name)}><title>{xml_text(name)}</title>"
        f'<image width="{width}" height="{height}" xlink:href="data:image/png;base64,{data}"/></svg>'
    ).encode()


def badge_artwork(
    name: str, image: bytes | None, media_type: str | None, size: tuple[int, int] | None
) -> BadgeArtwork:
    """The PNG and SVG an award of this badge is baked into."""
    if image is not None and media_type == "image/png":
        width, height = size or (SIZE, SIZE)
        return BadgeArtwork(png=image, svg=svg_wrapping_png(image, name, width, height))
    if image is not None and media_type == "image/svg+xml":
        return BadgeArtwork(png=generated_png(name), svg=image)
    return BadgeArtwork(png=generated_png(name), svg=generated_svg(name))
