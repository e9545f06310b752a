"""A webhook receiver for tests: a real HTTP server on a loopback port that behaves like a careful
Standard Webhooks consumer. It verifies every request with the independent ``standardwebhooks``
package (when given the secret), can answer 500 to the first attempts of each message, and
processes each ``webhook-id`` once however often it is sent."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Request:
    """One request as received, and what the receiver answered."""

    headers: dict[str, str]
    body: bytes
    verified: bool
    status: int

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


@dataclass
class WebhookReceiver:
    """``secret`` None skips verification (for tests that move the service's clock far ahead of
    the receiver's, beyond the Standard Webhooks timestamp tolerance); ``redirect`` answers every
    request with 307 to another path (``paths`` lists every path asked for)."""

    secret: str | None = None
    fail_first: int = 0
    redirect: bool = False
    requests: list[Request] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    processed: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.paths.append(self.path)
                if receiver.redirect:
                    self.send_response(307)
                    self.send_header("Location", "/moved")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = receiver.receive({k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/badges"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def receive(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            verified = self._verify(headers, body)
            message_id = headers.get("webhook-id", "")
            earlier = sum(1 for r in self.requests if r.webhook_id == message_id and r.verified)
            if not verified:
                status = 401
            elif earlier < self.fail_first:
                status = 500
            else:
                status = 204
                self.processed.setdefault(message_id, json.loads(body))  # de-duplicate by id
            self.requests.append(Request(headers, body, verified, status))
            return status

    def _verify(self, headers: dict[str, str], body: bytes) -> bool:
        if self.secret is None:
            return True
        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            return False
        return True

    def of_type(self, event_type: str) -> list[Request]:
        return [r for r in self.requests if r.payload["type"] == event_type]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
