"""The hook for OB 3.0 structure checks: a JSON Schema (the 1EdTech AchievementCredential schema,
or our own copy of it) that credentials must satisfy, read from a directory passed in.

The schema's sibling files are registered by ``$id`` so that ``$ref``s resolve offline; the
dialect comes from the schema's ``$schema`` (2020-12 when it names none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable

from issuer.errors import ValidationFailed
from issuer.json_schemas import read_directory, schema_validator

SCHEMA_FILE_HINT = "achievementcredential"
MAX_SCHEMA_PROBLEMS = 8


class CredentialSchema:
    """A JSON Schema (plus sibling schemas for ``$ref``) that OB 3.0 credentials must satisfy."""

    def __init__(
        self, schema: Mapping[str, Any], siblings: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        """Check the schema once; raises ValidationFailed(code="bad_schema") if it is not one."""
        try:
            self._validator = schema_validator(schema, siblings)
        except SchemaError as error:
            raise ValidationFailed(
                f"Not a JSON Schema: {error.message}", code="bad_schema"
            ) from error

    @classmethod
    def from_directory(cls, directory: Path) -> CredentialSchema | None:
        """The AchievementCredential schema in ``directory`` (e.g. ``schemas/ob3``), or None.

        The file whose name contains "achievementcredential" is the schema; the other JSON
        files there are registered by ``$id`` so its ``$ref``s resolve offline.
        """
        if not directory.is_dir():
            return None
        documents = read_directory(directory)
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
