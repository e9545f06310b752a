"""PTSB notice delivery (SPEC §2, §6): every award reaches PTSB_WEBHOOK_URL as an ``award.issued``
webhook carrying its notice id, at least once, retried with back-off, claimed safely."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from issuer import create_app
from issuer.domain.actors import SYSTEM
from issuer.domain.webhooks import RetryPolicy
from issuer.models import Notice, WebhookDelivery, WebhookEvent
from issuer.signing.sealing import SecretBox
from issuer.workflow.integrations import webhooks
from issuer.workflow.integrations.delivery import DeliveryRun, deliver_due
from tests.webhook_receiver import WebhookReceiver

BOX = SecretBox("test-secret")
PTSB_SECRET = "whsec_cHRzYiBsaWNlbnNlIHN5c3RlbSB0ZXN0IHNlY3JldCE="


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    created = WebhookReceiver(secret=None, fail_first=1)  # the tests below move the clock
    yield created
    created.close()


@pytest.fixture
def webhook_app(settings, receiver):
    app = create_app(
        settings.with_changes(ptsb_webhook_url=receiver.url, ptsb_webhook_secret=PTSB_SECRET)
    )
    yield app
    app.extensions["issuer.services"].db.dispose()


@pytest.fixture
def completed(webhook_app):
    from tests.conftest import Api

    api = Api(webhook_app.test_client(), webhook_app.test_cli_runner())
    issuer_id, admin = api.issuer()
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id)
    return api.complete(admin, enrollment_id)


def later(services, delta: timedelta) -> None:
    real_clock = services.clock
    services.clock = lambda: real_clock() + delta


def test_failed_delivery_is_retried_after_backoff_until_delivered(webhook_app, receiver, completed):
    services = webhook_app.extensions["issuer.services"]
    assert deliver_due(services, "w1") == DeliveryRun(0, 2)  # program.approved and award.issued
    assert deliver_due(services, "w1") == DeliveryRun(0, 0)  # not due yet
    later(services, timedelta(minutes=5))
    assert deliver_due(services, "w1") == DeliveryRun(2, 0)
    issued = receiver.of_type("award.issued")
    assert [r.payload["data"]["award_id"] for r in issued] == [completed["id"], completed["id"]]
    assert [r.status for r in issued] == [500, 204]
    with services.db.session() as session:
        delivery = session.scalar(
            select(WebhookDelivery)
            .join(WebhookEvent)
            .where(WebhookEvent.type == "award.issued", WebhookDelivery.subscription_id.is_(None))
        )
        assert (delivery.state, delivery.attempts) == ("delivered", 2)


def test_award_issued_carries_the_notice_to_acknowledge(webhook_app, receiver, completed):
    services = webhook_app.extensions["issuer.services"]
    receiver.fail_first = 0
    deliver_due(services, "w1")
    with services.db.session() as session:
        notice = session.scalar(select(Notice).where(Notice.award_id == completed["id"]))
    data = receiver.of_type("award.issued")[0].payload["data"]
    assert data["notice_id"] == notice.id
    assert data["credit_hours"] == 0.5
    assert data["assertion_url"] == completed["ob2"]["assertion"]


def test_delivered_webhook_is_not_sent_again(webhook_app, receiver, completed):
    services = webhook_app.extensions["issuer.services"]
    receiver.fail_first = 0
    assert deliver_due(services, "w1").delivered == 2
    later(services, timedelta(days=1))
    assert deliver_due(services, "w1").delivered == 0
    assert len(receiver.requests) == 2


def test_two_workers_never_claim_the_same_delivery(webhook_app, completed):
    services = webhook_app.extensions["issuer.services"]
    built_in = (services.settings.ptsb_webhook_url, PTSB_SECRET)
    with services.db.transaction() as session:
        first = webhooks.claim_due(
            services.context(session, SYSTEM), "w1", box=BOX, built_in=built_in
        )
    with services.db.transaction() as session:
        second = webhooks.claim_due(
            services.context(session, SYSTEM), "w2", box=BOX, built_in=built_in
        )
    assert len(first) == 2 and second == []


def test_expired_lease_lets_another_worker_take_over(webhook_app, completed):
    """A worker killed mid-send loses its lease; the delivery is sent by another."""
    services = webhook_app.extensions["issuer.services"]
    built_in = (services.settings.ptsb_webhook_url, PTSB_SECRET)
    with services.db.transaction() as session:
        webhooks.claim_due(services.context(session, SYSTEM), "crashed", box=BOX, built_in=built_in)
    later(services, webhooks.LEASE + timedelta(seconds=1))
    with services.db.transaction() as session:
        taken = webhooks.claim_due(
            services.context(session, SYSTEM), "w2", box=BOX, built_in=built_in
        )
    with services.db.session() as session:
        owners = set(session.scalars(select(WebhookDelivery.claimed_by)))
    assert len(taken) == 2 and owners == {"w2"}


def test_without_ptsb_webhook_url_ptsb_events_wait_in_the_outbox(settings, completed_elsewhere):
    """Until PTSB_WEBHOOK_URL is set, nothing is sent to PTSB and nothing is lost."""
    app = create_app(settings)
    services = app.extensions["issuer.services"]
    assert deliver_due(services, "w1") == DeliveryRun(0, 0)
    with services.db.session() as session:
        states = list(session.scalars(select(WebhookDelivery.state)))
    app.extensions["issuer.services"].db.dispose()
    assert states == ["pending", "pending"]


@pytest.fixture
def completed_elsewhere(settings):
    """An award made by an app without PTSB_WEBHOOK_URL."""
    from tests.conftest import Api

    app = create_app(settings)
    api = Api(app.test_client(), app.test_cli_runner())
    issuer_id, admin = api.issuer()
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id)
    award = api.complete(admin, enrollment_id)
    app.extensions["issuer.services"].db.dispose()
    return award


def test_webhooks_survive_a_restart(settings, receiver, webhook_app, completed):
    webhook_app.extensions["issuer.services"].db.dispose()
    restarted = create_app(
        settings.with_changes(ptsb_webhook_url=receiver.url, ptsb_webhook_secret=PTSB_SECRET)
    )
    receiver.fail_first = 0
    assert deliver_due(restarted.extensions["issuer.services"], "w9").delivered == 2
    restarted.extensions["issuer.services"].db.dispose()


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 60), (5, 480), (40, 6 * 3600)])
def test_backoff_is_exponential_and_capped(attempts, seconds):
    assert RetryPolicy().delay(attempts) == timedelta(seconds=seconds)
