"""Query-string parameters of list calls: parsed strictly, so a wrong value answers 422 naming the
parameter instead of being silently ignored (SPEC §8 "List calls")."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from flask import request

from issuer.errors import ValidationFailed

E = TypeVar("E", bound=StrEnum)

MAX_LIMIT = 200


def id_arg(name: str, what: str = "an id") -> int | None:
    """A positive database id, or None when the parameter is absent or empty."""
    value = request.args.get(name)
    if value is None or value == "":
        return None
    digits = value.isascii() and value.isdigit() and len(value) <= 10
    if not digits or not 1 <= int(value) <= 2**31 - 1:
        raise ValidationFailed(fields={name: f"must be {what}"})
    return int(value)


def choice_arg(name: str, choices: type[E]) -> E | None:
    """One of an enumeration's values, or None when absent or empty."""
    value = request.args.get(name)
    if value is None or value == "":
        return None
    try:
        return choices(value)
    except ValueError:
        allowed = ", ".join(c.value for c in choices)
        raise ValidationFailed(fields={name: f"must be one of {allowed}"}) from None


def page_args(default_limit: int = MAX_LIMIT) -> tuple[int, int]:
    """``limit`` (1 to 200) and ``offset`` (0 or more)."""
    return (
        _int_arg("limit", default_limit, 1, MAX_LIMIT),
        _int_arg("offset", 0, 0, 2**31 - 1),
    )


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    if (
        not (value.isascii() and value.isdigit() and len(value) <= 10)
        or not low <= int(value) <= high
    ):
        raise ValidationFailed(fields={name: f"must be an integer from {low} to {high}"})
    return int(value)
