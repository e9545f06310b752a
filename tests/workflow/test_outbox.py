"""PTSB notice delivery (SPEC §2, §6): at least once, retried with back-off, claimed safely."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from issuer import create_app
from issuer.domain.actors import SYSTEM
from issuer.models import Notice
from issuer.workflow import notices
from issuer.workflow.delivery import DeliveryRun, deliver_due


class Receiver:
    """A webhook endpoint on loopback that fails the first ``failures`` requests with 500."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[dict[str, object]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.received.append(body)
                failing = receiver.failures > 0
                receiver.failures -= 1
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ptsb/notices"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    created = Receiver(failures=1)
    yield created
    created.server.shutdown()
    created.server.server_close()


@pytest.fixture
def webhook_app(settings, receiver):
    app = create_app(settings.with_changes(ptsb_webhook_url=receiver.url))
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


def test_failed_delivery_is_retried_after_backoff_until_delivered(webhook_app, receiver, completed):
    services = webhook_app.extensions["issuer.services"]
    assert deliver_due(services, "w1").failed == 1
    assert deliver_due(services, "w1") == DeliveryRun(0, 0)  # not due yet
    real_clock = services.clock
    services.clock = lambda: real_clock() + timedelta(minutes=5)
    assert deliver_due(services, "w1").delivered == 1
    assert [r["award_id"] for r in receiver.received] == [completed["id"], completed["id"]]
    with services.db.session() as session:
        notice = session.scalar(select(Notice))
        assert (notice.delivery_state, notice.attempts) == ("delivered", 2)


def test_delivered_notice_is_not_sent_again(webhook_app, receiver, completed):
    services = webhook_app.extensions["issuer.services"]
    receiver.failures = 0
    assert deliver_due(services, "w1").delivered == 1
    assert deliver_due(services, "w1").delivered == 0
    assert len(receiver.received) == 1


def test_two_workers_never_claim_the_same_notice(webhook_app, completed):
    services = webhook_app.extensions["issuer.services"]
    with services.db.transaction() as session:
        first = notices.claim_due(services.context(session, SYSTEM), "w1")
    with services.db.transaction() as session:
        second = notices.claim_due(services.context(session, SYSTEM), "w2")
    assert [n.award_id for n in first] == [completed["id"]] and second == []


def test_expired_lease_lets_another_worker_take_over(webhook_app, completed):
    """A worker killed mid-send loses its lease; the notice is delivered by another."""
    services = webhook_app.extensions["issuer.services"]
    with services.db.transaction() as session:
        notices.claim_due(services.context(session, SYSTEM), "crashed")
    real_clock = services.clock
    services.clock = lambda: real_clock() + notices.LEASE + timedelta(seconds=1)
    with services.db.transaction() as session:
        taken = notices.claim_due(services.context(session, SYSTEM), "w2")
    assert [n.claimed_by for n in taken] == ["w2"]


def test_notices_survive_a_restart(settings, receiver, webhook_app, completed):
    webhook_app.extensions["issuer.services"].db.dispose()
    restarted = create_app(settings.with_changes(ptsb_webhook_url=receiver.url))
    receiver.failures = 0
    assert deliver_due(restarted.extensions["issuer.services"], "w9").delivered == 1
    restarted.extensions["issuer.services"].db.dispose()


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 60), (5, 480), (40, 6 * 3600)])
def test_backoff_is_exponential_and_capped(attempts, seconds):
    assert notices.backoff(attempts) == timedelta(seconds=seconds)
