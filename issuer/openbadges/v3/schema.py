"""Our own JSON Schemas of the OB 3.0 documents we publish (``schemas/ob3``), checked before storing.

They are written from the specification and are stricter than 1EdTech's: a property that is not
an OB 3.0 term fails them, so a custom term is caught before anything is signed or stored. The
directory is passed in and read once; files refer to each other by their ``$id`` (``urn:``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from issuer.errors import ValidationFailed

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
)


class DocumentSchemas:
    """Validators for each kind of OB 3.0 document, built once from a directory."""

    def __init__(self, directory: Path) -> None:
        """Read every ``*.json`` schema; raises ValidationFailed(code="schema_missing")."""
        resources = [_resource(path) for path in sorted(Path(directory).glob("*.json"))]
        registry: Registry[Any] = Registry().with_resources(
            (resource.id() or "", resource) for resource in resources
        )
        self._validators: dict[str, Draft202012Validator] = {}
        for kind in KINDS:
            schema = registry.contents(ID_PREFIX + kind) if _has(registry, kind) else None
            if schema is None:
                raise ValidationFailed(
                    f"No schema for {kind} in {directory}.", code="schema_missing"
                )
            self._validators[kind] = Draft202012Validator(schema, registry=registry)

    def check(self, kind: str, document: Mapping[str, Any]) -> None:
        """Raise ValidationFailed(code="ob3_schema_invalid") naming the worst failing path."""
        error = best_match(self._validators[kind].iter_errors(document))
        if error is not None:
            where = "/".join(str(part) for part in error.absolute_path) or "(document)"
            raise ValidationFailed(
                f"The {kind} does not match our OB 3.0 schema at {where}: {error.message}",
                code="ob3_schema_invalid",
                fields={where: error.message},
            )


def _resource(path: Path) -> Resource[Any]:
    return Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012)


def _has(registry: Registry[Any], kind: str) -> bool:
    try:
        registry.contents(ID_PREFIX + kind)
    except LookupError:
        return False
    return True
