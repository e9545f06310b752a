"""The published serialisation (``documents.json_bytes``) is what ``json.dumps(ensure_ascii=False,
indent=2)`` writes for everything we publish, awkward text included."""

from __future__ import annotations

import json

from issuer.workflow.awards.documents import json_bytes
from tests.unit.test_ob3_documents import AWKWARD, credential, seeded


def reference(document) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def test_credentials_serialise_as_the_standard_library_does():
    for number in range(200):
        document = credential(seeded(number))
        assert json_bytes(document) == reference(document), number


def test_awkward_text_empty_containers_and_numbers_serialise_the_same():
    document = {
        "text": [*AWKWARD, '\x00\x1f\x7f\u2028\ud7ff\ue000 "\\/ \t\n\r\b\f', "😀"],
        "empty": [[], {}, ""],
        "numbers": [0, -1, 2**63 - 1, 0.5, 12.5, -0.0, 1e22, 123456789.123],
        "flags": [True, False, None],
    }
    assert json_bytes(document) == reference(document)


def test_integers_orjson_cannot_write_fall_back_to_the_standard_library():
    document = {"big": 2**70}
    assert json_bytes(document) == reference(document)
