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
from issuer.ob3api.service_description import (
    COMPACT_JWS,
    LINK_RELATIONS,
    components,
    discovery_operation,
    json_ref,
    operation,
    paging_parameters,
)

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
        "components": components(urls, name, CLR_SCOPES, _schemas()),
    }


def _paths() -> dict[str, Any]:
    return {
        "/credentials": {
            "get": operation(
                TAG,
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
                    "content": json_ref("GetClrCredentialsResponse"),
                    "links": {rel: {"$ref": f"#/components/links/{rel}"} for rel in LINK_RELATIONS},
                },
                errors=(400, 401, 403, 405, 500),
                parameters=paging_parameters("ClrCredentials", "ClrCredential"),
            )
        },
        "/profile": {
            "get": operation(
                TAG,
                "getProfile",
                "The REST GET operation for the getProfile() API call.",
                CLR_PROFILE_READ,
                ok={"description": "The educator's profile.", "content": json_ref("Profile")},
                errors=(400, 401, 403, 404, 405, 500),
            )
        },
        "/discovery": discovery_operation(),
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
    }
