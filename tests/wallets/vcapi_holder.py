"""A test-side VC-API wallet holder: a did:key (Ed25519) that signs a DID Authentication
presentation the way the Learner Credential Wallet does (VC 1.1 presentation, proof
``Ed25519Signature2020``, purpose ``authentication``, with ``challenge`` and ``domain``), or with
``eddsa-rdfc-2022`` on a VC 2.0 presentation. The proof-hash input is assembled here from the
suite's text (sha256 of the canonical proof options, then of the canonical document); RDFC-1.0 is
pyld's. The independent client is tests/interop/node/vcapi-client.mjs on Digital Bazaar's stack."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyld import jsonld

CONTEXTS = Path(__file__).resolve().parents[2] / "schemas" / "contexts"
CONTEXT_FILES = {
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-signature-2020-v1.jsonld",
}
VC1 = "https://www.w3.org/2018/credentials/v1"
VC2 = "https://www.w3.org/ns/credentials/v2"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"


def _loader(url: str, options: Any = None) -> dict[str, Any]:
    import json

    document = json.loads((CONTEXTS / CONTEXT_FILES[url]).read_text())
    return {"contextUrl": None, "documentUrl": url, "document": document}


def _canonical_hash(document: dict[str, Any]) -> bytes:
    nquads = jsonld.normalize(
        document,
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _loader},
    )
    return hashlib.sha256(nquads.encode()).digest()


@dataclass
class VcApiHolder:
    key: Ed25519PrivateKey
    did: str

    @classmethod
    def generate(cls) -> VcApiHolder:
        key = Ed25519PrivateKey.generate()
        raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return cls(key, "did:key:z" + base58.b58encode(b"\xed\x01" + raw).decode())

    @property
    def method(self) -> str:
        return f"{self.did}#{self.did.removeprefix('did:key:')}"

    def did_auth(
        self, challenge: str, domain: str, suite: str = "Ed25519Signature2020"
    ) -> dict[str, Any]:
        """A signed DID Authentication presentation."""
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if suite == "Ed25519Signature2020":
            document = {
                "@context": [VC1, ED25519_2020],
                "type": ["VerifiablePresentation"],
                "holder": self.did,
            }
            proof: dict[str, Any] = {"type": "Ed25519Signature2020"}
        else:
            document = {"@context": [VC2], "type": ["VerifiablePresentation"], "holder": self.did}
            proof = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}
        proof.update(
            created=created,
            verificationMethod=self.method,
            proofPurpose="authentication",
            challenge=challenge,
            domain=domain,
        )
        options = {**proof, "@context": document["@context"]}
        signature = self.key.sign(_canonical_hash(options) + _canonical_hash(document))
        proof["proofValue"] = "z" + base58.b58encode(signature).decode()
        return {**copy.deepcopy(document), "proof": proof}
