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
