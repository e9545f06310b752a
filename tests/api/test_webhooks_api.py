"""Webhook subscriptions over the API (issue 6): issuer admins for their issuer, PTSB for any or
all; the secret shown once; refusals with the right 4xx; the delivery log and replays."""

from __future__ import annotations

import base64

import pytest

ALL_TYPES = ["award.issued", "award.revoked", "program.approved"]
HOOK = "https://pd.district.example.org/hooks/badges"


def subscribe(api, token, **fields) -> dict:
    body = {"url": HOOK, "event_types": ALL_TYPES, **fields}
    return api.ok("POST", "/webhooks/subscriptions", token, body)


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.get_json()["error"]


def test_issuer_admin_registers_for_own_issuer_and_sees_the_secret_once(api, district):
    issuer_id, admin = district
    created = subscribe(api, admin, description="TNL production")
    assert created["issuer_id"] == issuer_id and created["active"] is True
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"][len("whsec_") :])) == 32
    read = api.ok("GET", f"/webhooks/subscriptions/{created['id']}", admin)
    assert "secret" not in read and read["description"] == "TNL production"
    listed = api.ok("GET", "/webhooks/subscriptions", admin)["items"]
    assert [s["id"] for s in listed] == [created["id"]] and "secret" not in listed[0]


def test_each_subscription_gets_its_own_secret(api, district):
    _, admin = district
    assert subscribe(api, admin)["secret"] != subscribe(api, admin)["secret"]


def test_ptsb_registers_for_every_issuer(api, district):
    created = subscribe(api, api.ptsb)
    assert created["issuer_id"] is None
    listed = api.ok("GET", "/webhooks/subscriptions", api.ptsb)["items"]
    assert [s["id"] for s in listed] == [created["id"]]


def test_ptsb_registers_for_one_issuer(api, district):
    issuer_id, _ = district
    assert subscribe(api, api.ptsb, issuer_id=issuer_id)["issuer_id"] == issuer_id


def test_issuer_admin_cannot_register_for_another_issuer(api, district):
    _, admin = district
    other_id, _ = api.issuer("Other District")
    body = {"url": HOOK, "event_types": ALL_TYPES, "issuer_id": other_id}
    response = api.call("POST", "/webhooks/subscriptions", admin, body)
    assert error_of(response) == (403, "other_issuer")


@pytest.mark.parametrize("role", ["reviewer", "earner"])
def test_reviewers_and_earners_may_not_register_or_list(api, district, role):
    issuer_id, admin = district
    token = api.account(role, issuer_id if role == "reviewer" else None, token=admin)
    body = {"url": HOOK, "event_types": ALL_TYPES}
    assert error_of(api.call("POST", "/webhooks/subscriptions", token, body)) == (
        403,
        "wrong_role",
    )
    assert error_of(api.call("GET", "/webhooks/subscriptions", token)) == (403, "wrong_role")


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("DELETE", "", None),
        ("GET", "/deliveries", None),
        ("POST", "/replay", {"since": "2026-01-01T00:00:00Z"}),
    ],
)
def test_another_issuers_admin_is_forbidden(api, district, method, suffix, body):
    _, admin = district
    subscription = subscribe(api, admin)
    _, other_admin = api.issuer("Other District")
    response = api.call(
        method, f"/webhooks/subscriptions/{subscription['id']}{suffix}", other_admin, body
    )
    assert error_of(response) == (403, "other_issuer")


def test_issuer_admin_cannot_read_ptsbs_all_issuer_subscription(api, district):
    _, admin = district
    board = subscribe(api, api.ptsb)
    response = api.call("GET", f"/webhooks/subscriptions/{board['id']}", admin)
    assert error_of(response) == (403, "wrong_role")
    assert api.ok("GET", "/webhooks/subscriptions", admin)["items"] == []


def test_issuer_admin_list_filtered_to_another_issuer_is_forbidden(api, district):
    _, admin = district
    other_id, _ = api.issuer("Other District")
    response = api.call("GET", f"/webhooks/subscriptions?issuer_id={other_id}", admin)
    assert error_of(response) == (403, "other_issuer")


def test_ptsb_lists_one_issuers_subscriptions(api, district):
    issuer_id, admin = district
    other_id, other_admin = api.issuer("Other District")
    mine = subscribe(api, admin)
    subscribe(api, other_admin)
    listed = api.ok("GET", f"/webhooks/subscriptions?issuer_id={issuer_id}", api.ptsb)["items"]
    assert [s["id"] for s in listed] == [mine["id"]]


def test_without_a_token_answers_401(api):
    response = api.call("POST", "/webhooks/subscriptions", None, {"url": HOOK})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "ftp://pd.example.org/hooks"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "https://user:pw@pd.example.org/hooks"}, "url"),
        ({"url": "http://127.0.0.1:8080/hooks"}, "url"),
        ({"url": "http://[::1]/hooks"}, "url"),
        ({"url": "http://10.1.2.3/hooks"}, "url"),
        ({"url": "http://localhost/hooks"}, "url"),
        ({"event_types": ["award.deleted"]}, "event_types.0"),
        ({"event_types": []}, "event_types"),
        ({"secret": "whsec_mine"}, "secret"),
    ],
)
def test_invalid_subscription_answers_422_naming_the_field(api, district, changes, field):
    _, admin = district
    body = {"url": HOOK, "event_types": ALL_TYPES, **changes}
    response = api.call("POST", "/webhooks/subscriptions", admin, body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_private_url_is_accepted_when_allowed(settings):
    from issuer import create_app
    from tests.conftest import Api

    app = create_app(settings.with_changes(webhook_allow_private=True))
    api = Api(app.test_client(), app.test_cli_runner())
    created = subscribe(api, api.ptsb, url="http://127.0.0.1:8080/hooks")
    app.extensions["issuer.services"].db.dispose()
    assert created["url"] == "http://127.0.0.1:8080/hooks"


def test_unknown_subscription_answers_404(api, district):
    _, admin = district
    response = api.call("GET", "/webhooks/subscriptions/999", admin)
    assert error_of(response) == (404, "webhook_subscription_not_found")


def test_delete_deactivates_and_is_listed_only_on_request(api, district):
    _, admin = district
    subscription = subscribe(api, admin)
    deleted = api.ok("DELETE", f"/webhooks/subscriptions/{subscription['id']}", admin, status=200)
    assert deleted["active"] is False and deleted["deleted_at"]
    assert api.ok("GET", "/webhooks/subscriptions", admin)["items"] == []
    everything = api.ok("GET", "/webhooks/subscriptions?include_deleted=true", admin)["items"]
    assert [s["id"] for s in everything] == [subscription["id"]]


def test_deliveries_list_the_events_the_subscription_gets(api, district):
    issuer_id, admin = district
    subscription = subscribe(api, admin, event_types=["program.approved"])
    program_id = api.approved_program(admin, issuer_id)
    items = api.ok("GET", f"/webhooks/subscriptions/{subscription['id']}/deliveries", admin)[
        "items"
    ]
    assert [(d["event_type"], d["state"], d["log"]) for d in items] == [
        ("program.approved", "pending", [])
    ]
    assert items[0]["webhook_id"].startswith("msg_") and program_id


def test_deliveries_filter_by_state_refuses_unknown_states(api, district):
    _, admin = district
    subscription = subscribe(api, admin)
    path = f"/webhooks/subscriptions/{subscription['id']}/deliveries?state=lost"
    assert error_of(api.call("GET", path, admin)) == (422, "invalid_fields")


def test_replay_queues_the_delivery_again_under_the_same_webhook_id(api, district):
    issuer_id, admin = district
    subscription = subscribe(api, admin, event_types=["program.approved"])
    api.approved_program(admin, issuer_id)
    base = f"/webhooks/subscriptions/{subscription['id']}"
    [delivery] = api.ok("GET", f"{base}/deliveries", admin)["items"]
    answer = api.ok("POST", f"{base}/replay", admin, {"event_id": delivery["webhook_id"]}, 200)
    assert answer == {"queued": 1, "delivery_ids": [delivery["id"]]}
    [after] = api.ok("GET", f"{base}/deliveries", admin)["items"]
    assert (after["webhook_id"], after["state"]) == (delivery["webhook_id"], "pending")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "(body)"),
        ({"event_id": "evt_1"}, "event_id"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-03-01T00:00:00"}, "since"),
        ({"since": "2026-03-02T00:00:00Z", "until": "2026-03-01T00:00:00Z"}, "since"),
    ],
)
def test_invalid_replay_answers_422_naming_the_field(api, district, body, field):
    _, admin = district
    subscription = subscribe(api, admin)
    response = api.call("POST", f"/webhooks/subscriptions/{subscription['id']}/replay", admin, body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"]


def test_replay_of_an_unknown_event_answers_404(api, district):
    _, admin = district
    subscription = subscribe(api, admin)
    body = {"event_id": "msg_" + "0" * 32}
    response = api.call("POST", f"/webhooks/subscriptions/{subscription['id']}/replay", admin, body)
    assert error_of(response) == (404, "webhook_event_not_found")


def test_notices_report_how_far_the_ptsb_webhook_got(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id)
    api.complete(admin, enrollment_id)
    [notice] = api.ok("GET", "/ptsb/notices", api.ptsb)["items"]
    assert notice["delivery_state"] == "pending"
