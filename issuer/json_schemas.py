"""The one way this service turns JSON Schemas into validators: our request bodies
(``schemas/api``), our OB 3.0 documents (``schemas/ob3``) and 1EdTech's schemas in the verifier.

Schemas refer to each other by ``$id``; every sibling is registered so that ``$ref`` resolves
offline, never over the network. The dialect is the schema's ``$schema`` (2020-12 when it names
none). Like ``errors.py`` it depends on nothing of ours, so every layer may use it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012, specification_with


def read_directory(directory: Path) -> dict[Path, Any]:
    """Every ``*.json`` file of ``directory`` parsed, in name order."""
    return {path: json.loads(path.read_text()) for path in sorted(Path(directory).glob("*.json"))}


def schema_validator(
    schema: Mapping[str, Any],
    siblings: Iterable[Any] = (),
    *,
    check_schema: bool = True,
    check_formats: bool = True,
) -> Validator:
    """A validator for ``schema`` whose ``$ref``s resolve to ``siblings`` (and itself) by ``$id``.

    ``check_schema`` refuses a document that is not a schema of its dialect
    (``jsonschema.exceptions.SchemaError``); ``check_formats`` asserts ``format`` (date-time, uri…).
    """
    cls = validators.validator_for(schema, default=Draft202012Validator)
    if check_schema:
        cls.check_schema(schema)
    dialect = specification_with(str(schema.get("$schema", "")), default=DRAFT202012)
    registry: Registry[Any] = Registry()
    for document in (schema, *siblings):
        if isinstance(document, Mapping) and isinstance(document.get("$id"), str):
            resource = Resource.from_contents(document, default_specification=dialect)
            registry = registry.with_resource(document["$id"], resource)
    format_checker = cls.FORMAT_CHECKER if check_formats else None
    return cls(schema, registry=registry, format_checker=format_checker)  # type: ignore[no-any-return]
