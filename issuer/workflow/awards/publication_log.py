"""The publication change feed: every transaction that writes published documents also writes one
``PublicationChange`` row naming their paths, in the same commit.

Static exports (``publish export --follow``) on any number of machines read the feed by its
sequence number (``issuer.domain.change_feed`` says how gaps left by transactions still in flight
are waited for), so a revocation made through any app machine reaches every exported tree within
seconds. Recording happens in session events, so no code path that writes a document can forget.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from issuer.db import Database
from issuer.models import PublicationChange, PublishedDocument

_PENDING = "issuer.publication_log.paths"


def record_publication_changes(db: Database) -> None:
    """Make every session of ``db`` record the paths it publishes (once per database)."""
    if getattr(db, "_records_publication_changes", False):
        return
    db.listen("after_flush", _note_paths)
    db.listen("before_commit", _record)
    db.listen("after_rollback", _forget)
    db._records_publication_changes = True  # type: ignore[attr-defined]


def _published_paths(rows: Iterable[Any]) -> set[str]:
    return {row.path for row in rows if isinstance(row, PublishedDocument)}


def _note_paths(session: Session, _flush_context: Any) -> None:
    paths = _published_paths(chain(session.new, session.dirty, session.deleted))
    if paths:
        session.info.setdefault(_PENDING, set()).update(paths)


def _record(session: Session) -> None:
    """Before the commit's last flush: the paths flushed so far and those still pending."""
    paths: set[str] = session.info.pop(_PENDING, set())
    paths |= _published_paths(chain(session.new, session.dirty, session.deleted))
    if paths:
        session.add(PublicationChange(paths="\n".join(sorted(paths)), recorded_at=_now()))


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _now() -> datetime:
    return datetime.now(UTC)


def changes_after(session: Session, seq: int, limit: int = 1000) -> list[tuple[int, list[str]]]:
    """Feed rows with a sequence number above ``seq``, oldest first: (seq, paths)."""
    query = (
        select(PublicationChange.seq, PublicationChange.paths)
        .where(PublicationChange.seq > seq)
        .order_by(PublicationChange.seq)
        .limit(limit)
    )
    return [(number, paths.split("\n")) for number, paths in session.execute(query)]


def changes_numbered(session: Session, numbers: Iterable[int]) -> list[tuple[int, list[str]]]:
    """The feed rows among ``numbers`` that exist now (a gap that filled in)."""
    wanted = sorted(set(numbers))
    if not wanted:
        return []
    query = select(PublicationChange.seq, PublicationChange.paths).where(
        PublicationChange.seq.in_(wanted)
    )
    return [(number, paths.split("\n")) for number, paths in session.execute(query)]


def last_change(session: Session) -> int:
    """The highest sequence number recorded (0 when none)."""
    found = session.scalar(select(PublicationChange.seq).order_by(PublicationChange.seq.desc()))
    return found or 0


def prune_changes(session: Session, older_than: timedelta) -> int:
    """Drop feed rows older than ``older_than`` (a follower starting later syncs in full)."""
    cutoff = _now() - older_than
    result = session.execute(
        delete(PublicationChange).where(PublicationChange.recorded_at < cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def settled_change(session: Session, older_than: timedelta) -> int:
    """The highest sequence number recorded more than ``older_than`` ago (0 when none): a feed
    reader starting now replays what came after it, which covers transactions in flight."""
    cutoff = _now() - older_than
    found = session.scalar(
        select(PublicationChange.seq)
        .where(PublicationChange.recorded_at < cutoff)
        .order_by(PublicationChange.seq.desc())
        .limit(1)
    )
    return found or 0
