"""Standard Webhooks signatures (issuer/domain/webhooks.py) against the specification's example
and the independent ``standardwebhooks`` reference implementation."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from issuer.domain import webhooks

# The example used by the Standard Webhooks reference libraries' own test suites.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY = (
    "msg_p5jXN8AQM9LWM0D4loKWxJek",
    1614265330,
    b'{"test": 2432232314}',
)
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
OUR_SECRET = webhooks.secret_from_bytes(bytes(range(32)))


def test_signature_matches_the_specification_example():
    assert webhooks.signature(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_reference_verifier_accepts_our_headers():
    body = webhooks.body("award.issued", datetime.now(UTC), {"award_id": "a"})
    headers = webhooks.headers(OUR_SECRET, "msg_1", int(time.time()), body)
    assert Webhook(OUR_SECRET).verify(body, headers)["data"] == {"award_id": "a"}


def test_reference_verifier_rejects_another_secret():
    body = webhooks.body("award.issued", datetime.now(UTC), {"award_id": "a"})
    headers = webhooks.headers(OUR_SECRET, "msg_1", int(time.time()), body)
    other = webhooks.secret_from_bytes(bytes(range(1, 33)))
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(body, headers)


def test_reference_verifier_rejects_a_changed_body():
    body = webhooks.body("award.revoked", datetime.now(UTC), {"reason": "x"})
    headers = webhooks.headers(OUR_SECRET, "msg_1", int(time.time()), body)
    with pytest.raises(WebhookVerificationError):
        Webhook(OUR_SECRET).verify(body.replace(b'"x"', b'"y"'), headers)


@pytest.mark.parametrize(
    "secret",
    ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_" + "QUFB", "whsec_"],
)
def test_malformed_or_short_secret_is_refused(secret):
    with pytest.raises(ValueError, match="secret"):
        webhooks.secret_key(secret)


def test_body_is_compact_json_with_type_timestamp_and_data():
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert webhooks.body("program.approved", moment, {"a": 1}) == (
        b'{"type":"program.approved","timestamp":"2026-03-01T12:00:00Z","data":{"a":1}}'
    )


def test_unknown_event_type_is_refused():
    with pytest.raises(ValueError, match="event type"):
        webhooks.body("award.deleted", datetime.now(UTC), {})


@pytest.mark.parametrize(("attempts", "gives_up"), [(1, False), (14, False), (15, True)])
def test_default_policy_gives_up_after_fifteen_attempts(attempts, gives_up):
    assert webhooks.RetryPolicy().gives_up(attempts) is gives_up


def test_default_policy_spreads_fifteen_attempts_over_about_a_day_and_a_half():
    policy = webhooks.RetryPolicy()
    total = sum((policy.delay(n) for n in range(1, 15)), timedelta())
    assert timedelta(hours=30) < total < timedelta(hours=40)
