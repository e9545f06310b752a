"""The template-cached RDF dataset (``proof_cache._DatasetTemplate``) gives the plain path's
canonical N-Quads where pyld's node map does more than copy leaves: nodes sharing an id, repeated
values, numbers, values typed as doubles, named graphs, and ids safe mode refuses."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from issuer.errors import ValidationFailed
from issuer.openbadges.contexts import ContextLoader
from issuer.signing.data_integrity import RELATIVE_BASE, canonicalize
from issuer.signing.proof_cache import TemplateCanonicalizer
from tests.unit.test_ob3_documents import ROOT, credential, seeded


@pytest.fixture(scope="module")
def loader() -> ContextLoader:
    return ContextLoader(ROOT / "schemas" / "contexts")


def same_canonical_form(loader, documents: list[dict[str, Any]]) -> None:
    """Each document through one cache (the first of a shape builds, later ones reuse)."""
    cached = TemplateCanonicalizer(loader)
    for number, document in enumerate(documents * 2):
        assert cached.canonicalize(document) == canonicalize(document, loader), number


def test_the_template_dataset_is_used_for_a_credential(loader):
    cached = TemplateCanonicalizer(loader)
    document = credential(seeded(3))
    cached.canonicalize(document)
    (template,) = cached._templates.values()
    assert template.dataset is not None


def test_nodes_sharing_an_id_merge_as_the_node_map_merges_them(loader):
    documents = []
    for seed in range(6):
        document = credential(seeded(seed))
        achievement = document["credentialSubject"]["achievement"]
        achievement["creator"] = {**document["issuer"], "name": f"Another name {seed}"}
        achievement["id"] = document["id"] if seed % 2 else achievement["id"]
        documents.append(document)
    same_canonical_form(loader, documents)


def test_repeated_values_count_once(loader):
    documents = []
    for seed in range(4):
        document = credential(seeded(seed))
        achievement = document["credentialSubject"]["achievement"]
        achievement["tag"] = ["Reading", "Reading", f"Tag {seed}", f"Tag {seed}"]
        achievement["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": "Standard 1",
                "targetUrl": "https://standards.example.org/1",
            }
        ] * 2
        documents.append(document)
    same_canonical_form(loader, documents)


def test_numbers_and_number_typed_values_convert_as_pyld_converts_them(loader):
    documents = []
    for seed, credits in enumerate([0.5, 2.0, 1e-7, 12345.678, 3, 0, 10**22]):
        document = credential(seeded(seed))
        document["credentialSubject"]["achievement"]["creditsAvailable"] = credits
        document["credentialSubject"]["creditsEarned"] = credits
        documents.append(document)
    same_canonical_form(loader, documents)


def test_random_ids_made_equal_still_match(loader):
    """A small fuzz: ids of random nodes replaced by ids of other nodes."""
    rng = seeded(20261206)
    documents = []
    for seed in range(20):
        document = credential(seeded(seed))
        ids = list(_id_holders(document))
        for holder in rng.sample(ids, min(len(ids), 3)):
            holder["id"] = rng.choice(ids)["id"]
        documents.append(document)
    same_canonical_form(loader, documents)


def test_credentials_inside_a_presentation_are_named_graphs(loader):
    documents = []
    for seed in range(3):
        inner = credential(seeded(seed))
        documents.append(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiablePresentation"],
                "holder": f"https://holders.example.org/{seed}",
                "verifiableCredential": [inner, copy.deepcopy(inner)],
            }
        )
    same_canonical_form(loader, documents)


def test_an_id_safe_mode_refuses_is_refused_from_the_cache_too(loader):
    cached = TemplateCanonicalizer(loader)
    cached.canonicalize(credential(seeded(1)))
    document = credential(seeded(1))
    document["credentialSubject"]["achievement"]["id"] = f"{RELATIVE_BASE}programs/1"
    with pytest.raises(ValidationFailed) as plain:
        canonicalize(document, loader)
    with pytest.raises(ValidationFailed) as from_cache:
        cached.canonicalize(document)
    assert from_cache.value.code == plain.value.code == "relative_iri"


def _id_holders(value: Any):
    if isinstance(value, dict):
        if isinstance(value.get("id"), str) and value["id"].startswith("http"):
            yield value
        for item in value.values():
            yield from _id_holders(item)
    elif isinstance(value, list):
        for item in value:
            yield from _id_holders(item)
