"""What every request leaves behind: an ``X-Request-Id``, one JSON log line and its Prometheus
counters (requests by route template and status, a latency histogram).

``RequestTelemetry`` is WSGI middleware, outside the framework, so it sees every answer --
including public reads served from the cache without Flask (``issuer/public``). The route
template comes from whoever routed the request, through ``note(environ)``; a request no route
matched counts as ``unmatched`` (never its path: label values stay few and hold no ids).

With ``PROMETHEUS_MULTIPROC_DIR`` set (several gunicorn workers), prometheus-client keeps each
worker's values in files in that directory and ``/metrics`` adds them up; the directory must be
empty when the service starts.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from prometheus_client.metrics_core import Metric

NOTE = "issuer.telemetry"  # environ key of the per-request note (shared with HEAD's GET copy)
UNMATCHED = "unmatched"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# An incoming X-Request-Id is kept when it looks like an id (a proxy's or a client's); anything
# else (too long, spaces, quotes, control characters) is replaced by one of ours.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}")
# Routes whose path carries a secret (a signed one-time token): the log gives the route instead.
_SECRET_PARAMETER = re.compile(r"<(?:\w+:)?\w*token\w*>")

request_log = logging.getLogger("issuer.requests")


def note(environ: WSGIEnvironment) -> dict[str, Any]:
    """The request's note, where routers write ``route`` (and the middleware the request id)."""
    found = environ.get(NOTE)
    if found is None:
        found = environ[NOTE] = {}
    return found  # type: ignore[no-any-return]


def request_id(incoming: str | None) -> str:
    if incoming and _SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class Metrics:
    """The request counters of one app, in this process (or the multiprocess directory)."""

    def __init__(self, multiprocess_dir: Path | None) -> None:
        self.multiprocess_dir = multiprocess_dir
        # In multiprocess mode values go to files, read back by MultiProcessCollector: the
        # metrics need no registry (and two apps in one process may create them both).
        self.registry = CollectorRegistry(auto_describe=True)
        own = None if multiprocess_dir else self.registry
        self.requests = Counter(
            "issuer_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=own,
        )
        self.latency = Histogram(
            "issuer_http_request_duration_seconds",
            "Time from a request's arrival to its answer being ready, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=own,
        )
        self._counted: dict[tuple[str, str, str], Any] = {}
        self._timed: dict[tuple[str, str], Any] = {}

    def observe(self, method: str, route: str, status: str, seconds: float) -> None:
        key = (method, route, status)
        counter = self._counted.get(key)
        if counter is None:
            counter = self._counted[key] = self.requests.labels(method, route, status)
        counter.inc()
        timer = self._timed.get(key[:2])
        if timer is None:
            timer = self._timed[key[:2]] = self.latency.labels(method, route)
        timer.observe(seconds)

    def exposition(self, *collectors: Collector) -> bytes:
        """The text format of every worker's request metrics and of ``collectors``."""
        registry = CollectorRegistry(auto_describe=False)
        if self.multiprocess_dir is not None:
            MultiProcessCollector(registry, path=str(self.multiprocess_dir))
        else:
            registry.register(_Forward(self.registry))
        for collector in collectors:
            registry.register(collector)
        return generate_latest(registry)  # type: ignore[no-any-return]


class _Forward(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterable[Metric]:
        return self._registry.collect()


class JsonLines(logging.Formatter):
    """A log record whose message is a dict becomes one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.msg, dict):
            return json.dumps(record.msg, ensure_ascii=False, separators=(",", ":"))
        return json.dumps(
            {
                "ts": _timestamp(record.created),
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": record.getMessage(),
            }
        )


def install_request_log() -> None:
    """One JSON line per request on standard error, unless logging was configured for it."""
    if request_log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    request_log.addHandler(handler)
    request_log.setLevel(logging.INFO)
    request_log.propagate = False


class RequestTelemetry:
    """WSGI middleware: request id in and out, a log line and the metrics of every request."""

    def __init__(self, app: WSGIApplication, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
        facts: dict[str, Any] = {"request_id": rid}
        environ[NOTE] = facts

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            facts["status"] = status
            facts["headers"] = headers
            headers = [*headers, ("X-Request-Id", rid)]
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, start)
        except BaseException:
            facts.setdefault("status", "500 INTERNAL SERVER ERROR")
            self._record(environ, facts, started)
            raise
        self._record(environ, facts, started)
        return body

    def _record(self, environ: WSGIEnvironment, facts: dict[str, Any], started: float) -> None:
        seconds = time.perf_counter() - started
        method = environ.get("REQUEST_METHOD", "")
        route = facts.get("route") or UNMATCHED
        status = facts.get("status", "500")[:3]
        self.metrics.observe(method, route, status, seconds)
        if not request_log.isEnabledFor(logging.INFO):
            return
        path = environ.get("PATH_INFO", "")
        if _SECRET_PARAMETER.search(route):
            path = route
        request_log.info(
            {
                "ts": _timestamp(time.time()),
                "level": "info",
                "event": "request",
                "request_id": facts["request_id"],
                "method": method,
                "path": path,
                "route": route,
                "status": int(status) if status.isdigit() else status,
                "duration_ms": round(seconds * 1000, 3),
                "bytes": _content_length(facts.get("headers")),
                "remote_addr": environ.get("REMOTE_ADDR"),
                "user_agent": environ.get("HTTP_USER_AGENT", "")[:200],
            }
        )


def _content_length(headers: list[tuple[str, str]] | None) -> int | None:
    for name, value in headers or ():
        if name.lower() == "content-length" and value.isdigit():
            return int(value)
    return None


def _timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


def wrap(metrics: Metrics) -> Callable[[WSGIApplication], WSGIApplication]:
    return lambda app: RequestTelemetry(app, metrics)  # type: ignore[return-value]
