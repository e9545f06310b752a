"""The Service Description Document of our CLR 2.0 API (``GET /ims/clr/v2p0/discovery``).

An OpenAPI 3.0 document profiled for this deployment, as the CLR 2.0 API asks (the same shape as
the Open Badges 3.0 API's, ``issuer.ob3api.discovery``): our server URL, the three operations we
serve (``getCredentials``, ``getProfile``, ``getServiceDescription``), and the ``OAuth2ACG``
security scheme naming our authorization, token, refresh and registration URLs and the CLR
scopes. Component schemas name 1EdTech's CLR JSON Schemas rather than copying them.
"""

from __future__ import annotations

from typing import Any

from issuer.domain.oauth_urls import OAuthUrls
from issuer.oauth.scopes import CLR_CREDENTIAL_READ, CLR_PROFILE_READ, CLR_SCOPES
from issuer.ob3api.discovery import COMPACT_JWS, LINK_RELATIONS, REASONS, status_info_schemas

API_VERSION = "2.0"
SCHEMA_BASE = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/"
CLR_CREDENTIAL_SCHEMA = SCHEMA_BASE + "clr_v2p0_clrcredential_schema.json"
PROFILE_SCHEMA = SCHEMA_BASE + "clr_v2p0_profile_schema.json"
RESPONSE_SCHEMA = SCHEMA_BASE + "clr_v2p0_getclrcredentialsresponse_schema.json"
TAG = "ClrCredentials"


def service_description(base_url: str, name: str) -> dict[str, Any]:
    """The SDD for ``base_url``; ``name`` is the resource server's name people see."""
    urls = OAuthUrls(base_url)
    return {
        "openapi": "3.0.1",
        "info": {
            "title": name,
            "description": (
                "The 1EdTech Comprehensive Learner Record 2.0 API: the educator's learner record, "
                "signed by the board, for the apps the educator authorizes."
            ),
            "termsOfService": urls.terms,
            "x-imssf-image": urls.logo,
            "x-imssf-privacyPolicyUrl": urls.privacy,
            "version": API_VERSION,
        },
        "servers": [{"url": urls.clr_api, "description": name}],
        "tags": [
            {"name": TAG, "description": "Read the educator's learner record and profile."},
            {"name": "Discovery"},
        ],
        "paths": _paths(),
        "components": _components(urls, name),
    }


def _paths() -> dict[str, Any]:
    return {
        "/credentials": {
            "get": _operation(
                "getCredentials",
                "The REST GET operation for the getCredentials() API call.",
                CLR_CREDENTIAL_READ,
                ok={
                    "description": (
                        "The educator's current ClrCredential, paged: the same record as JSON-LD "
                        "with a Data Integrity proof in `credential` and as a VC-JWT in "
                        "`compactJwsString`. Empty while the educator holds no active award."
                    ),
                    "headers": {"X-Total-Count": {"$ref": "#/components/headers/X-Total-Count"}},
                    "content": _json_ref("GetClrCredentialsResponse"),
                    "links": {rel: {"$ref": f"#/components/links/{rel}"} for rel in LINK_RELATIONS},
                },
                errors=(400, 401, 403, 405, 500),
                parameters=_paging_parameters(),
            )
        },
        "/profile": {
            "get": _operation(
                "getProfile",
                "The REST GET operation for the getProfile() API call.",
                CLR_PROFILE_READ,
                ok={"description": "The educator's profile.", "content": _json_ref("Profile")},
                errors=(400, 401, 403, 404, 405, 500),
            )
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
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": ok}
    for status in errors:
        responses[str(status)] = _error_response(REASONS[status])
    responses["default"] = _error_response("The request was invalid or cannot be served.")
    operation: dict[str, Any] = {
        "tags": [TAG],
        "summary": summary,
        "operationId": operation_id,
        "responses": responses,
        "security": [{"OAuth2ACG": [scope]}],
    }
    if parameters:
        operation["parameters"] = parameters
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
            "The maximum number of ClrCredentials to return per page (at most 100).",
            {"type": "integer", "format": "int32", "minimum": 1},
        ),
        query(
            "offset",
            "The index of the first ClrCredential to return. (zero indexed)",
            {"type": "integer", "format": "int32", "minimum": 0},
        ),
        query(
            "since",
            "Only include ClrCredentials issued after this timestamp.",
            {"type": "string", "format": "date-time"},
        ),
    ]


def _json_ref(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json_ref("Imsx_StatusInfo")}


def _components(urls: OAuthUrls, name: str) -> dict[str, Any]:
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
                        "scopes": dict(CLR_SCOPES),
                    }
                },
            }
        },
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


def _schemas() -> dict[str, Any]:
    return {
        "ServiceDescriptionDocument": {
            "type": "object",
            "required": ["openapi", "info", "components"],
            "description": "This document: the CLR 2.0 API's OpenAPI document, profiled.",
            "additionalProperties": True,
        },
        "ClrCredential": {
            "type": "object",
            "description": f"A ClrCredential; 1EdTech's JSON Schema: {CLR_CREDENTIAL_SCHEMA}",
            "required": ["@context", "type", "id", "issuer", "validFrom", "credentialSubject"],
            "additionalProperties": True,
        },
        "Profile": {
            "type": "object",
            "description": f"A Profile; 1EdTech's JSON Schema: {PROFILE_SCHEMA}",
            "required": ["id", "type"],
            "additionalProperties": True,
        },
        "GetClrCredentialsResponse": {
            "type": "object",
            "description": f"1EdTech's JSON Schema: {RESPONSE_SCHEMA}",
            "properties": {
                "credential": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/ClrCredential"},
                },
                "compactJwsString": {"type": "array", "items": COMPACT_JWS},
            },
            "additionalProperties": False,
        },
        **status_info_schemas(),
    }
