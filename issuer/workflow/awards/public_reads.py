"""Reads behind the public URLs: stored documents by path, kept in process for a bounded time.

A public read (a hosted assertion, a credential, a status list, an anonymous verification page)
is the same for every verifier, and verifiers outnumber issuers by far. Each worker keeps what it
read for at most ``seconds`` (``PUBLIC_CACHE_SECONDS``, 5 by default, never more than the
``max-age`` we publish): a change made anywhere -- a revocation through another worker or machine
-- is visible on every worker within that bound. A change committed through this worker's own
database sessions drops what it touched at once (read-your-writes within one process).

The bound is measured from the moment the read *started* (what was read reflects the database at
that moment or later), on a monotonic clock; an entry whose age cannot be told (a clock that went
backwards) counts as expired. Memory is bounded too: least recently used entries go first once
``max_bytes`` of bodies are held.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sqlalchemy.orm import Session

from issuer.db import Database
from issuer.models import Award, PublishedDocument

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_CHANGES = "issuer.public_reads.changes"


@dataclass(frozen=True)
class StoredDocument:
    path: str
    media_type: str
    body: bytes
    etag: str
    award_id: str | None


def stored_document(session: Session, path: str) -> StoredDocument | None:
    """The published bytes at ``path`` (None when nothing is published there)."""
    row = session.get(PublishedDocument, path)
    if row is None:
        return None
    return StoredDocument(row.path, row.media_type, row.body, row.etag, row.award_id)


class ExpiringCache:
    """A thread-safe LRU map whose entries live at most ``seconds`` from when their read began.

    ``begin()`` returns a ticket (time and generation) taken before reading; ``put`` with it is
    ignored when anything was dropped in between (the value may predate that change).
    """

    def __init__(self, seconds: float, clock: Callable[[], float], max_bytes: int) -> None:
        self.seconds = seconds
        self.clock = clock
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Any, tuple[float, Any, int]] = OrderedDict()
        self._bytes = 0
        self._generation = 0
        self._lock = threading.Lock()

    def begin(self) -> tuple[float, int]:
        return self.clock(), self._generation

    def get(self, key: Any) -> Any | None:
        if self.seconds <= 0:
            return None
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            age = now - entry[0]
            if not 0 <= age < self.seconds:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Any, value: Any, size: int, ticket: tuple[float, int]) -> None:
        started, generation = ticket
        if self.seconds <= 0 or size > self.max_bytes:
            return
        with self._lock:
            if generation != self._generation:
                return
            self._drop(key)
            self._entries[key] = (started, value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def forget(self, keys: Iterable[Any]) -> None:
        with self._lock:
            self._generation += 1
            for key in keys:
                self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, key: Any) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[2]


@dataclass
class _Changes:
    paths: set[str] = field(default_factory=set)
    awards: set[str] = field(default_factory=set)
    shared: bool = False  # a document no single award owns (issuer, badge class, status list)


class PublicReads:
    """Stored documents and rendered verification pages of one process, each kept at most
    ``seconds``; commits through ``db`` drop what they changed."""

    def __init__(
        self,
        db: Database,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.db = db
        self.documents = ExpiringCache(seconds, clock, max_bytes)
        self.pages = ExpiringCache(seconds, clock, max_bytes // 4)
        db.listen("after_flush", _note_changes)
        db.listen("after_commit", self._apply_changes)
        db.listen("after_rollback", _discard_changes)

    @property
    def seconds(self) -> float:
        return self.documents.seconds

    def set_clock(self, clock: Callable[[], float]) -> None:
        """Tests drive time with a clock of their own."""
        self.documents.clock = self.pages.clock = clock

    def document(self, path: str) -> StoredDocument | None:
        """The published document at ``path``, from this process's copy when it is fresh."""
        cached = self.documents.get(path)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        ticket = self.documents.begin()
        session = self.db.session()
        try:
            document = stored_document(session, path)
        finally:
            session.close()
        if document is not None:
            self.documents.put(path, document, len(document.body) + len(path), ticket)
        return document

    def page(self, award_id: str, render: Callable[[], str]) -> str:
        """An award's anonymous verification page: rendered by ``render`` when not fresh here."""
        cached = self.pages.get(award_id)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        ticket = self.pages.begin()
        html = render()
        self.pages.put(award_id, html, len(html), ticket)
        return html

    def _apply_changes(self, session: Session) -> None:
        changes: _Changes | None = session.info.pop(_CHANGES, None)
        if changes is None:
            return
        if changes.paths:
            self.documents.forget(changes.paths)
        if changes.shared:
            self.pages.clear()
        elif changes.awards:
            self.pages.forget(changes.awards)


def _note_changes(session: Session, _flush_context: Any) -> None:
    """What a flush wrote that public reads show, remembered until the transaction ends."""
    changes: _Changes | None = None
    for row in chain(session.new, session.dirty, session.deleted):
        if isinstance(row, PublishedDocument):
            changes = changes or session.info.setdefault(_CHANGES, _Changes())
            changes.paths.add(row.path)
            if row.award_id:
                changes.awards.add(row.award_id)
            else:
                changes.shared = True
        elif isinstance(row, Award):
            changes = changes or session.info.setdefault(_CHANGES, _Changes())
            changes.awards.add(row.id)


def _discard_changes(session: Session) -> None:
    session.info.pop(_CHANGES, None)
