"""Turn a stored message into an RFC 5322 message (no I/O): a plain-text part with an HTML
alternative, the issuer as the sender's display name, its email as ``Reply-To``, and the stored
``Message-ID``, so a message sent twice (after a crash) is recognisably the same one.

The SMTP policy refuses any header value with a line break, so a name or subject cannot smuggle
in another header."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

# Headers a message may carry besides the ones built here (RFC 8058 one-click unsubscribe).
EXTRA_HEADERS = frozenset({"List-Unsubscribe", "List-Unsubscribe-Post", "Auto-Submitted"})
_FIELD_NAME = re.compile(r"[!-9;-~]+")


@dataclass(frozen=True)
class Envelope:
    """What one message is made of: everything the outbox row stores."""

    message_id: str
    to: str
    sender_name: str
    subject: str
    text: str
    html: str
    date: datetime
    reply_to: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def build_message(envelope: Envelope, mail_from: str) -> EmailMessage:
    """The MIME message for ``envelope`` sent from ``mail_from``; raises ``ValueError`` for a
    header that is not allowed or a value with a line break (header injection)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(display_name=envelope.sender_name, addr_spec=mail_from)
    message["To"] = Address(addr_spec=envelope.to)
    if envelope.reply_to:
        message["Reply-To"] = Address(addr_spec=envelope.reply_to)
    message["Subject"] = envelope.subject
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = envelope.message_id
    for name, value in envelope.headers.items():
        if name not in EXTRA_HEADERS or not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"header {name!r} is not one a message may carry")
        message[name] = value
    message.set_content(envelope.text)
    message.add_alternative(envelope.html, subtype="html")
    return message
