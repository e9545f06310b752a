"""The parts of a 1EdTech Service Description Document the Open Badges 3.0 and CLR 2.0 APIs
share: operations with their imsx_StatusInfo error responses, paging parameters, the discovery
operation, and the components (OAuth2ACG scheme, X-Total-Count, paging links, status schemas).
Each API's document (``issuer.ob3api.discovery``, ``issuer.clrapi.discovery``) adds its own
paths, scopes and credential schemas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from issuer.domain.oauth_urls import OAuthUrls
from issuer.ob3api.errors import CODE_MINOR_VALUES

LINK_RELATIONS = ("next", "last", "first", "prev")
COMPACT_JWS = {
    "type": "string",
    "pattern": "^[a-zA-Z0-9_-]+\\.[a-zA-Z0-9_-]*\\.[a-zA-Z0-9_-]+$",
    "description": "A `String` in Compact JWS format [[RFC7515]].",
}
REASONS = {
    200: "OK.",
    201: "Created.",
    202: "Accepted; processing has not completed.",
    304: "Not modified.",
    400: "The request is not valid.",
    401: "No valid access token was given.",
    403: "The access token lacks the scope, or the resource is not yours.",
    404: "Not found.",
    405: "Method not allowed.",
    500: "Unexpected server error.",
}
DEFAULT_ERROR = "The request was invalid or cannot be served."


def json_ref(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": json_ref("Imsx_StatusInfo")}


def operation(
    tag: str,
    operation_id: str,
    summary: str,
    scope: str,
    *,
    ok: dict[str, Any],
    errors: tuple[int, ...],
    created: dict[str, Any] | None = None,
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One protected operation: its answers (and each error's imsx_StatusInfo) and its scope."""
    responses: dict[str, Any] = {"200": ok}
    if created is not None:
        responses["201"] = created
    for status in errors:
        responses[str(status)] = error_response(REASONS[status])
    responses["default"] = error_response(DEFAULT_ERROR)
    described: dict[str, Any] = {
        "tags": [tag],
        "summary": summary,
        "operationId": operation_id,
        "responses": responses,
        "security": [{"OAuth2ACG": [scope]}],
    }
    if parameters:
        described["parameters"] = parameters
    if body:
        described["requestBody"] = {"required": True, "content": body}
    return described


def discovery_operation() -> dict[str, Any]:
    """``getServiceDescription``: public, answering this document."""
    return {
        "get": {
            "tags": ["Discovery"],
            "summary": "The REST GET operation for the getServiceDescription() API call.",
            "operationId": "getServiceDescription",
            "responses": {
                "200": {
                    "description": "The Service Description Document.",
                    "content": json_ref("ServiceDescriptionDocument"),
                },
                "default": error_response(DEFAULT_ERROR),
            },
            "security": [],
        }
    }


def paging_parameters(credentials: str, first: str) -> list[dict[str, Any]]:
    """``limit``, ``offset`` and ``since``, described with the API's own credential names."""

    def query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": name,
            "in": "query",
            "description": description,
            "required": False,
            "style": "form",
            "schema": schema,
        }

    return [
        query(
            "limit",
            f"The maximum number of {credentials} to return per page (at most 100).",
            {"type": "integer", "format": "int32", "minimum": 1},
        ),
        query(
            "offset",
            f"The index of the first {first} to return. (zero indexed)",
            {"type": "integer", "format": "int32", "minimum": 0},
        ),
        query(
            "since",
            f"Only include {credentials} issued after this timestamp.",
            {"type": "string", "format": "date-time"},
        ),
    ]


def components(
    urls: OAuthUrls, name: str, scopes: Mapping[str, str], schemas: dict[str, Any]
) -> dict[str, Any]:
    """The OAuth2ACG scheme with ``scopes``, ``schemas``, X-Total-Count and the paging links."""
    return {
        "securitySchemes": {
            "OAuth2ACG": {
                "type": "oauth2",
                "description": "OAuth 2.0 Authorization Code Grant authorization (PKCE S256 required)",
                "x-imssf-name": name,
                "x-imssf-privacyPolicyUrl": urls.privacy,
                "x-imssf-registrationUrl": urls.register,
                "x-imssf-termsOfServiceUrl": urls.terms,
                "flows": {
                    "authorizationCode": {
                        "authorizationUrl": urls.authorize,
                        "tokenUrl": urls.token,
                        "refreshUrl": urls.token,
                        "scopes": dict(scopes),
                    }
                },
            }
        },
        "schemas": {**schemas, **status_info_schemas()},
        "headers": {
            "X-Total-Count": {
                "description": "The total number of resources that are available to be returned",
                "schema": {"type": "integer", "format": "int32"},
            }
        },
        "links": {
            rel: {
                "operationId": "getCredentials",
                "parameters": {"limit": "$request.query.limit", "offset": "$request.query.offset"},
                "description": f"The {rel} page of results (also in the Link header).",
            }
            for rel in LINK_RELATIONS
        },
    }


def status_info_schemas() -> dict[str, Any]:
    """The ``imsx_StatusInfo`` component schemas."""
    return {
        "Imsx_StatusInfo": {
            "type": "object",
            "required": ["imsx_codeMajor", "imsx_severity"],
            "properties": {
                "imsx_codeMajor": {
                    "type": "string",
                    "enum": ["failure", "processing", "success", "unsupported"],
                },
                "imsx_severity": {"type": "string", "enum": ["error", "status", "warning"]},
                "imsx_description": {"type": "string"},
                "imsx_codeMinor": {"$ref": "#/components/schemas/Imsx_CodeMinor"},
            },
            "additionalProperties": False,
        },
        "Imsx_CodeMinor": {
            "type": "object",
            "required": ["imsx_codeMinorField"],
            "properties": {
                "imsx_codeMinorField": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": "#/components/schemas/Imsx_CodeMinorField"},
                }
            },
            "additionalProperties": False,
        },
        "Imsx_CodeMinorField": {
            "type": "object",
            "required": ["imsx_codeMinorFieldName", "imsx_codeMinorFieldValue"],
            "properties": {
                "imsx_codeMinorFieldName": {"type": "string"},
                "imsx_codeMinorFieldValue": {"type": "string", "enum": list(CODE_MINOR_VALUES)},
            },
            "additionalProperties": False,
        },
    }
