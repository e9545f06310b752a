"""``limit``/``offset``/``since`` paging of the 1EdTech APIs' getCredentials (OB 3.0 and CLR 2.0):
the query parameters read and checked, and the RFC 8288 ``Link`` header of a page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


class BadQuery(Exception):
    """A paging parameter that is not what the API allows (400 ``invalid_query_parameter``)."""


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int
    since: datetime | None
    since_text: str | None


def paging_from(args: Mapping[str, str]) -> Paging:
    """The request's paging; ``limit`` is capped at ``MAX_LIMIT``. Raises ``BadQuery``."""
    limit = _integer(args.get("limit"), "limit", DEFAULT_LIMIT, minimum=1)
    offset = _integer(args.get("offset"), "offset", 0, minimum=0)
    since_text = args.get("since")
    return Paging(min(limit, MAX_LIMIT), offset, _timestamp(since_text), since_text)


def link_header(base: str, paging: Paging, total: int) -> str:
    """RFC 8288 links as the APIs ask: first and last always, next and prev when they exist."""
    limit, offset = paging.limit, paging.offset
    pages = {"first": 0, "last": max(0, (total - 1) // limit * limit)}
    if offset + limit < total:
        pages["next"] = offset + limit
    if offset > 0:
        pages["prev"] = max(0, offset - limit)
    since = f"&since={paging.since_text}" if paging.since_text else ""
    return ", ".join(
        f'<{base}?limit={limit}&offset={start}{since}>; rel="{rel}"' for rel, start in pages.items()
    )


def _integer(text: str | None, name: str, default: int, *, minimum: int) -> int:
    if text is None:
        return default
    if not text.isdigit() or len(text) > 9 or int(text) < minimum:
        raise BadQuery(f"{name} must be an integer of at least {minimum}.")
    return int(text)


def _timestamp(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadQuery("since must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
