"""Finding the public key a badge names, and whether the badge's issuer controls it.

Key references come as an http(s) URL answering a key document (Multikey,
Ed25519VerificationKey2020, JsonWebKey with ``publicKeyJwk``, OB 2.0 CryptographicKey with
``publicKeyPem``, a bare JWK or a JWK Set), a fragment of a controller document listing its
keys, ``did:key`` (the key is in the identifier) or ``did:web`` (the DID document is fetched from
the host). Everything is read through the fetcher passed in; every failure is an IssuerError
that the calling check turns into a failed result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from issuer.errors import ValidationFailed
from issuer.signing.keys import (
    PublicKey,
    public_key_from_jwk,
    public_key_from_multibase,
    public_key_from_pem,
)
from issuer.verify.checks import fetch_json, is_url, short
from issuer.verify.fetch import Fetcher
from issuer.verify.inputs import as_list
from issuer.verify.report import Check, CheckResult, failed, passed

DID_KEY = "did:key:"
DID_WEB = "did:web:"
_KEY_LISTS = ("verificationMethod", "assertionMethod", "publicKey", "authentication")


class KeyUnresolved(ValidationFailed):
    """The named key could not be found or read."""

    code = "key_unresolved"
    message = "The verification key could not be resolved."


@dataclass(frozen=True)
class ResolvedKey:
    """A public key found for ``method``, with the controller its document names (if any)."""

    method: str
    public_key: PublicKey
    controller: str | None
    kind: str


@dataclass
class KeyResolver:
    """Resolves key references through the fetcher; remembers what it found for one verification."""

    fetch: Fetcher
    found: dict[str, ResolvedKey] = field(default_factory=dict)

    def resolve(self, method: Any) -> ResolvedKey:
        """The key ``method`` names; raises KeyUnresolved (or a fetch error) when it cannot."""
        if not isinstance(method, str) or not method:
            raise KeyUnresolved("The badge names no verification key.")
        if method not in self.found:
            self.found[method] = self._resolve(method)
        return self.found[method]

    def _resolve(self, method: str) -> ResolvedKey:
        """Dispatch on the kind of reference: did:key, did:web or an http(s) URL."""
        if method.startswith(DID_KEY):
            return _did_key(method)
        if method.startswith(DID_WEB):
            document = fetch_json(self.fetch, did_web_url(method), "DID document")
            return _from_document(method, document)
        if is_url(method):
            document = fetch_json(self.fetch, method.split("#", 1)[0], "verification key")
            return _from_document(method, document)
        raise KeyUnresolved(f"Unsupported key reference {short(method)}.")

    def controller_document(self, controller: str) -> dict[str, Any]:
        """The document of a key's controller (issuer profile or DID document)."""
        if controller.startswith(DID_KEY):
            did = controller.split("#", 1)[0]
            return {"id": did, "assertionMethod": [f"{did}#{did[len(DID_KEY) :]}"]}
        if controller.startswith(DID_WEB):
            return fetch_json(self.fetch, did_web_url(controller), "DID document")
        return fetch_json(self.fetch, controller, "key controller (issuer profile)")

    def ownership(self, key: ResolvedKey, issuer_id: Any) -> CheckResult:
        """The issuer controls the key: it is the controller and lists it under assertionMethod."""
        if not isinstance(issuer_id, str) or not issuer_id:
            return failed(Check.KEY_OWNERSHIP, "The badge names no issuer id.", "missing_issuer")
        if key.controller is None:
            profile = self.controller_document(issuer_id)
            if _lists(profile, issuer_id, key.method, ("assertionMethod", "verificationMethod")):
                return passed(Check.KEY_OWNERSHIP, f"The issuer lists the key {key.method}.")
            return failed(
                Check.KEY_OWNERSHIP,
                f"The key {key.method} names no controller and the issuer does not list it.",
                "key_not_listed",
            )
        if key.controller != issuer_id:
            return failed(
                Check.KEY_OWNERSHIP,
                f"The key is controlled by {short(key.controller)}, not by the issuer "
                f"{short(issuer_id)}.",
                "key_not_issuers",
            )
        document = self.controller_document(key.controller)
        if document.get("id", key.controller) != key.controller:
            return failed(
                Check.KEY_OWNERSHIP,
                f"The controller document at {key.controller} has another id.",
                "controller_mismatch",
            )
        if not _lists(document, key.controller, key.method, ("assertionMethod",)):
            return failed(
                Check.KEY_OWNERSHIP,
                f"The issuer does not list {key.method} under assertionMethod.",
                "key_not_authorized",
            )
        return passed(
            Check.KEY_OWNERSHIP, f"The issuer controls {key.method} and lists it for assertions."
        )


def did_web_url(did: str) -> str:
    """The https URL of a did:web DID document (``/.well-known/did.json`` without a path)."""
    segments = did.split("#", 1)[0][len(DID_WEB) :].split(":")
    host = unquote(segments[0])
    if not host or "/" in host or "@" in host:
        raise KeyUnresolved(f"Malformed did:web identifier {short(did)}.")
    path = "/".join(unquote(part) for part in segments[1:])
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def _did_key(method: str) -> ResolvedKey:
    """did:key: the Ed25519 Multikey is the identifier itself; the DID controls it."""
    did, _, fragment = method.partition("#")
    value = did[len(DID_KEY) :]
    if fragment and fragment != value:
        raise KeyUnresolved(f"The did:key fragment does not match {short(did)}.")
    return ResolvedKey(method, public_key_from_multibase(value), did, "did:key")


def _from_document(method: str, document: dict[str, Any]) -> ResolvedKey:
    """The key entry ``method`` names inside a fetched document, and its controller."""
    base, _, fragment = method.partition("#")
    entry = _find_entry(document, method, fragment) if fragment else None
    if entry is None:
        entry = _jwks_entry(document, fragment) if "keys" in document else document
        if entry.get("id") not in (None, method):
            raise KeyUnresolved(f"The document at {base} describes another key ({entry['id']}).")
    controller = entry.get("controller", entry.get("owner"))
    if controller is None and entry is not document and isinstance(document.get("id"), str):
        controller = document["id"]  # a key listed inside its controller's own document
    if controller is not None and not isinstance(controller, str):
        raise KeyUnresolved("The key's controller is not a single identifier.")
    return ResolvedKey(method, _key_material(entry), controller, _kind(entry))


def _find_entry(document: dict[str, Any], method: str, fragment: str) -> dict[str, Any] | None:
    """The entry for ``method`` in a document (the document itself or one of its key lists)."""
    if document.get("id") == method:
        return document
    doc_id = document.get("id") if isinstance(document.get("id"), str) else ""
    wanted = {method, f"#{fragment}", f"{doc_id}#{fragment}"}
    for name in _KEY_LISTS:
        for item in as_list(document.get(name)):
            if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"] in wanted:
                return item
    if "keys" in document:
        return _jwks_entry(document, fragment)
    return None


def _jwks_entry(document: dict[str, Any], kid: str) -> dict[str, Any]:
    """One key of a JWK Set: the one with ``kid``, or the only one."""
    keys = [key for key in as_list(document.get("keys")) if isinstance(key, dict)]
    matching = [key for key in keys if key.get("kid") == kid] if kid else keys
    if len(matching) != 1:
        raise KeyUnresolved("The JWK Set does not hold exactly one matching key.")
    return matching[0]


def _key_material(entry: dict[str, Any]) -> PublicKey:
    """The public key an entry publishes (multibase, JWK or PEM)."""
    if isinstance(entry.get("publicKeyMultibase"), str):
        return public_key_from_multibase(entry["publicKeyMultibase"])
    if isinstance(entry.get("publicKeyJwk"), dict):
        return public_key_from_jwk(entry["publicKeyJwk"])
    if isinstance(entry.get("publicKeyPem"), str):
        return public_key_from_pem(entry["publicKeyPem"])
    if "kty" in entry:
        return public_key_from_jwk(entry)
    raise KeyUnresolved("The key document publishes no key (publicKeyMultibase, JWK or PEM).")


def _kind(entry: dict[str, Any]) -> str:
    """A label for the kind of key document."""
    if "kty" in entry:
        return "JWK"
    types = [t for t in as_list(entry.get("type")) if isinstance(t, str)]
    return types[0] if types else "key"


def _lists(document: dict[str, Any], base: str, method: str, relations: tuple[str, ...]) -> bool:
    """Whether ``document`` lists ``method`` (as a URL, relative ``#id`` or object) in a relation."""
    for relation in relations:
        for item in as_list(document.get(relation)):
            ref = item.get("id") if isinstance(item, dict) else item
            if isinstance(ref, str) and (
                ref == method or (ref.startswith("#") and base + ref == method)
            ):
                return True
    return False
