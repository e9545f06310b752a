"""Where a backpack's Open Badges 3.0 API lives: the address the earner types, and what the
service description document (``GET {base}/ims/ob/v3p0/discovery``) says about its OAuth 2.0.

Pure functions: no I/O. The OB 3.0 API publishes its endpoints in the document's ``OAuth2ACG``
security scheme (authorization, token and refresh URLs, the scopes, ``x-imssf-registrationUrl``)
and the API's base URL as ``servers[0].url``. Every URL must be https; plain http only when the
deployment allows private addresses (``VERIFY_ALLOW_PRIVATE``, for tests and closed networks).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

from issuer.backpack_client.errors import BackpackUrlRefused, BadDiscoveryDocument
from issuer.domain.backpacks import BackpackEndpoints

DISCOVERY_PATH = "/ims/ob/v3p0/discovery"
UPSERT_SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"
SECURITY_SCHEME = "OAuth2ACG"
MAX_URL_LENGTH = 2048
MAX_NAME_LENGTH = 200


def discovery_url_for(given: str, *, allow_http: bool) -> str:
    """The discovery document URL for what the earner typed: a base URL, or the document's URL.

    Raises ``BackpackUrlRefused`` for anything that is not an absolute https URL (http too when
    ``allow_http``) without user name, password, query or fragment.
    """
    text = given.strip()
    parts = _checked_url(text, "The backpack address", allow_http=allow_http)
    if parts.query or parts.fragment:
        raise BackpackUrlRefused(
            "Give the backpack's address without ? or # parts, e.g. https://backpack.example.org."
        )
    path = parts.path.rstrip("/")
    if not path.endswith(DISCOVERY_PATH):
        path += DISCOVERY_PATH
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


def parse_service_description(
    document: Any, discovery_url: str, *, allow_http: bool
) -> BackpackEndpoints:
    """The endpoints a service description document names; ``BadDiscoveryDocument`` otherwise."""
    root = _object(document, "The document")
    scheme = _oauth_scheme(root)
    flow = _object(
        _object(scheme.get("flows"), "Its OAuth 2.0 flows").get("authorizationCode"),
        "Its authorization code flow",
    )
    scopes = flow.get("scopes")
    if not isinstance(scopes, dict) or UPSERT_SCOPE not in scopes:
        raise BadDiscoveryDocument(
            "This backpack does not offer the credential.upsert scope, so it cannot receive badges."
        )

    def url(value: Any, what: str) -> str:
        return _endpoint(value, what, discovery_url, allow_http=allow_http)

    return BackpackEndpoints(
        discovery_url=discovery_url,
        name=_name(root, scheme, discovery_url),
        api_url=url(_first_server(root), "servers[0].url"),
        authorization_url=url(flow.get("authorizationUrl"), "authorizationUrl"),
        token_url=url(flow.get("tokenUrl"), "tokenUrl"),
        registration_url=url(scheme.get("x-imssf-registrationUrl"), "x-imssf-registrationUrl"),
    )


def _oauth_scheme(root: dict[str, Any]) -> dict[str, Any]:
    """The ``OAuth2ACG`` scheme, or else the first OAuth 2.0 scheme with a code flow."""
    components = _object(root.get("components"), "Its components")
    schemes = _object(components.get("securitySchemes"), "Its securitySchemes")
    candidates = [schemes.get(SECURITY_SCHEME)] + [
        v for k, v in schemes.items() if k != SECURITY_SCHEME
    ]
    for scheme in candidates:
        if (
            isinstance(scheme, dict)
            and scheme.get("type") == "oauth2"
            and isinstance(scheme.get("flows"), dict)
            and "authorizationCode" in scheme["flows"]
        ):
            return scheme
    raise BadDiscoveryDocument(
        "The backpack's service description names no OAuth 2.0 authorization code flow."
    )


def _first_server(root: dict[str, Any]) -> Any:
    servers = root.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        raise BadDiscoveryDocument("The backpack's service description names no API server.")
    return servers[0].get("url")


def _name(root: dict[str, Any], scheme: dict[str, Any], discovery_url: str) -> str:
    """The backpack's own name for itself (shown to the earner), else its host."""
    info = root.get("info")
    for value in (
        scheme.get("x-imssf-name"),
        info.get("title") if isinstance(info, dict) else None,
    ):
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())[:MAX_NAME_LENGTH]
    return urlsplit(discovery_url).netloc


def _endpoint(value: Any, what: str, base: str, *, allow_http: bool) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadDiscoveryDocument(f"The backpack's service description has no {what}.")
    absolute = urljoin(base, value.strip())
    try:
        parts = _checked_url(absolute, f"Its {what}", allow_http=allow_http)
    except BackpackUrlRefused as refused:
        raise BadDiscoveryDocument(refused.message) from None
    if parts.fragment:
        raise BadDiscoveryDocument(f"Its {what} has a # fragment.")
    return absolute


def _checked_url(text: str, what: str, *, allow_http: bool) -> SplitResult:
    """``urlsplit`` of an absolute http(s) URL we may contact; ``BackpackUrlRefused`` otherwise."""
    if not text or len(text) > MAX_URL_LENGTH:
        raise BackpackUrlRefused(f"{what} must be a URL of at most {MAX_URL_LENGTH} characters.")
    if any(ord(char) < 33 or ord(char) == 127 for char in text):
        raise BackpackUrlRefused(f"{what} contains spaces or control characters.")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise BackpackUrlRefused(f"{what} is not a valid URL.") from None
    allowed = ("https", "http") if allow_http else ("https",)
    if parts.scheme.lower() not in allowed:
        raise BackpackUrlRefused(f"{what} must start with https://.")
    if not parts.hostname:
        raise BackpackUrlRefused(f"{what} has no host name.")
    if parts.username is not None or parts.password is not None:
        raise BackpackUrlRefused(f"{what} must not contain a user name or password.")
    return parts


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadDiscoveryDocument(
            f"The backpack's service description is not usable: {what.lower()} is missing or "
            "not a JSON object."
        )
    return value
