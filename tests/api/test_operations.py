"""Issue 14, operable at scale: /healthz, /readyz, /metrics, request ids and the request log, a
missing active key named at start and in /readyz, and `keys rotate` recovering from it."""

from __future__ import annotations

import json
import logging
import re

import pytest

from issuer import create_app
from issuer.db import Database
from issuer.signing.jws import peek_compact, verify_compact
from issuer.signing.keys import public_key_from_pem

LD = "application/ld+json"
NO_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # nothing listens on port 1


def local(url: str) -> str:
    return url.replace("https://badges.test", "")


def lose_every_key_file(settings) -> list[str]:
    names = sorted(p.name for p in settings.keys_dir.glob("*.pem"))
    for name in names:
        (settings.keys_dir / name).unlink()
    return names


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def request_lines():
    """The JSON lines of the request log, as its formatter writes them."""
    logger = logging.getLogger("issuer.requests")
    lines = Lines()
    logger.addHandler(lines)
    yield lambda: [json.loads(logger.handlers[0].format(r)) for r in lines.records]
    logger.removeHandler(lines)


# --- health and readiness -------------------------------------------------------------------


def test_healthz_answers_without_the_database(app, client):
    app.extensions["issuer.services"].db = Database(NO_DATABASE)
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_readyz_is_200_when_database_schema_and_keys_are_ready(client, award):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "ready": True,
        "checks": {"database": "ok", "migrations": "ok", "signing_keys": "ok"},
        "missing_keys": [],
    }


def test_readyz_is_503_when_the_database_does_not_answer(app, client):
    app.extensions["issuer.services"].db = Database(NO_DATABASE)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("unavailable")


def test_readyz_is_503_naming_the_active_key_whose_file_was_removed(
    app, client, settings, district
):
    issuer_id, _ = district
    key = next(
        k
        for k in client.get(f"/ob2/issuers/{issuer_id}", headers={"Accept": LD}).get_json(
            force=True
        )["publicKey"]
    )
    key_id = key.rsplit("/", 1)[-1]
    (settings.keys_dir / f"{key_id}.pem").unlink()
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503 and body["ready"] is False
    assert [(k["key_id"], k["file"], k["algorithm"]) for k in body["missing_keys"]] == [
        (key_id, f"{key_id}.pem", "RSA")
    ]
    assert key_id in body["checks"]["signing_keys"]
    assert "Metro School District" in body["checks"]["signing_keys"]


def test_readyz_names_a_key_file_that_does_not_open(client, settings):
    name = sorted(p.name for p in settings.keys_dir.glob("*.pem"))[0]
    (settings.keys_dir / name).write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert [k["file"] for k in response.get_json()["missing_keys"]] == [name]
    assert "does not open" in response.get_json()["missing_keys"][0]["problem"]


def test_the_start_names_a_missing_active_key_file_in_a_log_line(settings, app, caplog):
    lost = lose_every_key_file(settings)
    with caplog.at_level(logging.ERROR, logger="issuer.keys"):
        restarted = create_app(settings)
    restarted.extensions["issuer.services"].db.dispose()
    lines = [r.getMessage() for r in caplog.records if r.name == "issuer.keys"]
    assert len(lines) == len(lost) == 2  # the board's Ed25519 and RSA keys
    for name in lost:
        line = next(line for line in lines if name.removesuffix(".pem") in line)
        assert "Professional Teaching Standards Board" in line and "keys rotate" in line


def test_keys_rotate_recovers_from_lost_key_files_and_old_badges_keep_verifying(
    api, client, runner, settings, district, award
):
    issuer_id, admin = district
    old_token = client.get(local(award["ob2"]["jws"])).data.decode()
    lose_every_key_file(settings)
    assert client.get("/readyz").status_code == 503

    result = runner.invoke(args=["keys", "rotate"])

    assert result.exit_code == 0, result.output
    rotated = json.loads(result.output)["rotated"]
    assert sorted(r["issuer_id"] for r in rotated) == sorted([1, issuer_id])  # board and district
    assert client.get("/readyz").status_code == 200
    program_id = api.approved_program(admin, issuer_id, name="Second Program")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id)
    assert api.complete(admin, enrollment_id)["status"] == "active"
    creator = peek_compact(old_token).payload_json()["verification"]["creator"]
    pem = client.get(local(creator), headers={"Accept": LD}).get_json(force=True)["publicKeyPem"]
    assert verify_compact(old_token, lambda _: public_key_from_pem(pem), allowed_algs=("RS256",))


def test_keys_rotate_without_a_lost_key_changes_nothing(runner, client, settings):
    before = sorted(p.name for p in settings.keys_dir.glob("*.pem"))
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0 and json.loads(result.output)["rotated"] == []
    assert sorted(p.name for p in settings.keys_dir.glob("*.pem")) == before


# --- request ids and the request log ----------------------------------------------------------


def test_every_answer_carries_a_request_id(client, award):
    for url in ("/healthz", "/nowhere", local(award["ob2"]["assertion"])):
        assert re.fullmatch(r"[0-9a-f]{32}", client.get(url).headers["X-Request-Id"]), url


def test_a_sane_incoming_request_id_is_echoed_on_cached_and_uncached_reads(client, award):
    url = local(award["ob2"]["assertion"])
    for _ in range(2):  # the second read is answered from the cache
        response = client.get(url, headers={"X-Request-Id": "lb-7f3a.91:2"})
        assert response.headers["X-Request-Id"] == "lb-7f3a.91:2"


@pytest.mark.parametrize("incoming", ["has space", "x" * 129, "<script>", "-starts-with-dash"])
def test_an_odd_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-Id": incoming})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])


def test_one_json_log_line_per_request_with_its_id_route_and_status(client, award, request_lines):
    url = local(award["ob3"]["credential"])
    answers = [client.get(url, headers={"Accept": LD}) for _ in range(2)] + [client.get("/nowhere")]
    lines = request_lines()
    assert [line["request_id"] for line in lines] == [a.headers["X-Request-Id"] for a in answers]
    assert [(line["route"], line["status"], line["path"]) for line in lines] == [
        ("/ob3/<path:rest>", 200, url),
        ("/ob3/<path:rest>", 200, url),
        ("unmatched", 404, "/nowhere"),
    ]
    assert all(line["method"] == "GET" and line["duration_ms"] >= 0 for line in lines)
    assert lines[0]["bytes"] == len(answers[0].data)


def test_the_log_gives_the_route_not_the_path_of_a_link_with_a_token(client, request_lines):
    client.get("/mail/unsubscribe/secret-token-value")
    (line,) = request_lines()
    assert line["path"] == line["route"] == "/mail/unsubscribe/<token>"
    assert "secret-token-value" not in json.dumps(line)


# --- metrics ----------------------------------------------------------------------------------


def sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} ") or (not labels and line.startswith(name + " ")):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {name}{{{wanted}}} in\n{text}")


def test_metrics_count_requests_by_route_template_and_status(client, award):
    url = local(award["ob2"]["assertion"])
    for _ in range(3):
        client.get(url, headers={"Accept": LD})
    client.get("/ob2/assertions/00000000-0000-0000-0000-000000000000")
    text = client.get("/metrics").data.decode()
    route = "/ob2/<path:rest>"
    assert sample(text, "issuer_http_requests_total", method="GET", route=route, status="200") == 3
    assert sample(text, "issuer_http_requests_total", method="GET", route=route, status="404") == 1
    count = sample(text, "issuer_http_request_duration_seconds_count", method="GET", route=route)
    assert count == 4
    assert 'issuer_http_request_duration_seconds_bucket{le="0.005",method="GET"' in text


def test_metrics_report_awards_and_the_mail_and_webhook_outboxes(client, award):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.data.decode()
    assert sample(text, "issuer_awards_issued_total", kind="program", status="active") == 1
    # the award queued its email and its award.issued webhook event (PTSB's subscriber)
    assert sample(text, "issuer_outbox_messages", outbox="mail", state="pending") >= 1
    assert sample(text, "issuer_outbox_messages", outbox="webhook", state="failed") == 0
    for outbox in ("mail", "webhook"):
        assert sample(text, "issuer_outbox_retrying", outbox=outbox) == 0
        assert sample(text, "issuer_outbox_overdue_seconds", outbox=outbox) >= 0


def test_metrics_hold_no_ids_addresses_tokens_or_secrets(api, client, district, award, settings):
    _, admin = district
    client.get(local(award["ob2"]["assertion"]))
    client.get("/mail/unsubscribe/secret-token-value")
    api.ok("GET", f"/awards/{award['id']}", admin)
    text = client.get("/metrics").data.decode()
    for secret in (award["id"], admin, api.ptsb, settings.secret_key, "secret-token-value", "@"):
        assert secret not in text
    routes = set(re.findall(r'route="([^"]*)"', text))
    assert "/api/v1/awards/<uuid:award_id>" in routes or any("<" in r for r in routes)
    assert all(r == "unmatched" or r.startswith("/") for r in routes)
