"""eddsa-rdfc-2022 proofs made fast for documents of a recurring shape, byte-identical to the
plain path (``data_integrity.sign_data_integrity``).

Profiling the plain path on our credentials: JSON-LD expansion is ~85% of the time (pyld
re-processes every type-scoped context of every node, for every document), RDFC-1.0 ~6% and
Ed25519 under 1%. Expansion depends only on a document's *shape* (its keys, its ``type`` and
``@``-keyword values, the JSON types of its leaves), not on its leaf values, except where a leaf
is expanded as an IRI. So the shape is expanded once with placeholder leaves ("sentinels") and
kept as a template; each document is expanded by putting its leaves into the template. Leaves in
IRI positions go in only when they are absolute http(s) IRIs (expanded to themselves); any other
value there is part of the cache key and expanded for real.

Turning the expanded document into an RDF dataset (pyld's node map and ``_graph_to_rdf``) was
then the largest cost, and it too depends only on the shape: the template's dataset is made once
with a unique placeholder IRI per leaf, and a document's dataset is the template's quads with its
leaves put back (``_DatasetTemplate``). Two things differ from running pyld per document, and
neither changes the canonical form: nodes sharing an id (which pyld's node map merges) stay
separate subjects with the same IRI, and repeated values (which the node map keeps once) are
dropped here as duplicate quads. An RDF dataset is a set, and RDFC-1.0 depends neither on blank
node labels nor on quad order. RDFC-1.0 runs per document as in the plain path. A differential
test over many generated credentials checks the proofs are byte-identical.
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
from pyld.jsonld import XSD_DOUBLE, IdentifierIssuer, JsonLdError, JsonLdProcessor

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
    relative_iri_error,
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


# Parts of a templated quad: a term shared by every document (never a blank node: RDFC-1.0
# relabels those in place), a blank node (a fresh term per document), or a leaf of the document.
_CONSTANT, _BLANK, _IRI_LEAF, _STRING_LEAF, _CONVERTED_LEAF = range(5)


@dataclass(frozen=True)
class _DatasetTemplate:
    """The RDF dataset of a shape, leaves left out: ``quads`` are (graph, subject, predicate,
    object) parts, each ``(kind, value, extra)`` as the constants above say."""

    quads: tuple[tuple[tuple[int, Any, Any], ...], ...]
    may_repeat: tuple[bool, ...]  # whether leaves could make the quad equal to another one


@dataclass(frozen=True)
class _Template:
    expanded: Any  # the expanded sentinel document, sentinels replaced by _Slot
    iri_slots: frozenset[int]  # leaves expanded as IRIs: must be absolute http(s) to go in
    literal_slots: frozenset[int]  # leaves seen nowhere we understand: expanded for real
    dataset: _DatasetTemplate | None = None  # None: the shape's dataset is made per document


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
        if template.dataset is not None:
            return _canonical_nquads(_dataset_of(template.dataset, leaves))
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
        literal_slots = frozenset({i for i, where in found.items() if where == "other"} | unseen)
        dataset = None
        if not literal_slots:
            dataset = self._dataset_template(template, leaves)
        return _Template(
            expanded=template,
            iri_slots=frozenset(i for i, where in found.items() if where == "iri"),
            literal_slots=literal_slots,
            dataset=dataset,
        )

    def _dataset_template(self, expanded: Any, leaves: list[Any]) -> _DatasetTemplate | None:
        """The shape's dataset with a placeholder IRI for each leaf, turned into quad templates;
        None when a placeholder ends up anywhere but whole in an IRI or a plain literal."""
        placeholders = [f"{_SENTINEL}{i}" for i in range(len(leaves))]
        values: dict[int, dict[str, Any]] = {}
        dataset = self._dataset(_instantiate(expanded, placeholders, values))
        check_dataset(dataset)
        slot_of = {placeholder: i for i, placeholder in enumerate(placeholders)}
        quads = []
        for name, triples in dataset.items():
            graph = None if name == "@default" else _graph_term(name)
            for triple in triples:
                terms = (graph, triple["subject"], triple["predicate"], triple["object"])
                parts = tuple(_part(term, slot_of, leaves, values) for term in terms)
                if any(part is None for part in parts[1:]) or (graph and parts[0] is None):
                    return None
                quads.append(parts)
        return _DatasetTemplate(quads=tuple(quads), may_repeat=_may_repeat(quads))

    def _from_expanded(self, expanded: Any) -> str:
        """Expanded JSON-LD -> dataset -> checks -> RDFC-1.0, as pyld's to_rdf does after expand."""
        dataset = self._dataset(expanded)
        check_dataset(dataset)
        return _canonical_nquads(dataset)

    def _dataset(self, expanded: Any) -> dict[str, list[dict[str, Any]]]:
        """pyld's to_rdf after expansion: the node map, then each graph's triples."""
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
            return {
                name: processor._graph_to_rdf(graph, issuer, options)
                for name, graph in sorted(node_map.items())
                if name == "@default" or jsonld._is_absolute_iri(name)
            }
        except JsonLdError as error:
            raise ValidationFailed(f"Invalid JSON-LD: {error}", code="jsonld_invalid") from error


def _canonical_nquads(dataset: dict[str, list[dict[str, Any]]]) -> str:
    nquads: str = BoundedURDNA2015().main(dataset, dict(_CANON_OPTIONS))
    return nquads


def _graph_term(name: str) -> dict[str, str]:
    return {"type": "blank node" if name.startswith("_:") else "IRI", "value": name}


def _part(
    term: dict[str, Any] | None,
    slot_of: Mapping[str, int],
    leaves: list[Any],
    values: Mapping[int, dict[str, Any]],
) -> tuple[int, Any, Any] | None:
    """One term of the template's dataset as a part; None if a placeholder is inside it."""
    if term is None:
        return None
    slot = slot_of.get(term["value"])
    if slot is None:
        if any(_SENTINEL in str(value) for value in term.values()):
            return None
        if term["type"] == "blank node":
            return (_BLANK, term["value"], ("blank node", term["value"]))
        return (_CONSTANT, term, _identity(term))
    if term["type"] == "IRI":
        return (_IRI_LEAF, slot, None)
    if term["type"] != "literal" or slot not in values:
        return None
    value_object = values[slot]
    leaf = leaves[slot]
    plain = isinstance(leaf, str) and not (
        value_object.keys() - {"@value", "@type", "@language", "@index"}
        or value_object.get("@type") in (XSD_DOUBLE, "@json")
    )
    if plain:
        extra = {key: term[key] for key in ("datatype", "language") if key in term}
        return (_STRING_LEAF, slot, (extra, term.get("datatype"), term.get("language")))
    return (_CONVERTED_LEAF, slot, value_object)


def _identity(term: Mapping[str, Any]) -> tuple[Any, ...]:
    """What makes two terms the same term (for dropping duplicate quads)."""
    return (term["type"], term["value"], term.get("datatype"), term.get("language"))


def _may_repeat(quads: list[tuple[Any, ...]]) -> tuple[bool, ...]:
    """For each quad, whether some document's leaves could make it equal to another quad of the
    template (only those need comparing per document). Quads without leaves are distinct, as
    pyld's node map made them."""
    flags = [False] * len(quads)
    by_predicate: dict[Any, list[int]] = {}  # predicates are constant IRIs: compare within one
    for index, quad in enumerate(quads):
        if quad[2][0] != _CONSTANT:
            return (True,) * len(quads)
        by_predicate.setdefault(quad[2][2], []).append(index)
    for indexes in by_predicate.values():
        for n, i in enumerate(indexes):
            for j in indexes[n + 1 :]:
                if all(_could_be_equal(a, b) for a, b in zip(quads[i], quads[j], strict=True)):
                    flags[i] = flags[j] = True
    return tuple(flags)


def _could_be_equal(a: tuple[int, Any, Any] | None, b: tuple[int, Any, Any] | None) -> bool:
    if a is None or b is None:
        return a is b
    if a[0] > b[0]:
        a, b = b, a
    kinds = (a[0], b[0])
    if kinds in ((_CONSTANT, _CONSTANT), (_BLANK, _BLANK)):
        return a[2] == b[2]
    if _BLANK in kinds:
        return False  # a leaf is an http(s) IRI or a literal, never a blank node
    if kinds == (_CONSTANT, _IRI_LEAF):
        return a[1]["type"] == "IRI"
    if kinds == (_IRI_LEAF, _IRI_LEAF):
        return True
    if _IRI_LEAF in kinds:
        return False  # an IRI against a literal
    if kinds == (_CONSTANT, _STRING_LEAF):
        return a[1]["type"] == "literal" and a[2][2:] == b[2][1:]
    if kinds == (_STRING_LEAF, _STRING_LEAF):
        return a[2][1:] == b[2][1:]
    return kinds[0] != _CONSTANT or a[1]["type"] == "literal"  # a converted literal: any literal


_CONVERT_OPTIONS = {"processingMode": "json-ld-1.1"}


def _dataset_of(template: _DatasetTemplate, leaves: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """A document's dataset from its shape's template: fresh blank-node terms, leaves put in,
    duplicate quads dropped (as pyld's node map drops repeated values)."""
    graphs: dict[str, list[dict[str, Any]]] = {"@default": []}
    seen: set[tuple[Any, ...]] = set()
    for quad, may_repeat in zip(template.quads, template.may_repeat, strict=True):
        terms: list[Any] = []
        key: list[Any] = []
        for part in quad:
            if part is None:
                terms.append(None)
                key.append(None)
                continue
            kind, value, extra = part
            if kind == _CONSTANT:
                terms.append(value)
                key.append(extra)
            elif kind == _BLANK:
                terms.append({"type": "blank node", "value": value})
                key.append(extra)
            elif kind == _IRI_LEAF:
                leaf = leaves[value]
                if leaf.startswith(RELATIVE_BASE):
                    raise relative_iri_error()
                terms.append({"type": "IRI", "value": leaf})
                key.append(("IRI", leaf))
            elif kind == _STRING_LEAF:
                leaf = leaves[value]
                fields, datatype, language = extra
                terms.append({"type": "literal", "value": leaf, **fields})
                key.append(("literal", leaf, datatype, language))
            else:
                item = {**extra, "@value": leaves[value]}
                term = _CONVERTER._object_to_rdf(item, None, [], _CONVERT_OPTIONS)
                terms.append(term)
                key.append(_identity(term))
        if may_repeat:
            identity = tuple(key)
            if identity in seen:
                continue
            seen.add(identity)
        graph, subject, predicate, obj = terms
        name = "@default" if graph is None else graph["value"]
        triple = {"subject": subject, "predicate": predicate, "object": obj}
        graphs.setdefault(name, []).append(triple)
    return graphs


_CONVERTER = JsonLdProcessor()  # stateless for value objects: converts a leaf as pyld does


def _shape(document: Any) -> tuple[Any, list[Any]]:
    """The cache key of a document's shape, and its leaves in a fixed (depth-first) order."""
    leaves: list[Any] = []

    def walk(value: Any, literal: bool) -> Any:
        kind = type(value)
        if kind is str or kind is int or kind is float:  # JSON's leaves, tested first (fast)
            if literal:
                return ("=", value)
            leaves.append(value)
            return kind.__name__
        if kind is dict or isinstance(value, Mapping):
            return (
                "{",
                tuple([(k, walk(v, k in LITERAL_KEYS or k[:1] == "@")) for k, v in value.items()]),
            )
        if kind is list or isinstance(value, list):
            return ("[", tuple([walk(item, literal) for item in value]))
        if literal or value is None or isinstance(value, bool):
            return ("=", value)
        leaves.append(value)
        return kind.__name__

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


def _instantiate(
    template: Any, leaves: list[Any], value_objects: dict[int, dict[str, Any]] | None = None
) -> Any:
    """The expanded document with its leaves put in; ``value_objects`` collects, per leaf that
    is an ``@value``, the value object it went into (its ``@type`` and ``@language``)."""
    if isinstance(template, _Slot):
        return leaves[template.index]
    if isinstance(template, dict):
        filled = {k: _instantiate(v, leaves, value_objects) for k, v in template.items()}
        slot = template.get("@value")
        if value_objects is not None and isinstance(slot, _Slot):
            value_objects[slot.index] = filled
        return filled
    if isinstance(template, list):
        return [_instantiate(item, leaves, value_objects) for item in template]
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
