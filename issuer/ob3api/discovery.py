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
from issuer.ob3api.service_description import (
    COMPACT_JWS,
    LINK_RELATIONS,
    components,
    discovery_operation,
    json_ref,
    operation,
    paging_parameters,
)

API_VERSION = "3.0"
SCHEMA_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
ACHIEVEMENT_CREDENTIAL_SCHEMA = SCHEMA_BASE + "ob_v3p0_achievementcredential_schema.json"
PROFILE_SCHEMA = SCHEMA_BASE + "ob_v3p0_profile_schema.json"
TAG = "OpenBadgeCredentials"


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
        "components": components(urls, name, OB3_SCOPES, _schemas()),
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
            "get": operation(
                TAG,
                "getCredentials",
                "The REST GET operation for the getCredentials() API call.",
                CREDENTIAL_READ,
                ok=_credentials_list(),
                errors=(400, 401, 403, 405, 500),
                parameters=paging_parameters("OpenBadgeCredentials", "AchievementCredential"),
            ),
            "post": operation(
                TAG,
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
            "get": operation(
                TAG,
                "getProfile",
                "The REST GET operation for the getProfile() API call.",
                PROFILE_READ,
                ok=_profile_response(),
                errors=(400, 401, 403, 404, 405, 500),
            ),
            "put": operation(
                TAG,
                "putProfile",
                "The REST PUT operation for the putProfile() API call.",
                PROFILE_UPDATE,
                ok=_profile_response(),
                errors=(400, 401, 403, 404, 405, 500),
                body={"application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}},
            ),
        },
        "/discovery": discovery_operation(),
    }


def _credentials_list() -> dict[str, Any]:
    return {
        "description": "The OpenBadgeCredentials of the authenticated earner, paged.",
        "headers": {"X-Total-Count": {"$ref": "#/components/headers/X-Total-Count"}},
        "content": json_ref("GetOpenBadgeCredentialsResponse"),
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
    return {"description": "The earner's profile.", "content": json_ref("Profile")}


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
    }
