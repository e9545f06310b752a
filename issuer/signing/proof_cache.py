"""eddsa-rdfc-2022 proofs made fast for documents of a recurring shape, byte-identical to the
plain path (``data_integrity.sign_data_integrity``).

Profiling the plain path on our credentials: JSON-LD expansion is ~85% of the time (pyld
re-processes every type-scoped context of every node, for every document), RDFC-1.0 ~6% and
Ed25519 under 1%. Expansion depends only on a document's *shape* (its keys, its ``type`` and
``@``-keyword values, the JSON types of its leaves), not on its leaf values, except where a leaf
is expanded as an IRI. So the shape is expanded once with placeholder leaves ("sentinels") and
kept as a template; each document is expanded by putting its leaves into the template. Leaves in
IRI positions go in only when they are absolute http(s) IRIs (expanded to themselves); any other
value there is part of the cache key and expanded for real. Turning the expanded document into
an RDF dataset, the safe-mode checks and RDFC-1.0 run per document as in the plain path.
A differential test over many generated credentials checks the proofs are byte-identical.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld
from pyld.jsonld import IdentifierIssuer, JsonLdError, JsonLdProcessor

from issuer.errors import IssuerError, SigningError, ValidationFailed
from issuer.openbadges.contexts import ContextLoader

# Shared with data_integrity so both paths run the same safe-mode checks and bounded RDFC.
from issuer.signing.data_integrity import (
    DATA_INTEGRITY_CONTEXTS,
    DATA_INTEGRITY_PROOF,
    EDDSA_RDFC_2022,
    RELATIVE_BASE,
    BoundedURDNA2015,
    canonicalize,
    check_dataset,
    sha256_of,
    xsd_datetime,
)
from issuer.signing.keys import PrivateKey
from issuer.signing.multibase import decode_base58btc, encode_base58btc

SHAPES = 128  # templates kept (each about the size of one expanded document)
LITERAL_KEYS = frozenset({"type"})  # the @type alias: its values pick type-scoped contexts
_SENTINEL = "https://leaf.invalid/"
_NUMBER_BASE = 10**15
_HTTP_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
_CANON_OPTIONS = {"format": "application/n-quads"}


@dataclass(frozen=True)
class _Slot:
    """Where leaf number ``index`` of the document goes in an expanded template."""

    index: int


@dataclass(frozen=True)
class _Template:
    expanded: Any  # the expanded sentinel document, sentinels replaced by _Slot
    iri_slots: frozenset[int]  # leaves expanded as IRIs: must be absolute http(s) to go in
    literal_slots: frozenset[int]  # leaves seen nowhere we understand: expanded for real


class TemplateCanonicalizer:
    """RDFC-1.0 canonical N-Quads like ``data_integrity.canonicalize``, with expansion cached
    per document shape. Thread-safe; the cache is bounded (least recently used goes first)."""

    def __init__(self, loader: ContextLoader, *, shapes: int = SHAPES) -> None:
        self.loader = loader
        self._templates: OrderedDict[Any, _Template] = OrderedDict()
        self._shapes = shapes
        self._lock = threading.Lock()

    def canonicalize(self, document: Mapping[str, Any]) -> str:
        """Canonical N-Quads; raises exactly what ``data_integrity.canonicalize`` raises."""
        shape, leaves = _shape(document)
        template = self._template(document, shape, leaves, ())
        fixed = _fixed_leaves(template, leaves)
        if fixed:
            template = self._template(document, shape, leaves, fixed)
            if _fixed_leaves(template, leaves):
                return canonicalize(document, self.loader)
        return self._from_expanded(_instantiate(template.expanded, leaves))

    def _template(self, document: Any, shape: Any, leaves: list[Any], fixed: Any) -> _Template:
        key = (shape, fixed)
        with self._lock:
            template = self._templates.get(key)
            if template is not None:
                self._templates.move_to_end(key)
                return template
        template = self._build(document, leaves, dict(fixed))
        with self._lock:
            self._templates[key] = template
            while len(self._templates) > self._shapes:
                self._templates.popitem(last=False)
        return template

    def _build(self, document: Any, leaves: list[Any], fixed: dict[int, Any]) -> _Template:
        """Expand the shape once, with sentinels for the leaves not in ``fixed``."""
        sentinels = [fixed.get(i, _sentinel(i, leaf)) for i, leaf in enumerate(leaves)]
        probe = _fill(document, iter(sentinels))
        canonicalize(probe, self.loader)  # the plain path's safe-mode checks, on the shape
        expanded = jsonld.expand(probe, {**self.loader.jsonld_options(), "base": RELATIVE_BASE})
        found: dict[int, str] = {}
        template = _slotted(expanded, _sentinel_index(sentinels, fixed), found, None)
        unseen = set(range(len(leaves))) - set(found) - set(fixed)
        return _Template(
            expanded=template,
            iri_slots=frozenset(i for i, where in found.items() if where == "iri"),
            literal_slots=frozenset({i for i, where in found.items() if where == "other"} | unseen),
        )

    def _from_expanded(self, expanded: Any) -> str:
        """Expanded JSON-LD -> dataset -> checks -> RDFC-1.0, as pyld's to_rdf does after expand."""
        processor = JsonLdProcessor()
        issuer = IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        options = {
            **self.loader.jsonld_options(),
            "base": RELATIVE_BASE,
            "produceGeneralizedRdf": True,
            "processingMode": "json-ld-1.1",
        }
        try:
            processor._create_node_map(expanded, node_map, "@default", issuer)
            dataset = {
                name: processor._graph_to_rdf(graph, issuer, options)
                for name, graph in sorted(node_map.items())
                if name == "@default" or jsonld._is_absolute_iri(name)
            }
        except JsonLdError as error:
            raise ValidationFailed(f"Invalid JSON-LD: {error}", code="jsonld_invalid") from error
        check_dataset(dataset)
        nquads: str = BoundedURDNA2015().main(dataset, dict(_CANON_OPTIONS))
        return nquads


def _shape(document: Any) -> tuple[Any, list[Any]]:
    """The cache key of a document's shape, and its leaves in a fixed (depth-first) order."""
    leaves: list[Any] = []

    def walk(value: Any, literal: bool) -> Any:
        if isinstance(value, Mapping):
            return (
                "{",
                tuple(
                    (k, walk(v, k in LITERAL_KEYS or k.startswith("@"))) for k, v in value.items()
                ),
            )
        if isinstance(value, list):
            return ("[", tuple(walk(item, literal) for item in value))
        if literal or value is None or isinstance(value, bool):
            return ("=", value)
        leaves.append(value)
        return type(value).__name__

    return walk(document, False), leaves


def _fill(document: Any, sentinels: Any) -> Any:
    """The document with its leaves (in ``_shape`` order) replaced from ``sentinels``."""

    def walk(value: Any, literal: bool) -> Any:
        if isinstance(value, Mapping):
            return {k: walk(v, k in LITERAL_KEYS or k.startswith("@")) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(item, literal) for item in value]
        if literal or value is None or isinstance(value, bool):
            return value
        return next(sentinels)

    return walk(document, False)


def _sentinel(index: int, leaf: Any) -> Any:
    """A unique placeholder of the leaf's JSON type; strings are http(s) IRIs (expand to self)."""
    if isinstance(leaf, str):
        return f"{_SENTINEL}{index}"
    if isinstance(leaf, int):
        return _NUMBER_BASE + index
    return _NUMBER_BASE + index + 0.5


def _sentinel_index(sentinels: list[Any], fixed: Mapping[int, Any]) -> dict[Any, int]:
    return {(type(value).__name__, value): i for i, value in enumerate(sentinels) if i not in fixed}


def _slotted(
    value: Any, index: Mapping[Any, int], found: dict[int, str], parent: str | None
) -> Any:
    """Replace sentinels in the expanded document by slots, noting the position of each."""
    if isinstance(value, dict):
        return {k: _slotted(v, index, found, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_slotted(item, index, found, parent) for item in value]
    slot = index.get((type(value).__name__, value)) if not isinstance(value, bool) else None
    if slot is None:
        return value
    where = "value" if parent == "@value" else "iri" if parent in ("@id", "@type") else "other"
    if found.get(slot, where) != where:
        where = "other"
    found[slot] = where
    return _Slot(slot)


def _fixed_leaves(template: _Template, leaves: list[Any]) -> tuple[tuple[int, Any], ...]:
    """Leaves that must be expanded for real: non-http(s) values in IRI positions, and unknowns."""
    fixed = [i for i in template.iri_slots if not _is_http_iri(leaves[i])]
    fixed += list(template.literal_slots)
    return tuple((i, leaves[i]) for i in sorted(fixed))


def _is_http_iri(value: Any) -> bool:
    return isinstance(value, str) and _HTTP_IRI.match(value) is not None


def _instantiate(template: Any, leaves: list[Any]) -> Any:
    if isinstance(template, _Slot):
        return leaves[template.index]
    if isinstance(template, dict):
        return {k: _instantiate(v, leaves) for k, v in template.items()}
    if isinstance(template, list):
        return [_instantiate(item, leaves) for item in template]
    return template


class CachedSigner:
    """Sign (and verify) eddsa-rdfc-2022 proofs through a ``TemplateCanonicalizer``."""

    def __init__(self, loader: ContextLoader, *, shapes: int = SHAPES) -> None:
        self.loader = loader
        self.canonicalizer = TemplateCanonicalizer(loader, shapes=shapes)

    def sign(
        self,
        document: Mapping[str, Any],
        private_key: PrivateKey,
        verification_method: str,
        created: datetime,
    ) -> dict[str, Any]:
        """The document with a DataIntegrityProof in a one-element array, as
        ``sign_data_integrity(..., proof_as_list=True)`` makes it; raises as that does."""
        if not isinstance(private_key, Ed25519PrivateKey):
            raise SigningError("eddsa-rdfc-2022 signs with an Ed25519 key.", code="key_unsupported")
        if "proof" in document:
            raise ValidationFailed("The document already has a proof.", code="document_has_proof")
        contexts = document.get("@context")
        if not DATA_INTEGRITY_CONTEXTS & set(
            contexts if isinstance(contexts, list) else [contexts]
        ):
            raise ValidationFailed(
                "DataIntegrityProof needs the VC 2.0 or Data Integrity context in @context.",
                code="missing_di_context",
            )
        proof = {
            "type": DATA_INTEGRITY_PROOF,
            "cryptosuite": EDDSA_RDFC_2022,
            "created": xsd_datetime(created),
            "verificationMethod": verification_method,
            "proofPurpose": "assertionMethod",
        }
        proof["proofValue"] = encode_base58btc(private_key.sign(self._hash_data(document, proof)))
        return {**document, "proof": [proof]}

    def verify(
        self, document: Mapping[str, Any], resolve_public_key: Callable[[str], Ed25519PublicKey]
    ) -> bool:
        """Whether every eddsa-rdfc-2022 proof on one of OUR documents verifies (a fast path for
        re-checking what we issued; other issuers' badges go through ``verify_data_integrity``)."""
        proofs = document.get("proof")
        proofs = proofs if isinstance(proofs, list) else [proofs]
        unsecured = {key: value for key, value in document.items() if key != "proof"}
        try:
            return bool(proofs) and all(
                self._verify_one(unsecured, proof, resolve_public_key) for proof in proofs
            )
        except (IssuerError, KeyError, TypeError):
            return False

    def _verify_one(
        self, unsecured: Mapping[str, Any], proof: Any, resolve: Callable[[str], Ed25519PublicKey]
    ) -> bool:
        if not isinstance(proof, dict) or (
            proof.get("type"),
            proof.get("cryptosuite"),
            proof.get("proofPurpose"),
        ) != (DATA_INTEGRITY_PROOF, EDDSA_RDFC_2022, "assertionMethod"):
            return False
        options = {key: value for key, value in proof.items() if key != "proofValue"}
        signature = decode_base58btc(proof["proofValue"])
        try:
            resolve(proof["verificationMethod"]).verify(
                signature, self._hash_data(unsecured, options)
            )
        except InvalidSignature:
            return False
        return True

    def _hash_data(self, document: Mapping[str, Any], proof: Mapping[str, Any]) -> bytes:
        config = {**proof, "@context": document.get("@context")}
        canonical = self.canonicalizer.canonicalize
        return sha256_of(canonical(config)) + sha256_of(canonical(document))


_SHARED: dict[Path, CachedSigner] = {}
_SHARED_LOCK = threading.Lock()


def shared_signer(contexts_dir: Path) -> CachedSigner:
    """The process's signer for the vendored contexts in ``contexts_dir``.

    Templates depend only on the contexts, so every app in a process (gunicorn threads, the many
    apps a test run starts) shares one signer and its warm templates."""
    key = Path(contexts_dir).resolve()
    with _SHARED_LOCK:
        signer = _SHARED.get(key)
        if signer is None:
            signer = _SHARED[key] = CachedSigner(ContextLoader(key))
        return signer
