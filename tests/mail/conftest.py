"""Reading the mail outbox in tests: what was queued, to whom, with which parts."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from issuer.models import MailMessage


class Outbox:
    def __init__(self, app: Flask) -> None:
        self.db = app.extensions["issuer.services"].db

    def messages(self, kind: str | None = None, to: str | None = None) -> list[dict[str, Any]]:
        """Queued messages as plain dicts, oldest first, optionally of one kind or address."""
        query = select(MailMessage).order_by(MailMessage.id)
        if kind is not None:
            query = query.where(MailMessage.kind == kind)
        if to is not None:
            query = query.where(MailMessage.to_address == to.lower())
        with self.db.session() as session:
            return [
                {c.name: getattr(row, c.name) for c in MailMessage.__table__.columns}
                for row in session.scalars(query)
            ]

    def one(self, kind: str, to: str) -> dict[str, Any]:
        found = self.messages(kind, to)
        assert len(found) == 1, (kind, to, [m["kind"] for m in self.messages()])
        return found[0]


@pytest.fixture
def outbox(app: Flask) -> Outbox:
    return Outbox(app)


# --- a real SMTP server and the mail runner (issue 11, delivery) -----------------------------

from collections.abc import Iterator  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

from issuer.mail.transport import SmtpTransport  # noqa: E402
from issuer.workflow.integrations.mail_delivery import MailRun, deliver_due  # noqa: E402
from tests.mail.smtp_server import SmtpServer  # noqa: E402


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """STARTTLS on a self-signed certificate, AUTH required."""
    server = SmtpServer(tmp_path, tls="starttls", auth=True).start()
    yield server
    server.stop()


class Runner:
    """Runs delivery passes against the app's outbox with a transport and a controllable clock."""

    def __init__(self, app: Flask) -> None:
        self.services = app.extensions["issuer.services"]
        self.now = self.services.clock()
        self.services.clock = lambda: self.now

    def later(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)

    def smtp(self, server: SmtpServer, **overrides: Any) -> SmtpTransport:
        return SmtpTransport(
            self.services.settings.with_changes(**server.settings_changes(**overrides))
        )

    def deliver(self, transport: Any, worker: str = "runner-1") -> MailRun:
        return deliver_due(self.services, worker, transport)


@pytest.fixture
def mail_runner(app: Flask) -> Runner:
    return Runner(app)
