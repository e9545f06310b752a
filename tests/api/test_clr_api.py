"""The 1EdTech CLR 2.0 API (issue 16): a backpack the educator authorizes reads the educator's
learner record at /ims/clr/v2p0/credentials, after dynamic registration and the authorization
code + PKCE flow; discovery, paging, scopes and imsx_StatusInfo errors as the OB 3.0 API has them.

Answers are checked against 1EdTech's CLR 2.0 JSON Schemas (tests/fixtures/1edtech/clr) and the
Service Description Document against the OpenAPI checks the OB 3.0 discovery document passes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import JWKRegistry
from jsonschema import validators

from issuer.signing.data_integrity import verify_data_integrity
from tests.api.oauth_client import (
    ALL_SCOPES,
    CLR_PROFILE,
    CLR_READ,
    CLR_SCOPES,
    EVERY_SCOPE,
    READ,
    Backpack,
    bearer,
    make_earner,
)
from tests.api.test_ob3_api import openapi_errors
from tests.api.test_ob3_publishing import BASE, KeyResolver, _loader, doc
from tests.requirements import require_module
from tests.vendored import clr_file

API = "/ims/clr/v2p0"
CREDENTIALS = f"{API}/credentials"
PROFILE_PATH = f"{API}/profile"
DISCOVERY = f"{API}/discovery"


def schema_errors(name: str, instance: Any) -> list[str]:
    """Errors of ``instance`` against one of 1EdTech's CLR 2.0 JSON Schemas (draft 2019-09)."""
    schema = clr_file(name)
    cls = validators.validator_for(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(instance)]


def assert_status_info(response: Any, status: int, minor: str) -> dict[str, Any]:
    assert response.status_code == status, response.data
    body = response.get_json()
    assert schema_errors("clr_v2p0_imsx_statusinfo_schema.json", body) == []
    assert body["imsx_codeMajor"] == "failure"
    [field] = body["imsx_codeMinor"]["imsx_codeMinorField"]
    assert field["imsx_codeMinorFieldValue"] == minor
    return body  # type: ignore[no-any-return]


def clr_backpack(client: Any) -> Backpack:
    """A backpack registered for both APIs' scopes."""
    backpack = Backpack(client)
    assert backpack.register(scope=EVERY_SCOPE).status_code == 201
    return backpack


def links(header: str) -> dict[str, str]:
    found = {}
    for part in header.split(", "):
        url, rel = part.split("; ")
        found[rel.removeprefix('rel="').removesuffix('"')] = url.strip("<>")
    return found


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def earner(api, district):
    return make_earner(api, district, awards=2)


@pytest.fixture
def token(client, earner) -> str:
    return clr_backpack(client).tokens(earner.email, scope=CLR_READ)["access_token"]  # type: ignore[no-any-return]


@pytest.fixture
def answer(client, token) -> Any:
    response = client.get(CREDENTIALS, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return response


# --- discovery -------------------------------------------------------------------------------


def test_discovery_is_public_and_names_our_oauth_endpoints_and_the_clr_scopes(client):
    response = client.get(DISCOVERY)
    assert response.status_code == 200
    document = response.get_json()
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["type"] == "oauth2"
    assert scheme["x-imssf-registrationUrl"] == f"{BASE}/oauth/register"
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == f"{BASE}/oauth/authorize"
    assert flow["tokenUrl"] == flow["refreshUrl"] == f"{BASE}/oauth/token"
    assert set(flow["scopes"]) == set(CLR_SCOPES.split())
    assert document["servers"][0]["url"] == f"{BASE}/ims/clr/v2p0"


def test_discovery_info_names_privacy_policy_terms_and_image_that_resolve(client):
    info = client.get(DISCOVERY).get_json()["info"]
    for key in ("termsOfService", "x-imssf-privacyPolicyUrl", "x-imssf-image"):
        with client.get(info[key].removeprefix(BASE)) as response:
            assert response.status_code == 200, key


def test_discovery_is_a_valid_openapi_3_0_document(client):
    validator = require_module("openapi_spec_validator", "it is in the dev extra")
    document = client.get(DISCOVERY).get_json()
    assert document["openapi"].startswith("3.0")
    validator.validate(document)


def test_discovery_validates_against_the_1edtech_service_description_schema(client):
    # The CLR 2.0 API's Service Description Document has the OB 3.0 API's model (same
    # OpenApiInfo, OAuth2ACG security scheme with x-imssf-registrationUrl).
    document = client.get(DISCOVERY).get_json()
    assert openapi_errors("ServiceDescriptionDocument", document) == []


def test_discovery_lists_the_read_operations_with_their_clr_scopes(client):
    paths = client.get(DISCOVERY).get_json()["paths"]
    operations = {
        (
            path,
            method,
            op["operationId"],
            tuple(s for r in op["security"] for v in r.values() for s in v),
        )
        for path, item in paths.items()
        for method, op in item.items()
    }
    assert operations == {
        ("/credentials", "get", "getCredentials", (CLR_READ,)),
        ("/profile", "get", "getProfile", (CLR_PROFILE,)),
        ("/discovery", "get", "getServiceDescription", ()),
    }


def test_the_registration_url_of_discovery_registers_a_client_for_the_clr_scopes(client):
    scheme = client.get(DISCOVERY).get_json()["components"]["securitySchemes"]["OAuth2ACG"]
    response = client.post(
        scheme["x-imssf-registrationUrl"].removeprefix(BASE),
        json={
            "client_name": "CLR backpack",
            "redirect_uris": ["https://app.example.org/cb"],
            "scope": CLR_SCOPES,
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["scope"] == CLR_SCOPES


def test_authorization_server_metadata_lists_the_clr_scopes(client):
    supported = client.get("/.well-known/oauth-authorization-server").get_json()["scopes_supported"]
    assert set(EVERY_SCOPE.split()) <= set(supported)


def test_consent_page_shows_the_clr_scope_in_words(client):
    backpack = clr_backpack(client)
    html = client.get(backpack.authorize_path(scope=CLR_READ)).data.decode()
    assert "Read your learner record" in html and CLR_READ in html


# --- getCredentials --------------------------------------------------------------------------


def test_get_credentials_answers_the_official_response_shape(answer):
    body = answer.get_json()
    assert schema_errors("clr_v2p0_getclrcredentialsresponse_schema.json", body) == []
    assert (len(body["credential"]), len(body["compactJwsString"])) == (1, 1)
    assert answer.headers["Cache-Control"] == "no-store"


def test_each_record_validates_against_the_clrcredential_schema(answer):
    [record] = answer.get_json()["credential"]
    assert schema_errors("clr_v2p0_clrcredential_schema.json", record) == []
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    assert len(record["credentialSubject"]["verifiableCredential"]) == 2


def test_the_record_is_the_one_the_earner_api_stores(api, earner, answer):
    [record] = answer.get_json()["credential"]
    stored = api.call("GET", f"/earners/{earner.earner_id}/clr", api.ptsb)
    assert json.loads(stored.data) == record
    assert doc(api.client, record["id"]) == record


def test_the_record_data_integrity_proof_verifies_with_ptsb_key(client, answer):
    [record] = answer.get_json()["credential"]
    result = verify_data_integrity(record, KeyResolver(client), _loader(client))
    assert result.verified, result.reason


def test_the_compact_jws_verifies_with_ptsb_published_key_and_holds_the_same_record(client, answer):
    body = answer.get_json()
    [token], [record] = body["compactJwsString"], body["credential"]
    header = jws.extract_compact(token.encode()).protected
    key = JWKRegistry.import_key(doc(client, header["kid"]))
    verified = jws.deserialize_compact(token, key, algorithms=[header["alg"]])
    claims = json.loads(verified.payload)
    assert claims["jti"] == claims["id"] == record["id"]
    assert claims["iss"] == record["issuer"]["id"]
    unsigned = {k: v for k, v in record.items() if k != "proof"}
    assert {k: v for k, v in claims.items() if k in unsigned} == unsigned


def test_a_second_read_answers_the_same_record_without_signing_again(client, token, answer):
    again = client.get(CREDENTIALS, headers=bearer(token)).get_json()
    assert again == answer.get_json()


def test_a_new_award_gives_a_new_record(api, district, client, earner, token, answer):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id, name="One more program")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner.earner_id)
    api.complete(admin, enrollment_id)
    [record] = client.get(CREDENTIALS, headers=bearer(token)).get_json()["credential"]
    assert record["id"] != answer.get_json()["credential"][0]["id"]
    assert len(record["credentialSubject"]["verifiableCredential"]) == 3


def test_an_educator_with_no_active_award_gets_an_empty_list(api, district, client):
    educator = make_earner(api, district, awards=0)
    token = clr_backpack(client).tokens(educator.email, scope=CLR_READ)["access_token"]
    response = client.get(CREDENTIALS, headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {"credential": [], "compactJwsString": []}
    assert response.headers["X-Total-Count"] == "0"


def test_paging_headers_give_the_total_and_the_links(answer):
    assert answer.headers["X-Total-Count"] == "1"
    base = f"{BASE}{CREDENTIALS}"
    assert links(answer.headers["Link"]) == {
        "first": f"{base}?limit=50&offset=0",
        "last": f"{base}?limit=50&offset=0",
    }


def test_an_offset_past_the_record_answers_an_empty_page_with_a_prev_link(client, token, answer):
    response = client.get(f"{CREDENTIALS}?limit=1&offset=1", headers=bearer(token))
    assert response.get_json() == {"credential": [], "compactJwsString": []}
    assert response.headers["X-Total-Count"] == "1"
    assert links(response.headers["Link"])["prev"] == f"{BASE}{CREDENTIALS}?limit=1&offset=0"


def test_since_after_the_record_was_issued_leaves_it_out(client, token, answer):
    [record] = answer.get_json()["credential"]
    issued = datetime.fromisoformat(record["validFrom"].replace("Z", "+00:00"))
    later = (issued + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    before = client.get(
        CREDENTIALS, headers=bearer(token), query_string={"since": "2020-01-01T00:00:00Z"}
    )
    after = client.get(CREDENTIALS, headers=bearer(token), query_string={"since": later})
    assert len(before.get_json()["credential"]) == 1
    assert (after.get_json()["credential"], after.headers["X-Total-Count"]) == ([], "0")


def test_a_bad_limit_is_400_invalid_query_parameter(client, token):
    response = client.get(f"{CREDENTIALS}?limit=0", headers=bearer(token))
    assert_status_info(response, 400, "invalid_query_parameter")


# --- scopes and tokens -----------------------------------------------------------------------


def test_get_credentials_needs_a_token(client):
    response = client.get(CREDENTIALS)
    assert_status_info(response, 401, "unauthorizedrequest")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="clr"'


def test_an_unknown_token_is_401_invalid_token(client):
    response = client.get(CREDENTIALS, headers=bearer("made-up-token"))
    assert_status_info(response, 401, "unauthorizedrequest")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_token_with_only_the_ob3_scope_is_403_insufficient_scope(client, earner):
    tokens = clr_backpack(client).tokens(earner.email, scope=READ)
    response = client.get(CREDENTIALS, headers=bearer(tokens["access_token"]))
    assert_status_info(response, 403, "forbidden")
    header = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in header and f'scope="{CLR_READ}"' in header


def test_a_clr_token_does_not_read_the_ob3_credentials(client, token):
    response = client.get("/ims/ob/v3p0/credentials", headers=bearer(token))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_a_backpack_registered_for_ob3_only_cannot_ask_for_the_clr_scope(client, earner):
    backpack = Backpack(client)
    assert backpack.register(scope=ALL_SCOPES).status_code == 201
    response = client.get(backpack.authorize_path(scope=CLR_READ))
    assert response.status_code == 302
    assert "error=invalid_scope" in response.headers["Location"]


# --- getProfile, and what we do not serve ----------------------------------------------------


def test_get_profile_answers_the_educator_profile(client, earner):
    tokens = clr_backpack(client).tokens(earner.email, scope=CLR_PROFILE)
    response = client.get(PROFILE_PATH, headers=bearer(tokens["access_token"]))
    assert response.status_code == 200, response.get_json()
    profile = response.get_json()
    assert profile["email"] == earner.email
    assert schema_errors("clr_v2p0_profile_schema.json", profile) == []


def test_get_profile_needs_the_clr_profile_scope(client, token):
    response = client.get(PROFILE_PATH, headers=bearer(token))
    assert_status_info(response, 403, "forbidden")


def test_upsert_credential_is_not_served_405_with_allow(client, token):
    response = client.post(CREDENTIALS, headers=bearer(token), json={"type": "ClrCredential"})
    assert_status_info(response, 405, "not_allowed")
    assert response.headers["Allow"] == "GET"


def test_an_unknown_endpoint_is_404_status_info(client):
    assert_status_info(client.get(f"{API}/no-such-thing"), 404, "not_found")
