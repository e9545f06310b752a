"""For load balancers and operators: ``/healthz`` (the process answers), ``/readyz`` (the
database answers, the schema is current, every active signing key opens) and ``/metrics``
(Prometheus text format), plus the request telemetry of ``telemetry.py``."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from issuer.ops.telemetry import Metrics, install_request_log, note, wrap
from issuer.runtime import Services
from issuer.workflow.operations.gauges import gauges
from issuer.workflow.operations.readiness import KeyFileCheck, active_key_problems, readiness

__all__ = ["init_app", "wrap"]
blueprint = Blueprint("ops", __name__)
keys_log = logging.getLogger("issuer.keys")
EXPOSITION = "text/plain; version=0.0.4; charset=utf-8"


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


@blueprint.get("/healthz")
def healthz() -> Response:
    """The process answers; nothing else is asked (a load balancer's liveness probe)."""
    response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready to serve: 200, or 503 naming what is not (a missing active key by id and file)."""
    result = readiness(_services().db, current_app.extensions["issuer.key_check"])
    response = jsonify(result.as_dict())
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if result.ready else 503


@blueprint.get("/metrics")
def metrics() -> Response:
    metrics: Metrics = current_app.extensions["issuer.metrics"]
    body = metrics.exposition(DatabaseNumbers(_services()))
    response = Response(body, headers={"Content-Type": EXPOSITION})
    response.headers["Cache-Control"] = "no-store"
    return response


class DatabaseNumbers(Collector):
    """Awards and outboxes as the database holds them, read when Prometheus scrapes."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterable[Any]:
        numbers = gauges(self.services.db, self.services.clock())
        issued = CounterMetricFamily(
            "issuer_awards_issued",
            "Awards ever issued (revoked ones included), by kind and current status.",
            labels=["kind", "status"],
        )
        for (kind, status), count in sorted(numbers.awards_by_kind_and_status.items()):
            issued.add_metric([kind, status], count)
        yield issued
        messages = GaugeMetricFamily(
            "issuer_outbox_messages",
            "Mail messages and webhook deliveries by state (pending is the backlog).",
            labels=["outbox", "state"],
        )
        retrying = GaugeMetricFamily(
            "issuer_outbox_retrying",
            "Waiting mail messages and webhook deliveries whose last attempt failed.",
            labels=["outbox"],
        )
        overdue = GaugeMetricFamily(
            "issuer_outbox_overdue_seconds",
            "How long past its due time the most overdue waiting message or delivery is.",
            labels=["outbox"],
        )
        for outbox in numbers.outboxes:
            for state in sorted({"pending", "failed", *outbox.by_state}):
                messages.add_metric([outbox.name, state], outbox.by_state.get(state, 0))
            retrying.add_metric([outbox.name], outbox.retrying)
            overdue.add_metric([outbox.name], outbox.most_overdue_seconds)
        yield from (messages, retrying, overdue)


def _note_route(response: Response) -> Response:
    """The route template this request matched, for the telemetry's labels and log line."""
    rule = request.url_rule
    if rule is not None:
        note(request.environ)["route"] = rule.rule
    return response


def report_key_problems(services: Services, check: KeyFileCheck) -> None:
    """At start: name every active key whose private file is missing or does not open, and how
    to recover, in one log line each (signing would otherwise fail only at the next award)."""
    try:
        problems = active_key_problems(services.db, check)
    except Exception as exc:  # a database not there yet: /readyz will say so
        keys_log.warning("could not check the active signing keys at start: %s", exc)
        return
    for problem in problems:
        keys_log.error(
            "%s; nothing can be signed with it. Restore the file from a backup of KEYS_DIR, or "
            "run `flask --app wsgi keys rotate` to make new keys for every issuer whose active "
            "key is missing (badges already issued keep verifying through their published keys).",
            problem.sentence(),
        )


def init_app(app: Flask) -> Metrics:
    """Register the endpoints, the route noting, and the start-up key check; return the metrics
    the request telemetry (``wrap``) feeds."""
    services: Services = app.extensions["issuer.services"]
    settings = services.settings
    check = KeyFileCheck(settings.keys_dir, settings.key_passphrase)
    metrics = Metrics(settings.prometheus_multiproc_dir)
    app.extensions["issuer.key_check"] = check
    app.extensions["issuer.metrics"] = metrics
    app.register_blueprint(blueprint)
    app.after_request(_note_route)
    install_request_log()
    report_key_problems(services, check)
    return metrics
