"""Our own JSON Schemas of the OB 3.0 documents we publish (``schemas/ob3``), checked before storing.

They are written from the specification and are stricter than 1EdTech's: a property that is not
an OB 3.0 term fails them, so a custom term is caught before anything is signed or stored. The
directory is passed in and read once; files refer to each other by their ``$id`` (``urn:``).

Every issued credential is checked, so the check runs on a compiled validator (``jsonschema-rs``,
about 40x faster than walking the schema in Python); only a document it refuses goes through
``jsonschema`` as well, for the message naming the worst failing path (and that validator is the
reference: if it finds nothing, the compiled one's first error is named).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator

from issuer.errors import ValidationFailed
from issuer.json_schemas import read_directory, schema_validator

ID_PREFIX = "urn:ptsb-issuer:schemas:ob3:"
KINDS = (
    "openbadge-credential",
    "endorsement-credential",
    "achievement",
    "profile",
    "multikey",
    "jwk",
    "status-list-credential",
    "revocation-list",
    "clr-credential",
)


class DocumentSchemas:
    """Validators for each kind of OB 3.0 document, built once from a directory."""

    def __init__(self, directory: Path) -> None:
        """Read every ``*.json`` schema; raises ValidationFailed(code="schema_missing")."""
        documents = list(read_directory(directory).values())
        by_id = {d.get("$id"): d for d in documents if isinstance(d, dict)}
        self._validators: dict[str, Validator] = {}
        self._compiled: dict[str, Any] = {}
        registry = jsonschema_rs.Registry([(key, doc) for key, doc in by_id.items() if key])
        for kind in KINDS:
            schema = by_id.get(ID_PREFIX + kind)
            if schema is None:
                raise ValidationFailed(
                    f"No schema for {kind} in {directory}.", code="schema_missing"
                )
            self._validators[kind] = schema_validator(schema, documents, check_formats=False)
            self._compiled[kind] = jsonschema_rs.validator_for(
                schema, registry=registry, validate_formats=False
            )

    def check(self, kind: str, document: Mapping[str, Any]) -> None:
        """Raise ValidationFailed(code="ob3_schema_invalid") naming the worst failing path."""
        compiled = self._compiled[kind]
        if compiled.is_valid(document):
            return
        error = best_match(self._validators[kind].iter_errors(document))
        if error is not None:
            where = "/".join(str(part) for part in error.absolute_path) or "(document)"
            message = error.message
        else:
            first = next(iter(compiled.iter_errors(document)))
            where = "/".join(str(part) for part in first.instance_path) or "(document)"
            message = first.message
        raise ValidationFailed(
            f"The {kind} does not match our OB 3.0 schema at {where}: {message}",
            code="ob3_schema_invalid",
            fields={where: message},
        )
