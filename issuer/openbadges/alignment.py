"""An alignment of a badge to a standard: the same facts in OB 2.0 and OB 3.0 documents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AlignmentInfo:
    target_name: str
    target_url: str
    framework: str | None = None
    target_code: str | None = None
    target_description: str | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> AlignmentInfo:
        """From an alignment as a program stores it (the API's field names)."""
        return cls(
            target_name=record["target_name"],
            target_url=record["target_url"],
            framework=record.get("framework"),
            target_code=record.get("target_code"),
            target_description=record.get("target_description"),
        )
