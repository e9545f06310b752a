"""The hook for OB 3.0 structure checks: a JSON Schema (the 1EdTech AchievementCredential schema,
or our own copy of it) that credentials must satisfy, read from a directory passed in.

The schema's sibling files are registered by ``$id`` so that ``$ref``s resolve offline; the
dialect comes from the schema's ``$schema`` (2020-12 when it names none).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jsonschema import validators
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012, specification_with

from issuer.errors import ValidationFailed

SCHEMA_FILE_HINT = "achievementcredential"
MAX_SCHEMA_PROBLEMS = 8


class CredentialSchema:
    """A JSON Schema (plus sibling schemas for ``$ref``) that OB 3.0 credentials must satisfy."""

    def __init__(
        self, schema: Mapping[str, Any], siblings: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        """Check the schema once; raises ValidationFailed(code="bad_schema") if it is not one."""
        cls = validators.validator_for(schema)
        try:
            cls.check_schema(schema)
        except SchemaError as error:
            raise ValidationFailed(
                f"Not a JSON Schema: {error.message}", code="bad_schema"
            ) from error
        dialect = specification_with(str(schema.get("$schema", "")), default=DRAFT202012)
        registry: Registry[Any] = Registry()
        for document in (schema, *siblings):
            if isinstance(document.get("$id"), str):
                resource = Resource.from_contents(document, default_specification=dialect)
                registry = registry.with_resource(document["$id"], resource)
        self._validator = cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)

    @classmethod
    def from_directory(cls, directory: Path) -> CredentialSchema | None:
        """The AchievementCredential schema in ``directory`` (e.g. ``schemas/ob3``), or None.

        The file whose name contains "achievementcredential" is the schema; the other JSON
        files there are registered by ``$id`` so its ``$ref``s resolve offline.
        """
        if not directory.is_dir():
            return None
        documents = {
            path: json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))
        }
        main = [
            p
            for p in documents
            if SCHEMA_FILE_HINT in p.name.lower().replace("_", "").replace("-", "")
        ]
        if not main:
            return None
        siblings = [
            doc for path, doc in documents.items() if path != main[0] and isinstance(doc, dict)
        ]
        return cls(documents[main[0]], siblings)

    def problems(self, document: Mapping[str, Any]) -> list[str]:
        """What the document breaks in the schema, each with its JSON path."""
        try:
            errors = sorted(self._validator.iter_errors(document), key=lambda e: e.json_path)
        except Unresolvable as error:
            return [f"the schema cannot be resolved: {error}"]
        return [
            f"{error.json_path}: {error.message[:200]}" for error in errors[:MAX_SCHEMA_PROBLEMS]
        ]
