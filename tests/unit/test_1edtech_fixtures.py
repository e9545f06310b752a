"""The suite's copies of 1EdTech's reference files are the bytes their manifest records."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.vendored import ONEEDTECH_DIR

ROW = re.compile(r"^\| (?P<file>[\w./-]+) \|.*\| `(?P<sha256>[0-9a-f]{64})` \|$", re.MULTILINE)
RECORDED = {
    match["file"]: match["sha256"]
    for match in ROW.finditer((ONEEDTECH_DIR / "MANIFEST.md").read_text(encoding="utf-8"))
}


def test_manifest_records_files() -> None:
    assert len(RECORDED) >= 7


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_copy_matches_its_recorded_sha256(name: str) -> None:
    assert hashlib.sha256((ONEEDTECH_DIR / name).read_bytes()).hexdigest() == RECORDED[name]


def test_every_copy_is_in_the_manifest() -> None:
    files = {
        str(path.relative_to(ONEEDTECH_DIR))
        for path in ONEEDTECH_DIR.rglob("*")
        if path.is_file() and path.name != "MANIFEST.md"
    }
    assert files == set(RECORDED)
