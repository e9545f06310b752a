"""The one JSON Schema loader: offline ``$ref`` by ``$id``, the schema's own dialect, formats."""

from __future__ import annotations

import pytest
from jsonschema.exceptions import SchemaError

from issuer.json_schemas import schema_validator

NAME = {"$id": "urn:test:name", "type": "string", "minLength": 2}
PERSON = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:test:person",
    "type": "object",
    "properties": {"name": {"$ref": "urn:test:name"}, "born": {"format": "date"}},
}


def test_ref_to_a_sibling_resolves_by_its_id_without_the_network():
    validator = schema_validator(PERSON, [NAME])
    assert [e.message for e in validator.iter_errors({"name": "x"})] == ["'x' is too short"]


def test_formats_are_asserted_unless_turned_off():
    assert not schema_validator(PERSON, [NAME]).is_valid({"born": "yesterday"})
    assert schema_validator(PERSON, [NAME], check_formats=False).is_valid({"born": "yesterday"})


def test_a_document_that_is_not_a_schema_is_refused():
    with pytest.raises(SchemaError):
        schema_validator({"type": "no-such-type"})


def test_the_dialect_comes_from_the_schema():
    draft7 = {"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "string"}]}
    assert schema_validator(draft7).is_valid(["a", 1])  # draft-07 tuple items, not 2020-12
