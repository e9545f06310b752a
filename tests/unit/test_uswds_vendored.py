"""The vendored U.S. Web Design System (static/uswds): the bytes its MANIFEST records, and every
font and image its CSS asks for is there (nothing is fetched from elsewhere at run time)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

USWDS = Path(__file__).resolve().parents[2] / "static" / "uswds"
LISTED = re.compile(r"^(?P<sha256>[0-9a-f]{64})  \./(?P<path>\S+)$", re.M)


def recorded() -> dict[str, str]:
    text = (USWDS / "MANIFEST.md").read_text(encoding="utf-8")
    return {m["path"]: m["sha256"] for m in LISTED.finditer(text)}


def test_every_vendored_file_has_the_bytes_its_manifest_records():
    on_disk = {
        str(p.relative_to(USWDS)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in USWDS.rglob("*")
        if p.is_file() and p.name != "MANIFEST.md"
    }
    assert on_disk == recorded()


def test_every_url_in_the_stylesheet_is_a_vendored_file_or_an_unused_hero():
    css = (USWDS / "css" / "uswds.min.css").read_text(encoding="utf-8")
    urls = {u.strip("\"'") for u in re.findall(r"url\(([^)]+)\)", css)}
    missing = {
        u for u in urls if not u.startswith("data:") and not (USWDS / "css" / u).resolve().is_file()
    }
    assert missing == {"../img/hero.jpg"}  # only .usa-hero uses it, and no page does
