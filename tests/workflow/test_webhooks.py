"""Signed webhooks (issue 6): events written with their cause, delivered at least once to a real
receiver on loopback that verifies every signature with the independent ``standardwebhooks``
package, retried with back-off, given up on, logged, and replayed with the same ``webhook-id``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from issuer import create_app
from issuer.domain.webhooks import RetryPolicy
from issuer.errors import Conflict
from issuer.models import Award, Notice, WebhookAttempt, WebhookDelivery, WebhookEvent
from issuer.workflow.awards import publishing
from issuer.workflow.integrations.delivery import DeliveryRun, deliver_due
from tests.conftest import Api
from tests.webhook_receiver import WebhookReceiver

ALL_TYPES = ["award.issued", "award.revoked", "program.approved"]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    created = WebhookReceiver()
    yield created
    created.close()


@pytest.fixture
def hook_app(settings):
    """The receiver is on loopback, so private addresses are allowed; retries are due at once
    (no back-off delay) so a test runs the retries without sleeping."""
    app = create_app(settings.with_changes(webhook_allow_private=True))
    services = app.extensions["issuer.services"]
    services.webhook_retry = RetryPolicy(first_delay=timedelta(0), max_attempts=5)
    yield app
    services.db.dispose()


@pytest.fixture
def services(hook_app):
    return hook_app.extensions["issuer.services"]


@pytest.fixture
def api(hook_app) -> Api:
    return Api(hook_app.test_client(), hook_app.test_cli_runner())


@pytest.fixture
def district(api) -> tuple[int, str]:
    return api.issuer()


def subscribe(
    api: Api,
    token: str,
    receiver: WebhookReceiver,
    types: list[str] | None = None,
    issuer_id: int | None = None,
) -> dict:
    body: dict[str, object] = {"url": receiver.url, "event_types": types or ALL_TYPES}
    if issuer_id is not None:
        body["issuer_id"] = issuer_id
    subscription = api.ok("POST", "/webhooks/subscriptions", token, body)
    receiver.secret = subscription["secret"]
    return subscription


def award_then_revoke(api: Api, issuer_id: int, admin: str) -> dict:
    """program.approved, award.issued and award.revoked, in that order."""
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id)
    award = api.complete(admin, enrollment_id)
    api.ok("POST", f"/awards/{award['id']}/revoke", admin, {"reason": "Issued in error"}, 200)
    return award


def drain(services, passes: int = 10) -> list[DeliveryRun]:
    """Run delivery passes until one finds nothing due."""
    runs = []
    for _ in range(passes):
        run = deliver_due(services, "runner-1")
        if run == DeliveryRun(0, 0):
            break
        runs.append(run)
    return runs


def deliveries_of(services, subscription_id: int | None) -> list[WebhookDelivery]:
    with services.db.session() as session:
        query = select(WebhookDelivery).order_by(WebhookDelivery.id)
        if subscription_id is None:
            query = query.where(WebhookDelivery.subscription_id.is_(None))
        else:
            query = query.where(WebhookDelivery.subscription_id == subscription_id)
        return list(session.scalars(query))


def events(services, event_type: str | None = None) -> list[WebhookEvent]:
    with services.db.session() as session:
        query = select(WebhookEvent).order_by(WebhookEvent.created_at)
        if event_type:
            query = query.where(WebhookEvent.type == event_type)
        return list(session.scalars(query))


def payload(event: WebhookEvent) -> dict:
    return json.loads(event.body)


# --- at least once, signed, de-duplicated ----------------------------------------------------


def test_receiver_verifies_signatures_sees_retries_and_each_event_once(
    api, services, district, receiver
):
    issuer_id, admin = district
    subscribe(api, admin, receiver)
    receiver.fail_first = 2
    award_then_revoke(api, issuer_id, admin)
    assert drain(services) == [DeliveryRun(0, 3), DeliveryRun(0, 3), DeliveryRun(3, 0)]
    assert receiver.requests and all(r.verified for r in receiver.requests)
    by_id: dict[str, list[int]] = {}
    for request in receiver.requests:
        by_id.setdefault(request.webhook_id, []).append(request.status)
    assert list(by_id.values()) == [[500, 500, 204]] * 3
    assert sorted(p["type"] for p in receiver.processed.values()) == sorted(ALL_TYPES)


def test_retries_resend_the_same_bytes_under_the_same_webhook_id(api, services, district, receiver):
    issuer_id, admin = district
    subscribe(api, admin, receiver, ["program.approved"])
    receiver.fail_first = 1
    api.approved_program(admin, issuer_id)
    drain(services)
    first, second = receiver.requests
    assert first.webhook_id == second.webhook_id == events(services)[0].id
    assert first.body == second.body


def test_signature_with_the_wrong_secret_fails_verification(api, services, district, receiver):
    issuer_id, admin = district
    subscribe(api, admin, receiver, ["program.approved"])
    receiver.secret = "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="  # not ours
    api.approved_program(admin, issuer_id)
    drain(services, passes=2)
    assert [(r.verified, r.status) for r in receiver.requests] == [(False, 401), (False, 401)]
    assert receiver.processed == {}
    [delivery] = deliveries_of(services, 1)
    assert (delivery.state, delivery.last_status) == ("pending", 401)


def test_body_is_the_standard_envelope_with_type_timestamp_and_data(
    api, services, district, receiver
):
    issuer_id, admin = district
    subscribe(api, admin, receiver, ["award.issued"])
    award_then_revoke(api, issuer_id, admin)
    drain(services)
    [request] = receiver.requests
    assert set(request.payload) == {"type", "timestamp", "data"}
    assert request.payload["timestamp"].endswith("Z")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-signature"].startswith("v1,")


# --- give-up limit and the delivery log ------------------------------------------------------


def test_delivery_gives_up_after_the_retry_limit_and_is_marked_failed(
    api, services, district, receiver
):
    issuer_id, admin = district
    subscription = subscribe(api, admin, receiver, ["program.approved"])
    receiver.fail_first = 99
    api.approved_program(admin, issuer_id)
    assert len(drain(services)) == 5  # max_attempts of the policy in hook_app
    assert deliver_due(services, "runner-1") == DeliveryRun(0, 0)
    [delivery] = deliveries_of(services, subscription["id"])
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("failed", 5, 500)


def test_backoff_delays_the_next_attempt(api, services, district, receiver):
    issuer_id, admin = district
    subscribe(api, admin, receiver, ["program.approved"])
    services.webhook_retry = RetryPolicy()  # 30 s after the first failure
    receiver.fail_first = 1
    api.approved_program(admin, issuer_id)
    assert deliver_due(services, "runner-1") == DeliveryRun(0, 1)
    assert deliver_due(services, "runner-1") == DeliveryRun(0, 0)
    real_clock = services.clock
    services.clock = lambda: real_clock() + timedelta(seconds=31)
    assert deliver_due(services, "runner-1") == DeliveryRun(1, 0)


def test_delivery_log_records_every_attempt_with_status_and_duration(
    api, services, district, receiver, hook_app
):
    issuer_id, admin = district
    subscription = subscribe(api, admin, receiver, ["program.approved"])
    receiver.fail_first = 1
    api.approved_program(admin, issuer_id)
    drain(services)
    result = hook_app.test_cli_runner().invoke(
        args=["webhooks", "deliveries", "--subscription", str(subscription["id"])]
    )
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    logged = json.loads(line)
    assert logged["state"] == "delivered" and logged["webhook_id"] == events(services)[0].id
    assert [entry["status_code"] for entry in logged["log"]] == [500, 204]
    assert all(isinstance(entry["duration_ms"], int) for entry in logged["log"])


def test_unreachable_receiver_logs_the_error(api, services, district, receiver):
    issuer_id, admin = district
    subscription = subscribe(api, admin, receiver, ["program.approved"])
    receiver.close()  # nothing listens on that port any more
    api.approved_program(admin, issuer_id)
    assert deliver_due(services, "runner-1") == DeliveryRun(0, 1)
    with services.db.session() as session:
        [attempt] = session.scalars(select(WebhookAttempt))
    assert attempt.status_code is None and "connect" in attempt.error.lower()
    assert deliveries_of(services, subscription["id"])[0].state == "pending"


# --- replay ----------------------------------------------------------------------------------


def test_replay_by_id_resends_with_the_same_webhook_id(api, services, district, receiver, hook_app):
    issuer_id, admin = district
    subscription = subscribe(api, admin, receiver, ["program.approved"])
    api.approved_program(admin, issuer_id)
    drain(services)
    [event] = events(services)
    result = hook_app.test_cli_runner().invoke(
        args=["webhooks", "replay", "--id", event.id, "--subscription", str(subscription["id"])]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"replayed": 1, "delivered": 1, "failed": 0}
    assert [r.webhook_id for r in receiver.requests] == [event.id, event.id]
    assert all(r.verified for r in receiver.requests)
    assert list(receiver.processed) == [event.id]  # the receiver de-duplicated the replay


def test_replay_by_subscription_and_time_range_resends_only_those_events(
    api, services, district, receiver, hook_app
):
    issuer_id, admin = district
    subscription = subscribe(api, admin, receiver)
    award_then_revoke(api, issuer_id, admin)
    drain(services)
    approved, issued, revoked = events(services)
    result = hook_app.test_cli_runner().invoke(
        args=[
            "webhooks",
            "replay",
            "--subscription",
            str(subscription["id"]),
            "--since",
            issued.created_at.isoformat(),
        ]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["replayed"] == 2
    resent = [r.webhook_id for r in receiver.requests[3:]]
    assert sorted(resent) == sorted([issued.id, revoked.id])


def test_replay_without_a_subscriber_or_event_is_refused(hook_app):
    result = hook_app.test_cli_runner().invoke(args=["webhooks", "replay"])
    assert result.exit_code == 1
    assert json.loads(result.output.strip().splitlines()[-1])["error"] == "invalid_fields"


# --- events are written with their cause -----------------------------------------------------


def test_each_event_is_written_with_its_cause_and_useful_data(api, services, district):
    issuer_id, admin = district
    award = award_then_revoke(api, issuer_id, admin)
    approved, issued, revoked = (payload(e) for e in events(services))
    assert approved["type"] == "program.approved"
    assert approved["data"]["program"]["version"] == 1
    assert approved["data"]["issuer"]["id"] == issuer_id
    assert approved["data"]["badge_class_url"].endswith("/v1")
    assert issued["type"] == "award.issued"
    assert issued["data"]["award_id"] == award["id"]
    assert issued["data"]["program"]["version"] == award["program_version"]
    assert issued["data"]["credit_hours"] == 0.5
    assert issued["data"]["earner"]["id"] == award["earner_id"]
    assert issued["data"]["assertion_url"] == award["ob2"]["assertion"]
    assert issued["data"]["credential_url"] == award["ob3"]["credential"]
    assert revoked["type"] == "award.revoked"
    assert revoked["data"]["reason"] == "Issued in error"
    assert revoked["data"]["revoked_at"].endswith("Z")


def test_failed_completion_writes_no_event(api, services, district, monkeypatch):
    """Publishing fails after the event was added: the whole completion rolls back with it."""
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id)

    def fail(*args: object, **kwargs: object) -> None:
        raise Conflict("publishing failed", code="publishing_failed")

    monkeypatch.setattr(publishing, "publish_award", fail)
    response = api.call(
        "POST", f"/enrollments/{enrollment_id}/complete", admin, headers={"Idempotency-Key": "k"}
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "publishing_failed")
    assert [e.type for e in events(services)] == ["program.approved"]
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Award)) == 0
        assert session.scalar(select(func.count()).select_from(Notice)) == 0
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1


def test_refused_revocation_writes_no_second_event(api, services, district):
    issuer_id, admin = district
    award = award_then_revoke(api, issuer_id, admin)
    again = api.call("POST", f"/awards/{award['id']}/revoke", admin, {"reason": "twice"})
    assert again.status_code == 409
    assert len(events(services, "award.revoked")) == 1


# --- who receives what -----------------------------------------------------------------------


def register(api: Api, token: str, url: str, types: list[str], **extra: object) -> int:
    body = {"url": url, "event_types": types, **extra}
    return api.ok("POST", "/webhooks/subscriptions", token, body)["id"]


def test_issuer_subscribers_get_their_issuers_events_and_ptsb_subscribers_all(api, services):
    first_id, first_admin = api.issuer("First District")
    second_id, second_admin = api.issuer("Second District")
    first = register(api, first_admin, "https://pd.first.example.org/hooks", ALL_TYPES)
    second = register(api, second_admin, "https://pd.second.example.org/hooks", ALL_TYPES)
    board = register(api, api.ptsb, "https://license.ptsb.example.org/hooks", ALL_TYPES)
    api.approved_program(first_admin, first_id)
    [event] = events(services)
    with services.db.session() as session:
        receivers = set(
            session.scalars(
                select(WebhookDelivery.subscription_id).where(WebhookDelivery.event_id == event.id)
            )
        )
    assert receivers == {first, board, None}  # None: PTSB's built-in subscriber
    assert second not in receivers


def test_subscription_gets_only_the_event_types_it_asked_for(api, services, district):
    issuer_id, admin = district
    revocations = register(api, admin, "https://pd.example.org/hooks", ["award.revoked"])
    award_then_revoke(api, issuer_id, admin)
    delivered_types = [
        payload(e).get("type")
        for e in events(services)
        if any(d.event_id == e.id for d in deliveries_of(services, revocations))
    ]
    assert delivered_types == ["award.revoked"]


def test_deleted_subscription_gets_no_more_deliveries(api, services, district):
    issuer_id, admin = district
    subscription = register(api, admin, "https://pd.example.org/hooks", ALL_TYPES)
    api.approved_program(admin, issuer_id)
    api.ok("DELETE", f"/webhooks/subscriptions/{subscription}", admin, status=200)
    api.approved_program(admin, issuer_id)
    assert [d.state for d in deliveries_of(services, subscription)] == ["cancelled"]


# --- outbound requests -----------------------------------------------------------------------


def test_private_address_is_refused_at_delivery_unless_allowed(api, services, district, receiver):
    issuer_id, admin = district
    subscription = subscribe(api, admin, receiver, ["program.approved"])
    services.settings = services.settings.with_changes(webhook_allow_private=False)
    api.approved_program(admin, issuer_id)
    assert deliver_due(services, "runner-1") == DeliveryRun(0, 1)
    assert receiver.paths == []
    with services.db.session() as session:
        [attempt] = session.scalars(select(WebhookAttempt))
    assert "loopback" in attempt.error
    assert deliveries_of(services, subscription["id"])[0].state == "pending"


def test_redirect_is_not_followed(api, services, district, receiver):
    issuer_id, admin = district
    subscription = subscribe(api, admin, receiver, ["program.approved"])
    receiver.redirect = True
    api.approved_program(admin, issuer_id)
    assert deliver_due(services, "runner-1") == DeliveryRun(0, 1)
    assert receiver.paths == ["/hooks/badges"]
    [delivery] = deliveries_of(services, subscription["id"])
    assert (delivery.state, delivery.last_status) == ("pending", 307)


def test_concurrent_runners_send_each_delivery_once(api, services, district, receiver):
    issuer_id, admin = district
    subscribe(api, admin, receiver)
    for _ in range(3):
        award_then_revoke(api, issuer_id, admin)
    runs: list[DeliveryRun] = []

    def run(name: str) -> None:
        runs.append(deliver_due(services, name, limit=4))

    for _ in range(3):  # three runners side by side, three rounds
        threads = [threading.Thread(target=run, args=(f"runner-{i}",)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(r.delivered for r in runs) == 9
    assert len(receiver.requests) == 9
    assert len({r.webhook_id for r in receiver.requests}) == 9


# --- the upgrade from notices ----------------------------------------------------------------


def test_undelivered_notices_become_award_issued_events_on_upgrade(
    api, services, district, settings
):
    """Downgrading to 0005 turns the pending webhook back into a notice's delivery state; the
    upgrade rebuilds the same award.issued body (0006 carries its own copy of the builder)."""
    from alembic import command

    from issuer.migrations import alembic_config, upgrade

    issuer_id, admin = district
    award = award_then_revoke(api, issuer_id, admin)
    [before] = events(services, "award.issued")
    with services.db.engine.connect() as connection:
        command.downgrade(alembic_config(connection), "0005")
        connection.commit()
    try:
        upgrade(services.db, settings.instance_dir, base_url=settings.base_url)
    finally:
        upgrade(services.db, settings.instance_dir, base_url=settings.base_url)
    [after] = events(services)
    assert after.id != before.id and after.subject == award["id"]
    assert payload(after) == payload(before)
    [delivery] = deliveries_of(services, None)
    assert (delivery.event_id, delivery.state) == (after.id, "pending")
