"""The offline JSON-LD loader: vendored bytes match the manifest, nothing else is served."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from issuer.errors import UnsafeInput
from issuer.openbadges.contexts import ContextLoader
from issuer.signing.data_integrity import canonicalize
from tests.vendored import recorded_context_sha256

ROOT = Path(__file__).resolve().parents[2]
CONTEXTS = ROOT / "schemas" / "contexts"
MANIFEST = json.loads((CONTEXTS / "manifest.json").read_text())["contexts"]
# The steering side's record of the same contexts (sha256 per file), made apart from manifest.json.
RECORDED_SHA256 = recorded_context_sha256()
EXAMPLES_URL = "https://www.w3.org/ns/credentials/examples/v2"
EXAMPLES = json.loads(
    (ROOT / "tests/fixtures/signing/contexts/credentials-examples-v2.jsonld").read_text()
)
REQUIRED_URLS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    "https://www.w3.org/ns/credentials/status/v1",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/multikey/v1",
    "https://w3id.org/security/suites/ed25519-2020/v1",
    "https://w3id.org/openbadges/v2",
    "https://openbadgespec.org/v2/context.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
]


@pytest.fixture(scope="module")
def loader() -> ContextLoader:
    return ContextLoader(CONTEXTS)


@pytest.mark.parametrize("url", sorted(MANIFEST))
def test_vendored_file_matches_manifest_sha256(url: str) -> None:
    entry = MANIFEST[url]
    assert hashlib.sha256((CONTEXTS / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]


@pytest.mark.parametrize("url", sorted(MANIFEST))
def test_manifest_entry_names_its_source(url: str) -> None:
    assert MANIFEST[url]["source"].strip()


def test_every_vendored_file_is_in_the_manifest() -> None:
    files = {path.name for path in CONTEXTS.glob("*.json*") if path.name != "manifest.json"}
    assert files == {entry["file"] for entry in MANIFEST.values()}


@pytest.mark.parametrize("url", sorted(MANIFEST))
def test_vendored_file_has_the_sha256_the_steering_record_gives(url: str) -> None:
    name = MANIFEST[url]["file"]
    assert hashlib.sha256((CONTEXTS / name).read_bytes()).hexdigest() == RECORDED_SHA256[name]


@pytest.mark.parametrize("url", REQUIRED_URLS)
def test_loader_serves_required_url(loader: ContextLoader, url: str) -> None:
    assert "@context" in loader(url, {})["document"]


def test_openbadges_v2_aliases_serve_the_same_document(loader: ContextLoader) -> None:
    first = loader("https://w3id.org/openbadges/v2", {})["document"]
    assert first == loader("https://openbadgespec.org/v2/context.json", {})["document"]


def test_vendored_document_is_tagged_static(loader: ContextLoader) -> None:
    remote = loader("https://www.w3.org/ns/credentials/v2", {})
    assert (remote["tag"], remote["documentUrl"], remote["contextUrl"]) == (
        "static",
        "https://www.w3.org/ns/credentials/v2",
        None,
    )


def test_unknown_url_is_refused_without_fetching(loader: ContextLoader) -> None:
    with pytest.raises(UnsafeInput) as caught:
        loader("https://evil.example/context.jsonld", {})
    assert caught.value.code == "unknown_context"


def test_returned_document_is_a_copy(loader: ContextLoader) -> None:
    loader("https://www.w3.org/ns/credentials/v2", {})["document"]["@context"] = "changed"
    assert loader("https://www.w3.org/ns/credentials/v2", {})["document"]["@context"] != "changed"


def test_tampered_file_is_refused_at_start(tmp_path: Path) -> None:
    copy = tmp_path / "contexts"
    shutil.copytree(CONTEXTS, copy)
    target = copy / MANIFEST["https://www.w3.org/ns/credentials/v2"]["file"]
    target.write_bytes(target.read_bytes().replace(b"issuer", b"isuser", 1))
    with pytest.raises(UnsafeInput) as caught:
        ContextLoader(copy)
    assert caught.value.code == "context_hash_mismatch"


def test_missing_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeInput) as caught:
        ContextLoader(tmp_path)
    assert caught.value.code == "context_manifest_invalid"


def test_extra_context_is_served_static() -> None:
    loader = ContextLoader(CONTEXTS, extra_contexts={EXAMPLES_URL: EXAMPLES})
    assert loader(EXAMPLES_URL, {})["tag"] == "static"


def test_resolve_other_answers_are_not_cached() -> None:
    loader = ContextLoader(
        CONTEXTS, resolve_other=lambda url: EXAMPLES if "example" in url else None
    )
    assert loader(EXAMPLES_URL, {})["tag"] is None


def test_resolve_other_returning_none_is_refused() -> None:
    loader = ContextLoader(CONTEXTS, resolve_other=lambda url: None)
    with pytest.raises(UnsafeInput) as caught:
        loader(EXAMPLES_URL, {})
    assert caught.value.code == "unknown_context"


def test_one_loaders_cached_context_never_serves_another() -> None:
    document = {"@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES_URL], "name": "x"}
    canonicalize(document, ContextLoader(CONTEXTS, extra_contexts={EXAMPLES_URL: EXAMPLES}))
    with pytest.raises(UnsafeInput) as caught:
        canonicalize(document, ContextLoader(CONTEXTS))
    assert caught.value.code == "unknown_context"
