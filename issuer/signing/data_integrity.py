"""W3C Data Integrity proofs: ``eddsa-rdfc-2022`` create and verify, ``Ed25519Signature2020`` verify.

Both suites hash the same way (vc-di-eddsa §3.3 and appendix): the proof options without
``proofValue``, given the document's ``@context``, and the document without ``proof`` are each
canonicalized with RDFC-1.0 (URDNA2015) into N-Quads; hashData = sha256(proof config) ||
sha256(document); the Ed25519 signature of hashData, multibase base58btc, is the ``proofValue``.

Canonicalization runs in "safe mode" like jsonld.js, which pyld does not offer: a term no context
defines (pyld would drop it silently, leaving it unsigned) and an IRI that stays relative (pyld
would resolve it against a made-up base) are refused instead. Bad signatures are answers, not
exceptions: ``verify_data_integrity`` returns a ``DataIntegrityResult``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld.canon import URDNA2015
from pyld.jsonld import JsonLdError, JsonLdProcessor

from issuer.errors import IssuerError, SigningError, UnsafeInput, ValidationFailed
from issuer.openbadges.contexts import ContextLoader
from issuer.signing.multibase import decode_base58btc, encode_base58btc

DATA_INTEGRITY_PROOF = "DataIntegrityProof"
EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
ED25519_SIGNATURE_2020 = "Ed25519Signature2020"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
# A DataIntegrityProof is only defined when the document uses one of these contexts.
DATA_INTEGRITY_CONTEXTS = frozenset(
    {
        "https://www.w3.org/ns/credentials/v2",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/data-integrity/v1",
    }
)
# Relative IRIs are resolved against this reserved (.invalid) base, then refused if they appear.
RELATIVE_BASE = "https://relative-reference.invalid/"
_XSD_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_SIGNATURE_LENGTH = 64
# The language-tag shape jsonld.js checks (BCP 47, loosely).
_BCP47 = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")

PublicKeyResolver = Callable[[str], Ed25519PublicKey]


@dataclass(frozen=True)
class ProofResult:
    """The outcome for one proof; ``code`` is a stable reason when ``verified`` is false."""

    verified: bool
    code: str | None
    reason: str
    proof_type: str | None = None
    verification_method: str | None = None


@dataclass(frozen=True)
class DataIntegrityResult:
    """The outcome for a document: verified only when it has proofs and every one verifies."""

    verified: bool
    code: str | None
    reason: str
    proofs: tuple[ProofResult, ...] = ()


def canonicalize(document: Mapping[str, Any], loader: ContextLoader) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, offline and in safe mode.

    Raises ValidationFailed with code ``undefined_term``, ``relative_iri``,
    ``blank_node_predicate``, ``invalid_language``, ``unsupported_direction`` or
    ``jsonld_invalid``; UnsafeInput with ``unknown_context`` (from the loader), ``jsonld_too_deep``
    or ``canonicalization_too_costly`` (a blank-node graph built to make RDFC-1.0 run for ever).
    """
    if _uses_direction(document):
        raise ValidationFailed(
            "@direction is not supported (JSON-LD safe mode refuses it without rdfDirection).",
            code="unsupported_direction",
        )
    processor = JsonLdProcessor(on_property_dropped=_refuse_dropped_property)
    # Generalized RDF keeps blank-node predicates in the dataset so that they can be refused.
    options = {**loader.jsonld_options(), "base": RELATIVE_BASE, "produceGeneralizedRdf": True}
    try:
        dataset = processor.to_rdf(dict(document), options)
        check_dataset(dataset)
        nquads: str = BoundedURDNA2015().main(dataset, {"format": "application/n-quads"})
    except JsonLdError as error:
        behind = _issuer_error_behind(error)
        if behind is not None:
            raise behind from None  # e.g. the loader's unknown_context, already ours
        raise _jsonld_failure(error) from error
    except RecursionError as error:
        raise UnsafeInput("The document is nested too deeply.", code="jsonld_too_deep") from error
    return nquads


def sign_data_integrity(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    loader: ContextLoader,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    *,
    proof_as_list: bool = False,
) -> dict[str, Any]:
    """Return a copy of ``document`` with an ``eddsa-rdfc-2022`` DataIntegrityProof added.

    ``proof_as_list`` puts the proof in a one-element array (the 1EdTech OB 3.0 schema wants an
    array). Raises ValidationFailed (``document_has_proof``, ``missing_di_context`` or a
    canonicalization code, see ``canonicalize``), UnsafeInput (``unknown_context``) or
    SigningError (``key_unsupported``).
    """
    if not isinstance(private_key, Ed25519PrivateKey):
        raise SigningError("eddsa-rdfc-2022 signs with an Ed25519 key.", code="key_unsupported")
    if "proof" in document:
        raise ValidationFailed("The document already has a proof.", code="document_has_proof")
    if not DATA_INTEGRITY_CONTEXTS & set(_context_urls(document)):
        raise ValidationFailed(
            "DataIntegrityProof needs the VC 2.0 or Data Integrity context in @context.",
            code="missing_di_context",
        )
    proof = {
        "type": DATA_INTEGRITY_PROOF,
        "cryptosuite": EDDSA_RDFC_2022,
        "created": xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    hash_data = _hash_data(document, proof, loader)
    proof["proofValue"] = encode_base58btc(private_key.sign(hash_data))
    return {**document, "proof": [proof] if proof_as_list else proof}


def verify_data_integrity(
    document: Mapping[str, Any],
    resolve_public_key: PublicKeyResolver,
    loader: ContextLoader,
    *,
    proof_purpose: str = "assertionMethod",
    now: datetime | None = None,
) -> DataIntegrityResult:
    """Check every ``eddsa-rdfc-2022`` or ``Ed25519Signature2020`` proof on a document.

    ``resolve_public_key(verification_method)`` returns the Ed25519 key that method names, after
    checking that the issuer controls it for ``proof_purpose``; an IssuerError it raises becomes
    the answer ``verification_method_unresolved``. Never raises for a bad or tampered document.
    """
    if not isinstance(document, Mapping) or "proof" not in document:
        return _document_result(
            (ProofResult(False, "missing_proof", "The document has no proof."),)
        )
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    if not proofs:
        return _document_result((ProofResult(False, "missing_proof", "The proof set is empty."),))
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    check = _ProofCheck(unsecured, resolve_public_key, loader, proof_purpose, now)
    return _document_result(tuple(check.run(proof) for proof in proofs))


class _ProofCheck:
    """Verification of the proofs on one document; the document is canonicalized once."""

    def __init__(
        self,
        unsecured: dict[str, Any],
        resolve_public_key: PublicKeyResolver,
        loader: ContextLoader,
        proof_purpose: str,
        now: datetime | None,
    ) -> None:
        self._unsecured = unsecured
        self._resolve = resolve_public_key
        self._loader = loader
        self._purpose = proof_purpose
        self._now = now
        self._document_hash: bytes | None = None

    def run(self, proof: Any) -> ProofResult:
        """Verify one proof; every failure is a ProofResult with a code."""
        try:
            signature, method = self._checked_shape(proof)
            hash_data = self._hash_data(proof)
            public_key = self._public_key(method)
        except _Refused as refused:
            return ProofResult(False, refused.code, refused.reason, _type_of(proof), _vm_of(proof))
        try:
            public_key.verify(signature, hash_data)
        except InvalidSignature:
            return ProofResult(
                False, "bad_signature", "The signature does not match.", proof["type"], method
            )
        return ProofResult(True, None, "The signature matches.", proof["type"], method)

    def _checked_shape(self, proof: Any) -> tuple[bytes, str]:
        if not isinstance(proof, dict):
            raise _Refused("malformed_proof", "A proof must be an object.")
        _check_suite(proof, self._unsecured)
        if proof.get("proofPurpose") != self._purpose:
            raise _Refused("proof_purpose_mismatch", f"The proof purpose is not {self._purpose}.")
        method = proof.get("verificationMethod")
        if not isinstance(method, str) or not method:
            raise _Refused("malformed_proof", "verificationMethod must be a URL.")
        _check_dates(proof, self._now)
        _check_proof_context(proof, self._unsecured)
        return _signature_bytes(proof.get("proofValue")), method

    def _hash_data(self, proof: dict[str, Any]) -> bytes:
        options = {
            key: value for key, value in proof.items() if key not in ("proofValue", "@context")
        }
        try:
            if self._document_hash is None:
                self._document_hash = sha256_of(canonicalize(self._unsecured, self._loader))
            config = {**options, "@context": self._unsecured.get("@context")}
            return sha256_of(canonicalize(config, self._loader)) + self._document_hash
        except IssuerError as error:
            raise _Refused(error.code, error.message) from error

    def _public_key(self, method: str) -> Ed25519PublicKey:
        try:
            key = self._resolve(method)
        except IssuerError as error:
            raise _Refused("verification_method_unresolved", error.message) from error
        if not isinstance(key, Ed25519PublicKey):
            raise _Refused("key_unsupported", "The verification method is not an Ed25519 key.")
        return key


class _Refused(Exception):
    """Internal: a proof fails a check before the signature is even computed."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class BoundedURDNA2015(URDNA2015):  # type: ignore[misc]  # pyld is untyped
    """URDNA2015 that gives up on "dataset poisoning" (RDF-CANON §4.4 advisement).

    Like jsonld.js's rdf-canonize default, each blank node may enter Hash N-Degree Quads at most
    as many times as there are blank nodes; ordinary credentials never reach it at all.
    """

    def __init__(self) -> None:
        super().__init__()
        self._deep_calls: dict[str, int] = {}

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        calls = self._deep_calls.get(id_, 0) + 1
        self._deep_calls[id_] = calls
        if calls > max(1, len(self.blank_node_info)):
            raise UnsafeInput(
                "The document's blank nodes make canonicalization too costly.",
                code="canonicalization_too_costly",
            )
        return super().hash_n_degree_quads(id_, issuer)

    def modify_first_degree_component(self, id_: str, component: Any, key: str) -> Any:
        """pyld's, without its ``copy.deepcopy`` of a flat ``{type, value}`` term (a third of
        Hash First Degree Quads' time): the same term, relabelled ``_:a`` or ``_:z``."""
        if component["type"] != "blank node":
            return component
        return {**component, "value": "_:a" if component["value"] == id_ else "_:z"}


def _hash_data(document: Mapping[str, Any], proof: dict[str, Any], loader: ContextLoader) -> bytes:
    config = {**proof, "@context": document.get("@context")}
    return sha256_of(canonicalize(config, loader)) + sha256_of(canonicalize(document, loader))


def _check_suite(proof: dict[str, Any], document: Mapping[str, Any]) -> None:
    proof_type = proof.get("type")
    contexts = set(_context_urls(document))
    if proof_type == DATA_INTEGRITY_PROOF:
        if proof.get("cryptosuite") != EDDSA_RDFC_2022:
            raise _Refused("unsupported_cryptosuite", f"Cryptosuite {proof.get('cryptosuite')!r}.")
        if not DATA_INTEGRITY_CONTEXTS & contexts:
            raise _Refused("missing_di_context", "@context lacks the VC 2.0 / DI context.")
    elif proof_type == ED25519_SIGNATURE_2020:
        if ED25519_2020_CONTEXT not in contexts:
            raise _Refused("missing_di_context", "@context lacks the Ed25519Signature2020 context.")
    else:
        raise _Refused("unsupported_proof_type", f"Proof type {proof_type!r} is not supported.")


def _check_dates(proof: dict[str, Any], now: datetime | None) -> None:
    for name in ("created", "expires"):
        value = proof.get(name)
        if value is not None and (not isinstance(value, str) or not _XSD_DATETIME.match(value)):
            raise _Refused("malformed_proof", f"proof.{name} is not an XML Schema dateTime.")
    expires = proof.get("expires")
    if expires is not None and now is not None and _parse_datetime(expires) <= now:
        raise _Refused("proof_expired", f"The proof expired at {expires}.")


def _check_proof_context(proof: dict[str, Any], document: Mapping[str, Any]) -> None:
    """A proof carrying its own @context must agree with the start of the document's."""
    if "@context" not in proof:
        return
    own = _as_list(proof["@context"])
    if _as_list(document.get("@context"))[: len(own)] != own:
        raise _Refused("context_mismatch", "proof.@context does not match the document's.")


def _signature_bytes(value: Any) -> bytes:
    try:
        signature = decode_base58btc(value)
    except ValidationFailed as error:
        raise _Refused("malformed_proof", "proofValue is not multibase base58btc.") from error
    if len(signature) != _SIGNATURE_LENGTH:
        raise _Refused("malformed_proof", "proofValue is not a 64-byte Ed25519 signature.")
    return signature


def check_dataset(dataset: Mapping[str, list[dict[str, Any]]]) -> None:
    """Refuse what jsonld.js safe mode refuses and pyld lets through into the dataset."""
    for graph_name, triples in dataset.items():
        if graph_name.startswith(RELATIVE_BASE):
            raise relative_iri_error()
        for triple in triples:
            if triple["predicate"]["type"] == "blank node":
                raise ValidationFailed(
                    "A term maps to a blank node; safe mode refuses blank-node predicates.",
                    code="blank_node_predicate",
                )
            for term in (triple["subject"], triple["predicate"], triple["object"]):
                if term["type"] == "IRI" and term["value"].startswith(RELATIVE_BASE):
                    raise relative_iri_error()
            _check_literal(triple["object"])


def _check_literal(term: Mapping[str, Any]) -> None:
    if term["type"] != "literal":
        return
    if term.get("datatype", "").startswith(RELATIVE_BASE):
        raise relative_iri_error()
    language = term.get("language")
    if language is not None and not _BCP47.match(language):
        raise ValidationFailed(f"Invalid language tag {language!r}.", code="invalid_language")


def relative_iri_error() -> ValidationFailed:
    return ValidationFailed(
        "The document uses a relative IRI (an undefined type or a relative id); "
        "JSON-LD safe mode refuses it.",
        code="relative_iri",
    )


def _uses_direction(document: Any) -> bool:
    """Whether ``@direction`` appears anywhere (iteratively: input depth is not trusted)."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, Mapping):
            if "@direction" in value:
                return True
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _refuse_dropped_property(expanded_property: str | None) -> None:
    name = repr(expanded_property) if expanded_property else "(a reserved-looking key)"
    raise ValidationFailed(
        f"The term {name} is not defined by the document's contexts; "
        "JSON-LD safe mode refuses it (it would not be signed).",
        code="undefined_term",
        fields={str(expanded_property): "not defined by any @context"},
    )


def _issuer_error_behind(error: BaseException) -> IssuerError | None:
    """The IssuerError that made pyld fail (it wraps what the loader or a handler raised)."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, IssuerError):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _jsonld_failure(error: BaseException) -> ValidationFailed:
    """Our error for invalid JSON-LD, naming pyld's innermost reason (e.g. a protected term)."""
    deepest = error
    while deepest.__cause__ is not None:
        deepest = deepest.__cause__
    detail = getattr(deepest, "code", None) or type(deepest).__name__
    return ValidationFailed(f"Invalid JSON-LD: {detail}: {deepest}", code="jsonld_invalid")


def _document_result(proofs: tuple[ProofResult, ...]) -> DataIntegrityResult:
    failed = next((proof for proof in proofs if not proof.verified), None)
    if failed is None:
        return DataIntegrityResult(True, None, "Every proof verifies.", proofs)
    return DataIntegrityResult(False, failed.code, failed.reason, proofs)


def _context_urls(document: Mapping[str, Any]) -> list[str]:
    return [item for item in _as_list(document.get("@context")) if isinstance(item, str)]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def xsd_datetime(moment: datetime) -> str:
    """A proof's ``created``: UTC, whole seconds, ``Z``."""
    if moment.tzinfo is None:
        raise ValueError("created must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_datetime(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise _Refused("malformed_proof", f"{value!r} is not a valid date and time.") from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def sha256_of(text: str) -> bytes:
    """SHA-256 of the UTF-8 text, as the cryptosuite hashes canonical forms."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def _type_of(proof: Any) -> str | None:
    value = proof.get("type") if isinstance(proof, dict) else None
    return value if isinstance(value, str) else None


def _vm_of(proof: Any) -> str | None:
    value = proof.get("verificationMethod") if isinstance(proof, dict) else None
    return value if isinstance(value, str) else None
