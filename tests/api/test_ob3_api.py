"""The 1EdTech Open Badges 3.0 API (issue 6): discovery, getCredentials (paging, since, headers),
upsertCredential (verified, stored as received), getProfile/putProfile, scopes, imsx errors.

Answers are checked against 1EdTech's own OpenAPI document and JSON Schemas (shared/ob3-schemas,
read by the tests only; the product carries its own discovery document)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for
from sqlalchemy import func, select

from issuer.models import Account, ReceivedCredential
from issuer.workflow.accounts.accounts import actor_for
from issuer.workflow.integrations import backpack as backpack_workflow
from tests.api.oauth_client import (
    ALL_SCOPES,
    PROFILE,
    PROFILE_UPDATE,
    READ,
    UPSERT,
    Backpack,
    bearer,
    credential_from_elsewhere,
    jwt_from_elsewhere,
    make_earner,
)
from tests.requirements import require_module
from tests.vendored import ob3_schema

API = "/ims/ob/v3p0"
CREDENTIALS = f"{API}/credentials"
PROFILE_PATH = f"{API}/profile"


# --- the official schemas --------------------------------------------------------------------


def _official(name: str) -> dict[str, Any]:
    return ob3_schema(name)


def schema_errors(name: str, instance: Any) -> list[str]:
    """Errors of ``instance`` against one of 1EdTech's JSON Schema files."""
    schema = _official(name)
    validator = validator_for(schema)(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def openapi_errors(component: str, instance: Any) -> list[str]:
    """Errors against ``components/schemas/<component>`` of 1EdTech's OB 3.0 OpenAPI document."""
    document = _official("ob3-api-openapi.json")
    root = {**document, "$ref": f"#/components/schemas/{component}"}
    validator = Draft202012Validator(root)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def assert_status_info(response: Any, status: int, minor: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.data
    body = response.get_json()
    assert schema_errors("imsx_statusinfo.json", body) == []
    assert openapi_errors("Imsx_StatusInfo", body) == []
    assert body["imsx_codeMajor"] == "failure"
    if minor:
        [field] = body["imsx_codeMinor"]["imsx_codeMinorField"]
        assert field["imsx_codeMinorFieldValue"] == minor
    return body  # type: ignore[no-any-return]


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def earner(api, district):
    return make_earner(api, district, awards=1)


@pytest.fixture
def tokens(client, earner):
    return Backpack(client).tokens(earner.email)


def keep(app, email: str, documents: list[dict[str, Any]]) -> None:
    """Store credentials for the earner as upsertCredential would, without HTTP or verification."""
    services = app.extensions["issuer.services"]
    with services.db.transaction() as session:
        account = session.scalar(select(Account).where(Account.email == email))
        ctx = services.context(session, actor_for(account))
        for document in documents:
            incoming = backpack_workflow.IncomingCredential(
                format=backpack_workflow.JSON,
                body=json.dumps(document).encode(),
                credential_id=document["id"],
                issued_at=datetime.fromisoformat(document["validFrom"]),
            )
            backpack_workflow.upsert_received(ctx, incoming, None)


def received_count(app) -> int:
    with app.extensions["issuer.services"].db.session() as session:
        return session.scalar(select(func.count()).select_from(ReceivedCredential)) or 0


def day(n: int) -> str:
    return f"2025-03-{n:02d}T10:00:00Z"


# --- discovery -------------------------------------------------------------------------------


def test_discovery_is_public_and_names_our_oauth_endpoints(client):
    response = client.get(f"{API}/discovery")
    assert response.status_code == 200
    scheme = response.get_json()["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["x-imssf-registrationUrl"] == "https://badges.test/oauth/register"
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == "https://badges.test/oauth/authorize"
    assert flow["tokenUrl"] == flow["refreshUrl"] == "https://badges.test/oauth/token"
    assert set(flow["scopes"]) == set(ALL_SCOPES.split())
    assert response.get_json()["servers"] == [
        {
            "url": "https://badges.test/ims/ob/v3p0",
            "description": response.get_json()["info"]["title"],
        }
    ]


def test_discovery_validates_against_the_official_service_description_schema(client):
    document = client.get(f"{API}/discovery").get_json()
    assert openapi_errors("ServiceDescriptionDocument", document) == []


def test_discovery_is_a_valid_openapi_3_0_document(client):
    validator = require_module("openapi_spec_validator", "it is in the dev extra")
    document = client.get(f"{API}/discovery").get_json()
    assert document["openapi"].startswith("3.0")
    validator.validate(document)


def _operations(document: dict[str, Any]) -> set[tuple[str, str, str, tuple[str, ...]]]:
    return {
        (
            path,
            method,
            op["operationId"],
            tuple(scope for req in op.get("security", []) for s in req.values() for scope in s),
        )
        for path, item in document["paths"].items()
        for method, op in item.items()
    }


def test_discovery_profiles_the_official_operations_and_scopes(client):
    ours = client.get(f"{API}/discovery").get_json()
    official = _official("ob3-api-openapi.json")
    assert _operations(ours) == _operations(official)
    official_scopes = official["components"]["securitySchemes"]["OAuth2ACG"]["flows"]
    ours_scopes = ours["components"]["securitySchemes"]["OAuth2ACG"]["flows"]
    assert (
        ours_scopes["authorizationCode"]["scopes"] == official_scopes["authorizationCode"]["scopes"]
    )


def test_the_registration_url_of_discovery_registers_a_client(client):
    document = client.get(f"{API}/discovery").get_json()
    url = document["components"]["securitySchemes"]["OAuth2ACG"]["x-imssf-registrationUrl"]
    response = client.post(
        url.replace("https://badges.test", ""),
        json={"client_name": "From discovery", "redirect_uris": ["https://app.example.org/cb"]},
    )
    assert response.status_code == 201


def test_policy_pages_named_by_discovery_resolve(client):
    info = client.get(f"{API}/discovery").get_json()["info"]
    for url in (info["termsOfService"], info["x-imssf-privacyPolicyUrl"]):
        assert client.get(url.replace("https://badges.test", "")).status_code == 200


# --- getCredentials --------------------------------------------------------------------------


def test_get_credentials_needs_a_token(client):
    response = client.get(CREDENTIALS)
    assert_status_info(response, 401, "unauthorizedrequest")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_get_credentials_with_an_unknown_token_is_401(client):
    response = client.get(CREDENTIALS, headers=bearer("made-up-token"))
    assert_status_info(response, 401, "unauthorizedrequest")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_get_credentials_without_the_read_scope_is_403_insufficient_scope(client, earner):
    tokens = Backpack(client).tokens(earner.email, scope=PROFILE)
    response = client.get(CREDENTIALS, headers=bearer(tokens["access_token"]))
    assert_status_info(response, 403, "forbidden")
    header = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in header and f'scope="{READ}"' in header


def test_get_credentials_answers_the_official_response_shape(app, client, earner, tokens):
    keep(app, earner.email, [credential_from_elsewhere(earner.email)])
    response = client.get(CREDENTIALS, headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    body = response.get_json()
    assert len(body["credential"]) + len(body["compactJwsString"]) == int(
        response.headers["X-Total-Count"]
    )
    assert schema_errors("getopenbadgecredentialsresponse.json", body) == []
    assert openapi_errors("GetOpenBadgeCredentialsResponse", body) == []
    assert response.headers["Cache-Control"] == "no-store"


def test_credentials_are_served_exactly_as_stored(app, client, earner, tokens):
    document = credential_from_elsewhere(earner.email)
    keep(app, earner.email, [document])
    body = client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).get_json()
    assert document in body["credential"]


def test_paging_with_limit_offset_total_and_links(app, client, earner, tokens):
    documents = [credential_from_elsewhere(earner.email, valid_from=day(n)) for n in range(1, 6)]
    keep(app, earner.email, documents)
    response = client.get(f"{CREDENTIALS}?limit=2&offset=2", headers=bearer(tokens["access_token"]))
    body = response.get_json()
    assert [c["id"] for c in body["credential"]] == [documents[2]["id"], documents[3]["id"]]
    total = int(response.headers["X-Total-Count"])
    assert total == 5 + _published_count(client, tokens)
    links = _links(response.headers["Link"])
    base = "https://badges.test/ims/ob/v3p0/credentials"
    assert links["next"] == f"{base}?limit=2&offset=4"
    assert links["prev"] == f"{base}?limit=2&offset=0"
    assert links["first"] == f"{base}?limit=2&offset=0"
    assert links["last"] == f"{base}?limit=2&offset={(total - 1) // 2 * 2}"


def _published_count(client, tokens) -> int:
    """Our own awards' credentials, once OB 3.0 publishing stores them (0 before)."""
    everything = client.get(f"{CREDENTIALS}?limit=100", headers=bearer(tokens["access_token"]))
    ours = [
        c for c in everything.get_json()["credential"] if c["id"].startswith("https://badges.test/")
    ]
    return len(ours) + len(everything.get_json()["compactJwsString"])


def _links(header: str) -> dict[str, str]:
    links = {}
    for part in header.split(","):
        url, rel = part.split(";")
        links[rel.strip().removeprefix('rel="').removesuffix('"')] = url.strip()[1:-1]
    return links


def test_first_page_has_no_prev_and_last_page_has_no_next(app, client, earner, tokens):
    keep(
        app,
        earner.email,
        [credential_from_elsewhere(earner.email, valid_from=day(n)) for n in (1, 2)],
    )
    first = _links(
        client.get(f"{CREDENTIALS}?limit=1", headers=bearer(tokens["access_token"])).headers["Link"]
    )
    assert "prev" not in first and "next" in first
    total = int(
        client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).headers["X-Total-Count"]
    )
    last = client.get(
        f"{CREDENTIALS}?limit=1&offset={total - 1}", headers=bearer(tokens["access_token"])
    )
    assert "next" not in _links(last.headers["Link"])


def test_since_keeps_only_credentials_issued_after_it(app, client, earner, tokens):
    documents = [credential_from_elsewhere(earner.email, valid_from=day(n)) for n in (1, 10, 20)]
    keep(app, earner.email, documents)
    response = client.get(
        f"{CREDENTIALS}?since=2025-03-10T10:00:00Z&limit=100",
        headers=bearer(tokens["access_token"]),
    )
    ids = [c["id"] for c in response.get_json()["credential"]]
    assert documents[2]["id"] in ids
    assert documents[0]["id"] not in ids and documents[1]["id"] not in ids
    assert "since=2025-03-10T10:00:00Z" in response.headers["Link"]


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=abc", "offset=-1", "offset=1.5", "since=yesterday", "limit=99999999999"],
)
def test_bad_paging_parameters_answer_400_invalid_query_parameter(client, tokens, query):
    response = client.get(f"{CREDENTIALS}?{query}", headers=bearer(tokens["access_token"]))
    assert_status_info(response, 400, "invalid_query_parameter")


def test_a_large_limit_is_capped_at_100(app, client, tokens):
    response = client.get(f"{CREDENTIALS}?limit=500", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert "limit=100&" in response.headers["Link"]


def test_another_earners_credentials_are_never_visible(api, app, district, earner, tokens):
    other = make_earner(api, district, awards=1)
    theirs = credential_from_elsewhere(other.email)
    keep(app, other.email, [theirs])
    mine = credential_from_elsewhere(earner.email)
    keep(app, earner.email, [mine])
    other_tokens = Backpack(app.test_client()).tokens(other.email)
    seen_by_me = api.client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).get_json()
    seen_by_them = api.client.get(
        CREDENTIALS, headers=bearer(other_tokens["access_token"])
    ).get_json()
    my_ids = {c["id"] for c in seen_by_me["credential"]}
    their_ids = {c["id"] for c in seen_by_them["credential"]}
    assert mine["id"] in my_ids and theirs["id"] not in my_ids
    assert theirs["id"] in their_ids and mine["id"] not in their_ids
    for award in other.awards:
        assert award["ob3"]["credential"] not in my_ids


def test_our_awards_are_served_as_published(client, earner, tokens):
    award = earner.awards[0]
    stored = client.get(award["ob3"]["credential"].replace("https://badges.test", ""))
    assert stored.status_code == 200, stored.data
    body = client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).get_json()
    assert json.loads(stored.data) in body["credential"]
    assert schema_errors("getopenbadgecredentialsresponse.json", body) == []


def test_a_revoked_award_is_left_out(api, client, district):
    earner = make_earner(api, district, awards=2)
    tokens = Backpack(client).tokens(earner.email)
    revoked, kept = earner.awards
    api.ok("POST", f"/awards/{revoked['id']}/revoke", district[1], {"reason": "Copied"}, status=200)
    body = client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).get_json()
    assert [c["id"] for c in body["credential"]] == [kept["ob3"]["credential"]]


# --- upsertCredential ------------------------------------------------------------------------


def test_upsert_stores_a_verified_credential_then_replaces_it(app, client, earner, tokens):
    document = credential_from_elsewhere(earner.email)
    raw = json.dumps(document, indent=1)
    headers = {**bearer(tokens["access_token"]), "Content-Type": "application/json"}
    created = client.post(CREDENTIALS, data=raw, headers=headers)
    assert created.status_code == 201, created.data
    assert created.data.decode() == raw
    again = client.post(CREDENTIALS, data=raw, headers=headers)
    assert again.status_code == 200
    assert received_count(app) == 1
    listed = client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).get_json()
    assert document in listed["credential"]


def test_upsert_takes_a_vc_jwt_as_text_plain(app, client, earner, tokens):
    token = jwt_from_elsewhere(earner.email)
    headers = {**bearer(tokens["access_token"]), "Content-Type": "text/plain"}
    response = client.post(CREDENTIALS, data=token, headers=headers)
    assert response.status_code == 201, response.data
    assert response.mimetype == "text/plain" and response.data.decode() == token
    listed = client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).get_json()
    assert listed["compactJwsString"] == [token]
    assert schema_errors("getopenbadgecredentialsresponse.json", listed) == []


def test_upsert_refuses_a_tampered_credential(app, client, earner, tokens):
    document = credential_from_elsewhere(earner.email)
    document["name"] = "Something else entirely"
    response = client.post(CREDENTIALS, json=document, headers=bearer(tokens["access_token"]))
    body = assert_status_info(response, 400, "invalid_data")
    assert "signature" in body["imsx_description"]
    assert received_count(app) == 0


def test_upsert_refuses_someone_elses_credential(app, client, earner, tokens):
    document = credential_from_elsewhere("somebody.else@school.example.org")
    response = client.post(CREDENTIALS, json=document, headers=bearer(tokens["access_token"]))
    body = assert_status_info(response, 400)
    assert "recipient" in body["imsx_description"]
    assert received_count(app) == 0


def test_upsert_refuses_an_open_badges_2_assertion(client, earner, tokens):
    assertion = client.get(earner.awards[0]["ob2"]["assertion"].replace("https://badges.test", ""))
    response = client.post(
        CREDENTIALS, json=assertion.get_json(), headers=bearer(tokens["access_token"])
    )
    assert_status_info(response, 400, "invalid_data")


def test_upsert_needs_the_upsert_scope(app, client, earner):
    tokens = Backpack(client).tokens(earner.email, scope=READ)
    document = credential_from_elsewhere(earner.email)
    response = client.post(CREDENTIALS, json=document, headers=bearer(tokens["access_token"]))
    assert_status_info(response, 403, "forbidden")
    assert received_count(app) == 0


@pytest.mark.parametrize(
    ("content_type", "data", "status"),
    [
        ("application/xml", "<credential/>", 415),
        ("application/json", "{not json", 400),
        ("application/json", "[1, 2]", 400),
        ("text/plain", "not a jws", 400),
    ],
)
def test_upsert_refuses_bodies_that_are_no_credential(client, tokens, content_type, data, status):
    headers = {**bearer(tokens["access_token"]), "Content-Type": content_type}
    assert_status_info(client.post(CREDENTIALS, data=data, headers=headers), status)


def test_upsert_refuses_bodies_over_a_mebibyte(client, tokens):
    headers = {**bearer(tokens["access_token"]), "Content-Type": "application/json"}
    response = client.post(CREDENTIALS, data="{" + " " * (1024 * 1024) + "}", headers=headers)
    assert_status_info(response, 413)


# --- getProfile / putProfile -----------------------------------------------------------------


def test_get_profile_answers_an_official_profile(client, earner, tokens):
    response = client.get(PROFILE_PATH, headers=bearer(tokens["access_token"]))
    profile = response.get_json()
    assert response.status_code == 200
    assert schema_errors("profile.json", profile) == []
    assert profile["email"] == earner.email and profile["name"] == "Ada Teacher"
    assert profile["id"].startswith("urn:uuid:")  # opaque: no email, no row number


def test_get_profile_needs_the_profile_scope(client, earner):
    tokens = Backpack(client).tokens(earner.email, scope=READ)
    assert_status_info(client.get(PROFILE_PATH, headers=bearer(tokens["access_token"])), 403)


def test_put_profile_changes_the_name(client, earner, tokens):
    profile = client.get(PROFILE_PATH, headers=bearer(tokens["access_token"])).get_json()
    response = client.put(
        PROFILE_PATH,
        json={**profile, "name": "Ada  Lovelace-Teacher"},
        headers=bearer(tokens["access_token"]),
    )
    assert response.status_code == 200
    assert response.get_json()["name"] == "Ada Lovelace-Teacher"
    assert client.get(PROFILE_PATH, headers=bearer(tokens["access_token"])).get_json()["name"] == (
        "Ada Lovelace-Teacher"
    )


@pytest.mark.parametrize(
    "change",
    [
        {"id": "urn:uuid:00000000-0000-0000-0000-000000000000"},
        {"email": "new@school.example.org"},
        {"type": ["Achievement"]},
        {"name": ""},
        {"name": 7},
    ],
    ids=["id", "email", "type", "empty-name", "number-name"],
)
def test_put_profile_refuses_what_it_cannot_change(client, earner, tokens, change):
    profile = client.get(PROFILE_PATH, headers=bearer(tokens["access_token"])).get_json()
    response = client.put(
        PROFILE_PATH, json={**profile, **change}, headers=bearer(tokens["access_token"])
    )
    assert_status_info(response, 400)
    assert client.get(PROFILE_PATH, headers=bearer(tokens["access_token"])).get_json() == profile


def test_put_profile_needs_the_update_scope(client, earner):
    tokens = Backpack(client).tokens(earner.email, scope=f"{READ} {PROFILE}")
    profile = client.get(PROFILE_PATH, headers=bearer(tokens["access_token"])).get_json()
    response = client.put(
        PROFILE_PATH, json={**profile, "name": "X"}, headers=bearer(tokens["access_token"])
    )
    assert_status_info(response, 403)


def test_profile_of_an_account_without_an_earner_record_is_404(api, client):
    from tests.api.oauth_client import set_password

    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": "new@school.example.org"})
    set_password(client, api.password_link("new@school.example.org"))
    tokens = Backpack(client).tokens("new@school.example.org", scope=f"{READ} {PROFILE}")
    assert_status_info(
        client.get(PROFILE_PATH, headers=bearer(tokens["access_token"])), 404, "not_found"
    )
    listed = client.get(CREDENTIALS, headers=bearer(tokens["access_token"]))
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "0"


# --- errors ----------------------------------------------------------------------------------


def test_unknown_endpoint_answers_404_status_info(client):
    assert_status_info(client.get(f"{API}/badges"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", CREDENTIALS, "GET, POST"),
        ("POST", PROFILE_PATH, "GET, PUT"),
        ("PUT", f"{API}/discovery", "GET"),
    ],
)
def test_other_methods_answer_405_status_info_with_allow(client, method, path, allow):
    response = client.open(path, method=method)
    assert_status_info(response, 405, "not_allowed")
    assert response.headers["Allow"] == allow


def test_expired_access_token_is_401(app, client, tokens):
    services = app.extensions["issuer.services"]
    later = services.clock() + timedelta(hours=2)
    services.clock = lambda: later
    assert_status_info(client.get(CREDENTIALS, headers=bearer(tokens["access_token"])), 401)


def test_stored_credentials_issue_dates_come_from_the_credential(app, client, earner, tokens):
    document = credential_from_elsewhere(earner.email, valid_from="2024-06-01T00:00:00Z")
    client.post(CREDENTIALS, json=document, headers=bearer(tokens["access_token"]))
    with app.extensions["issuer.services"].db.session() as session:
        row = session.scalar(select(ReceivedCredential))
    assert row.issued_at == datetime(2024, 6, 1, tzinfo=UTC)


def test_every_scope_is_enforced(client, earner):
    scopes = {
        READ: ("GET", CREDENTIALS),
        UPSERT: ("POST", CREDENTIALS),
        PROFILE: ("GET", PROFILE_PATH),
        PROFILE_UPDATE: ("PUT", PROFILE_PATH),
    }
    for granted in scopes:
        tokens = Backpack(client).tokens(earner.email, scope=granted)
        for needed, (method, path) in scopes.items():
            response = client.open(
                path, method=method, json={}, headers=bearer(tokens["access_token"])
            )
            if needed == granted:
                assert response.status_code != 403, (granted, method, path)
            else:
                assert response.status_code == 403, (granted, method, path)
