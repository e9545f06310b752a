"""Reading a backpack's address and its Open Badges 3.0 service description
(issuer/backpack_client/discovery.py): our own discovery document is the reference."""

from __future__ import annotations

import copy

import pytest

from issuer.backpack_client import (
    UPSERT_SCOPE,
    BackpackUrlRefused,
    BadDiscoveryDocument,
    discovery_url_for,
    parse_service_description,
)
from issuer.ob3api.discovery import service_description

BASE = "https://backpack.example.org"
DISCOVERY = BASE + "/ims/ob/v3p0/discovery"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://backpack.example.org", DISCOVERY),
        ("  https://Backpack.Example.org/  ", DISCOVERY),
        (DISCOVERY, DISCOVERY),
        (
            "https://host.example.org/tenant/7",
            "https://host.example.org/tenant/7/ims/ob/v3p0/discovery",
        ),
    ],
    ids=["origin", "spaces-case-slash", "document-url", "base-with-path"],
)
def test_the_discovery_url_is_the_well_known_path_under_the_given_base(given, expected):
    assert discovery_url_for(given, allow_http=False) == expected


@pytest.mark.parametrize(
    "given",
    [
        "",
        "backpack.example.org",
        "http://backpack.example.org",
        "ftp://backpack.example.org",
        "https://",
        "https://a b.example.org",
        "https://x.example.org:99999",
        "https://x.org/#f",
    ],
    ids=["empty", "no-scheme", "http", "ftp", "no-host", "space", "bad-port", "fragment"],
)
def test_addresses_that_are_not_plain_https_urls_are_refused(given):
    with pytest.raises(BackpackUrlRefused):
        discovery_url_for(given, allow_http=False)


def test_plain_http_is_accepted_only_when_private_addresses_are_allowed():
    assert discovery_url_for("http://localhost:5000", allow_http=True) == (
        "http://localhost:5000/ims/ob/v3p0/discovery"
    )


def test_our_own_discovery_document_gives_every_endpoint():
    endpoints = parse_service_description(
        service_description(BASE, "Backpack"), DISCOVERY, allow_http=False
    )
    assert endpoints.name == "Backpack"
    assert endpoints.authorization_url == BASE + "/oauth/authorize"
    assert endpoints.token_url == BASE + "/oauth/token"
    assert endpoints.registration_url == BASE + "/oauth/register"
    assert endpoints.credentials_url == BASE + "/ims/ob/v3p0/credentials"
    assert endpoints.origin == BASE


def _without(path: list[str]) -> dict:
    document = copy.deepcopy(service_description(BASE, "Backpack"))
    node = document
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return document


FLOW = ["components", "securitySchemes", "OAuth2ACG", "flows", "authorizationCode"]


@pytest.mark.parametrize(
    ("path", "says"),
    [
        (["servers"], "no API server"),
        (["components"], "components"),
        (["components", "securitySchemes", "OAuth2ACG"], "no OAuth 2.0 authorization code flow"),
        (
            ["components", "securitySchemes", "OAuth2ACG", "x-imssf-registrationUrl"],
            "x-imssf-registrationUrl",
        ),
        ([*FLOW, "tokenUrl"], "tokenUrl"),
        ([*FLOW, "authorizationUrl"], "authorizationUrl"),
        ([*FLOW, "scopes", UPSERT_SCOPE], "credential.upsert"),
    ],
    ids=[
        "servers",
        "components",
        "scheme",
        "registration",
        "token",
        "authorization",
        "upsert-scope",
    ],
)
def test_a_document_missing_what_we_need_is_refused_naming_it(path, says):
    with pytest.raises(BadDiscoveryDocument, match=says):
        parse_service_description(_without(path), DISCOVERY, allow_http=False)


def test_plain_http_endpoints_are_refused_unless_private_addresses_are_allowed():
    document = service_description("http://backpack.example.org", "Backpack")
    with pytest.raises(BadDiscoveryDocument, match="must start with https://"):
        parse_service_description(document, DISCOVERY, allow_http=False)
    assert parse_service_description(document, DISCOVERY, allow_http=True).token_url.startswith(
        "http://"
    )


@pytest.mark.parametrize("document", [None, [], "text", 3], ids=str)
def test_a_document_that_is_not_an_object_is_refused(document):
    with pytest.raises(BadDiscoveryDocument):
        parse_service_description(document, DISCOVERY, allow_http=False)
