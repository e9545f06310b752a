"""The Service Description Document of our Open Badges 3.0 API (``GET /ims/ob/v3p0/discovery``).

It is the OB 3.0 API's OpenAPI 3.0 document profiled for this deployment, as the spec asks:
our server URL, the five operations we implement with their parameters and responses, and the
``OAuth2ACG`` security scheme naming our authorization, token, refresh and registration URLs
and the four scope URIs. Component schemas name 1EdTech's JSON Schemas for the credential and
the profile rather than copying them.
"""

from __future__ import annotations

from typing import Any

from issuer.domain.oauth_urls import OAuthUrls
from issuer.oauth.scopes import (
    CREDENTIAL_READ,
    CREDENTIAL_UPSERT,
    OB3_SCOPES,
    PROFILE_READ,
    PROFILE_UPDATE,
)
from issuer.ob3api.errors import CODE_MINOR_VALUES

API_VERSION = "3.0"
SCHEMA_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
ACHIEVEMENT_CREDENTIAL_SCHEMA = SCHEMA_BASE + "ob_v3p0_achievementcredential_schema.json"
PROFILE_SCHEMA = SCHEMA_BASE + "ob_v3p0_profile_schema.json"
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


def service_description(base_url: str, name: str) -> dict[str, Any]:
    """The SDD for ``base_url``; ``name`` is the resource server's name people see."""
    urls = OAuthUrls(base_url)
    return {
        "openapi": "3.0.1",
        "info": _info(urls, name),
        "servers": [{"url": urls.api, "description": name}],
        "tags": [
            {"name": "OpenBadgeCredentials", "description": "Exchange credentials and profiles."},
            {"name": "Discovery"},
        ],
        "paths": _paths(),
        "components": _components(urls, name),
    }


def _info(urls: OAuthUrls, name: str) -> dict[str, Any]:
    return {
        "title": name,
        "description": "The 1EdTech Open Badges 3.0 API for educators' micro-credentials.",
        "termsOfService": urls.terms,
        "x-imssf-privacyPolicyUrl": urls.privacy,
        "version": API_VERSION,
    }


def _paths() -> dict[str, Any]:
    return {
        "/credentials": {
            "get": _operation(
                "getCredentials",
                "The REST GET operation for the getCredentials() API call.",
                CREDENTIAL_READ,
                ok=_credentials_list(),
                errors=(400, 401, 403, 405, 500),
                parameters=_paging_parameters(),
            ),
            "post": _operation(
                "upsertCredential",
                "The REST POST operation for the upsertCredential() API call.",
                CREDENTIAL_UPSERT,
                ok=_credential_echo("The credential replaced one already held."),
                created=_credential_echo("The credential was added."),
                errors=(400, 401, 403, 404, 405, 500),
                body=_credential_content(),
            ),
        },
        "/profile": {
            "get": _operation(
                "getProfile",
                "The REST GET operation for the getProfile() API call.",
                PROFILE_READ,
                ok=_profile_response(),
                errors=(400, 401, 403, 404, 405, 500),
            ),
            "put": _operation(
                "putProfile",
                "The REST PUT operation for the putProfile() API call.",
                PROFILE_UPDATE,
                ok=_profile_response(),
                errors=(400, 401, 403, 404, 405, 500),
                body={"application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}},
            ),
        },
        "/discovery": {
            "get": {
                "tags": ["Discovery"],
                "summary": "The REST GET operation for the getServiceDescription() API call.",
                "operationId": "getServiceDescription",
                "responses": {
                    "200": {
                        "description": "The Service Description Document.",
                        "content": _json_ref("ServiceDescriptionDocument"),
                    },
                    "default": _error_response("The request was invalid or cannot be served."),
                },
                "security": [],
            }
        },
    }


def _operation(
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
    responses: dict[str, Any] = {"200": ok}
    if created is not None:
        responses["201"] = created
    for status in errors:
        responses[str(status)] = _error_response(REASONS[status])
    responses["default"] = _error_response("The request was invalid or cannot be served.")
    operation: dict[str, Any] = {
        "tags": ["OpenBadgeCredentials"],
        "summary": summary,
        "operationId": operation_id,
        "responses": responses,
        "security": [{"OAuth2ACG": [scope]}],
    }
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {"required": True, "content": body}
    return operation


def _paging_parameters() -> list[dict[str, Any]]:
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
            "The maximum number of OpenBadgeCredentials to return per page (at most 100).",
            {"type": "integer", "format": "int32", "minimum": 1},
        ),
        query(
            "offset",
            "The index of the first AchievementCredential to return. (zero indexed)",
            {"type": "integer", "format": "int32", "minimum": 0},
        ),
        query(
            "since",
            "Only include OpenBadgeCredentials issued after this timestamp.",
            {"type": "string", "format": "date-time"},
        ),
    ]


def _credentials_list() -> dict[str, Any]:
    return {
        "description": "The OpenBadgeCredentials of the authenticated earner, paged.",
        "headers": {"X-Total-Count": {"$ref": "#/components/headers/X-Total-Count"}},
        "content": _json_ref("GetOpenBadgeCredentialsResponse"),
        "links": {rel: {"$ref": f"#/components/links/{rel}"} for rel in LINK_RELATIONS},
    }


def _credential_content() -> dict[str, Any]:
    return {
        "application/json": {"schema": {"$ref": "#/components/schemas/AchievementCredential"}},
        "text/plain": {"schema": COMPACT_JWS},
    }


def _credential_echo(description: str) -> dict[str, Any]:
    return {
        "description": f"{description} The body is the credential as sent.",
        "content": _credential_content(),
    }


def _profile_response() -> dict[str, Any]:
    return {"description": "The earner's profile.", "content": _json_ref("Profile")}


def _json_ref(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json_ref("Imsx_StatusInfo")}


def _components(urls: OAuthUrls, name: str) -> dict[str, Any]:
    return {
        "securitySchemes": {"OAuth2ACG": _security_scheme(urls, name)},
        "schemas": _schemas(),
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


def _security_scheme(urls: OAuthUrls, name: str) -> dict[str, Any]:
    return {
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
                "scopes": dict(OB3_SCOPES),
            }
        },
    }


def _schemas() -> dict[str, Any]:
    return {
        "ServiceDescriptionDocument": {
            "type": "object",
            "required": ["openapi", "info", "components"],
            "description": "This document: the OB 3.0 API's OpenAPI document, profiled.",
            "additionalProperties": True,
        },
        "AchievementCredential": {
            "type": "object",
            "description": f"An OpenBadgeCredential; 1EdTech's JSON Schema: {ACHIEVEMENT_CREDENTIAL_SCHEMA}",
            "required": ["@context", "type", "issuer", "credentialSubject"],
            "additionalProperties": True,
        },
        "Profile": {
            "type": "object",
            "description": f"A Profile; 1EdTech's JSON Schema: {PROFILE_SCHEMA}",
            "required": ["id", "type"],
            "additionalProperties": True,
        },
        "GetOpenBadgeCredentialsResponse": {
            "type": "object",
            "properties": {
                "credential": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/AchievementCredential"},
                },
                "compactJwsString": {"type": "array", "items": COMPACT_JWS},
            },
            "additionalProperties": False,
        },
        **status_info_schemas(),
    }


def status_info_schemas() -> dict[str, Any]:
    """The ``imsx_StatusInfo`` component schemas (shared with the CLR 2.0 API's document)."""
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
