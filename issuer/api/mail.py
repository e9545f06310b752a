"""The mail delivery log and bounced addresses (SPEC §9), for PTSB (everything) and an issuer's
admins (their issuer's messages, the addresses their issuer mailed). The log never shows bodies:
they carry people's one-time links."""

from __future__ import annotations

from typing import Any

from flask import request

from issuer.api.context import read, write
from issuer.api.query import choice_arg, page_args
from issuer.api.routing import QueryParam, area
from issuer.domain.mail import MailState
from issuer.workflow.integrations import mail_delivery

api = area("mail", "Mail")


@api.route(
    "/mail/messages",
    "GET",
    "The mail delivery log, newest first: kind, recipient, subject, state and every attempt",
    query=(
        QueryParam("state", {"type": "string", "enum": [s.value for s in MailState]}),
        QueryParam("to", {"type": "string"}, "one recipient address"),
        QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
        QueryParam("offset", {"type": "integer", "minimum": 0}),
    ),
    errors=(401, 403, 422),
)
def list_messages() -> dict[str, Any]:
    state = choice_arg("state", MailState)
    to = request.args.get("to") or None
    limit, offset = page_args(50)

    def listing(ctx: Any) -> dict[str, Any]:
        found = mail_delivery.list_messages(
            ctx, state=state.value if state else None, to=to, limit=limit, offset=offset
        )
        return {
            "items": [mail_delivery.message_entry(r) for r in found.items],
            "total": found.total,
        }

    return read(listing)


@api.route(
    "/mail/suppressions",
    "GET",
    "Addresses that bounced permanently and are not mailed until cleared",
    errors=(401, 403),
)
def list_suppressions() -> dict[str, Any]:
    return read(
        lambda ctx: {
            "items": [
                mail_delivery.suppression_entry(s) for s in mail_delivery.list_suppressions(ctx)
            ]
        }
    )


@api.route(
    "/mail/suppressions/<address>",
    "DELETE",
    "Clear a bounced address: it is mailed again",
    errors=(401, 403, 404),
)
def clear_suppression(address: str) -> dict[str, Any]:
    return write(
        lambda ctx: mail_delivery.suppression_entry(mail_delivery.clear_suppression(ctx, address))
    )
