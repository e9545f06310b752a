"""Request bodies: media type, size, JSON syntax, control characters, then the JSON Schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app, request
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from issuer.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from issuer.json_schemas import schema_validator

_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def json_body(schema: str, *, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object, checked against ``schemas/api/<schema>.json``."""
    raw = _raw_json(optional)
    body = {} if raw is None else _parsed(raw)
    return checked(schema, body)


def checked(schema: str, body: object) -> dict[str, Any]:
    """``body`` (from JSON or a form) checked against ``schemas/api/<schema>.json``."""
    if not isinstance(body, dict):
        raise ValidationFailed(
            "The body must be a JSON object.", fields={"(body)": "must be an object"}
        )
    reject_control_characters(body)
    errors = sorted(validator(schema).iter_errors(body), key=lambda err: list(err.path))
    if errors:
        raise ValidationFailed(fields={_field(err): err.message for err in errors})
    return body


def json_document() -> object:
    """The request's JSON value of any type (an array of rows...), not yet checked."""
    raw = _raw_json(optional=False)
    assert raw is not None  # noqa: S101 - a required body is never None
    return _parsed(raw)


def _parsed(raw: bytes) -> object:
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}", code="malformed_json") from None
    except RecursionError:
        raise BadRequest("The body is nested too deeply.", code="malformed_json") from None


def item_problems(schema: str, item: object) -> dict[str, str]:
    """What is wrong with one item of an array body (``schemas/api/<schema>.json`` ``items``),
    by field; control characters are refused as everywhere else."""
    try:
        reject_control_characters(item)
    except ValidationFailed as exc:
        return exc.fields
    errors = sorted(_item_validator(schema).iter_errors(item), key=lambda err: list(err.path))
    return {_field(err): err.message for err in errors}


MAX_DEPTH = 32


def _refuse_constant(name: str) -> float:
    """``NaN`` and ``Infinity`` are not JSON; Python's parser accepts them unless told not to."""
    raise json.JSONDecodeError(f"{name} is not a JSON number", name, 0)


def _is_control(ch: str) -> bool:
    code = ord(ch)
    if ch in _ALLOWED_CONTROLS:
        return False
    return code < 32 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF  # lone surrogates too


def reject_control_characters(value: object, path: str = "", depth: int = 0) -> None:
    """Text with control characters (U+0000, lone surrogates...) is refused, naming the field."""
    if depth > MAX_DEPTH:
        raise ValidationFailed(fields={path or "(body)": "is nested too deeply"})
    if isinstance(value, str):
        if any(_is_control(ch) for ch in value):
            raise ValidationFailed(
                fields={path or "(body)": "contains control characters"}, code="control_characters"
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            reject_control_characters(key, path or "(body)", depth + 1)
            reject_control_characters(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            reject_control_characters(item, f"{path}[{index}]", depth + 1)


def has_body() -> bool:
    length = request.content_length
    return bool(length) or request.headers.get("Transfer-Encoding", "").lower() == "chunked"


def upload_bytes() -> bytes:
    """The raw request body of an upload (a CSV file...), refused over the 10 MiB upload limit."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    length = request.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(f"Uploads are limited to {limit} bytes.")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"Uploads are limited to {limit} bytes.")
    return data


def _raw_json(optional: bool) -> bytes | None:
    limit = current_app.config["MAX_JSON_BYTES"]
    length = request.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(f"JSON bodies are limited to {limit} bytes.")
    if not has_body():
        if optional:
            return None
        raise ValidationFailed("A JSON body is required.", fields={"(body)": "required"})
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as application/json.")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"JSON bodies are limited to {limit} bytes.")
    if not data and optional:
        return None
    return data


def _field(error: ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return f"{path}.{missing}" if path else missing
    if error.validator == "additionalProperties" and "'" in error.message:
        extra = error.message.split("'")[1]
        return f"{path}.{extra}" if path else extra
    return path or "(body)"


@cache
def _load(directory: str, name: str) -> Validator:
    return schema_validator(json.loads((Path(directory) / f"{name}.json").read_text()))


@cache
def _load_items(directory: str, name: str) -> Validator:
    return schema_validator(_load(directory, name).schema["items"], check_schema=False)


def _item_validator(name: str) -> Validator:
    return _load_items(str(current_app.config["API_SCHEMAS_DIR"]), name)


def validator(name: str) -> Validator:
    return _load(str(current_app.config["API_SCHEMAS_DIR"]), name)


def schema_document(name: str) -> dict[str, Any]:
    """The raw schema (for the OpenAPI document)."""
    return dict(validator(name).schema)
