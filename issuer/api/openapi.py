"""The OpenAPI 3 document, built from the same declarations that register the routes."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify

from issuer.api.bodies import schema_document
from issuer.api.errors import HTTP_CODES
from issuer.api.routing import AREAS, Operation

blueprint = Blueprint("openapi", __name__)

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_PARAM_TYPES = {
    "int": {"type": "integer", "minimum": 0},
    "uuid": {"type": "string", "format": "uuid"},
    None: {"type": "string"},
    "string": {"type": "string"},
}


def build_document(version: str = "1.0.0", servers: list[str] | None = None) -> dict[str, Any]:
    """Every declared operation with its parameters, request body and responses."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": _error_schema()}
    for op in (op for a in AREAS for op in a.operations):
        path, params = _openapi_path(op.rule)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, params, schemas)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Micro-credential badge issuer API",
            "version": version,
            "description": "Open Badges 2.0 and 3.0 issuing for teacher micro-credentials.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
    if servers:
        document["servers"] = [{"url": url} for url in servers]
    return document


def _openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _PARAM_TYPES.get(conv, {"type": "string"}),
        }
        for conv, name in _PARAM.findall(rule)
    ]
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule), params


def _operation(
    op: Operation, path_params: list[dict[str, Any]], schemas: dict[str, Any]
) -> dict[str, Any]:
    params = list(path_params)
    params += [_param(q, "query") for q in op.query]
    params += [_param(h, "header") for h in op.headers]
    body: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": _responses(op),
    }
    if op.public:
        body["security"] = []
    if op.body:
        name = _schema_name(op.body)
        schemas[name] = schema_document(op.body)
        ref = {"$ref": f"#/components/schemas/{name}"}
        body["requestBody"] = {
            "required": not op.body_optional,
            "content": {"application/json": {"schema": ref}},
        }
    if op.csv_body:
        content = body.setdefault("requestBody", {"required": True, "content": {}})["content"]
        content["text/csv"] = {
            "schema": {
                "type": "string",
                "description": "UTF-8 CSV with a header line; the same columns as the JSON rows.",
            }
        }
    if op.multipart:
        content = body.setdefault("requestBody", {"required": False, "content": {}})["content"]
        content["multipart/form-data"] = {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        }
    if op.multipart_body:
        name = _schema_name(op.multipart_body)
        schemas[name] = schema_document(op.multipart_body)
        content = body.setdefault("requestBody", {"required": True, "content": {}})["content"]
        content["multipart/form-data"] = {
            "schema": {"$ref": f"#/components/schemas/{name}"},
            "encoding": {"files": {"contentType": "application/octet-stream"}},
        }
    return body


def _param(q: Any, where: str) -> dict[str, Any]:
    param = {"name": q.name, "in": where, "required": q.required, "schema": q.schema}
    if q.description:
        param["description"] = q.description
    return param


def _responses(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in (op.status, *op.extra_statuses):
        responses[str(status)] = {
            "description": "Success",
            "content": {media: {"schema": _success_schema(media)} for media in op.produces},
        }
    error_ref = {"$ref": "#/components/schemas/Error"}
    for status in sorted({*op.errors, 400, 413, 415} if op.body else set(op.errors)):
        responses[str(status)] = {
            "description": HTTP_CODES.get(status, "error").replace("_", " "),
            "content": {"application/json": {"schema": error_ref}},
        }
    return responses


def _success_schema(media: str) -> dict[str, Any]:
    return {"type": "object"} if media.endswith("json") else {"type": "string"}


def _schema_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "stable machine-readable code"},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            "problems": {
                "type": "array",
                "description": "bulk requests: every invalid row (line or index, field, reason)",
                "items": {
                    "type": "object",
                    "required": ["field", "error", "reason"],
                    "properties": {
                        "line": {"type": "integer", "description": "CSV line; the header is 1"},
                        "index": {"type": "integer", "description": "0-based JSON array index"},
                        "field": {"type": "string"},
                        "error": {"type": "string"},
                        "reason": {"type": "string"},
                    },
                },
            },
        },
    }


@blueprint.get("/api/openapi.json")
def openapi_json() -> Response:
    from issuer.api.context import services

    return jsonify(build_document(servers=[services().settings.base_url]))
