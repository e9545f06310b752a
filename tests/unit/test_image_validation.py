"""Uploaded program images: real PNG or SVG only, bounded in bytes, pixels and decoded size,
checked without ever decoding a bomb; SVG without DTDs, entities or scripts."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest
from PIL import Image

from issuer.baking import ImageInfo, bake_png, bake_svg, validate_badge_image
from issuer.baking.limits import MAX_IMAGE_BYTES
from issuer.errors import IssuerError, UnsafeInput, ValidationFailed

IMAGES = Path(__file__).parents[1] / "fixtures" / "images"


def read(name: str) -> bytes:
    return (IMAGES / name).read_bytes()


def test_real_png_is_accepted_with_its_size() -> None:
    assert validate_badge_image(read("badge.png")) == ImageInfo("image/png", 64, 64)


def test_real_svg_is_accepted_with_its_size() -> None:
    assert validate_badge_image(read("badge.svg")) == ImageInfo("image/svg+xml", 64, 64)


def test_interlaced_png_is_accepted_and_pillow_agrees_it_is_real() -> None:
    data = read("interlaced.png")
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.size == (13, 7)
    assert validate_badge_image(data) == ImageInfo("image/png", 13, 7)


def test_baked_images_are_still_valid_images() -> None:
    assert validate_badge_image(bake_png(read("badge.png"), "https://badges.test/a/1")).width == 64
    assert validate_badge_image(bake_svg(read("badge.svg"), "https://badges.test/a/1")).width == 64


def test_svg_size_falls_back_to_the_viewbox_for_relative_lengths() -> None:
    relative = read("badge.svg").replace(b'width="64" height="64"', b'width="100%" height="2em"')
    assert validate_badge_image(relative) == ImageInfo("image/svg+xml", 64, 64)


def test_svg_without_any_size_is_accepted_with_unknown_size() -> None:
    bare = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'
    assert validate_badge_image(bare) == ImageInfo("image/svg+xml", None, None)


@pytest.mark.parametrize(
    ("name", "error", "code"),
    [
        ("bomb-dimensions.png", UnsafeInput, "image_too_large"),
        ("deep-colour.png", UnsafeInput, "image_too_large"),
        ("bomb-zlib.png", UnsafeInput, "image_bomb"),
        ("huge-canvas.svg", UnsafeInput, "image_too_large"),
        ("billion-laughs.svg", UnsafeInput, "svg_entities"),
        ("external-entity.svg", UnsafeInput, "svg_entities"),
        ("script.svg", UnsafeInput, "svg_script"),
        ("onload.svg", UnsafeInput, "svg_script"),
        ("javascript-href.svg", UnsafeInput, "svg_script"),
        ("foreign-object.svg", UnsafeInput, "svg_script"),
        ("truncated.png", ValidationFailed, "invalid_image"),
        ("bad-crc.png", ValidationFailed, "invalid_image"),
        ("short-pixels.png", ValidationFailed, "invalid_image"),
        ("palette-without-plte.png", ValidationFailed, "invalid_image"),
        ("not-svg-root.svg", ValidationFailed, "invalid_image"),
        ("latin1.svg", ValidationFailed, "invalid_image"),
        ("not-an-image.txt", ValidationFailed, "invalid_image"),
    ],
)
def test_hostile_or_broken_image_is_refused(name: str, error: type[IssuerError], code: str) -> None:
    with pytest.raises(error) as caught:
        validate_badge_image(read(name))
    assert caught.value.code == code


def test_upload_over_the_byte_cap_is_refused_before_parsing() -> None:
    with pytest.raises(UnsafeInput) as caught:
        validate_badge_image(read("badge.png") + bytes(MAX_IMAGE_BYTES))
    assert caught.value.code == "image_too_large"


def test_zlib_bomb_is_refused_without_inflating_it() -> None:
    data = read("bomb-zlib.png")  # inflates to 10 MiB
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeInput):
            validate_badge_image(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024  # inflating it would take 10 MiB


def test_error_messages_say_what_is_wrong() -> None:
    with pytest.raises(UnsafeInput, match="100000x100000.*4096x4096"):
        validate_badge_image(read("bomb-dimensions.png"))
    with pytest.raises(UnsafeInput, match="onload"):
        validate_badge_image(read("onload.svg"))
