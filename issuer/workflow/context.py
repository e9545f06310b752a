"""What every use case is given: the session, the actor, the clock and the service's collaborators."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from issuer.db import Base
from issuer.domain.actors import Actor
from issuer.domain.urls import PublicUrls
from issuer.errors import NotFound
from issuer.evidence import EvidenceStore
from issuer.workflow.awards.keyring import KeyRing

T = TypeVar("T", bound=Base)
T2 = TypeVar("T2")


@dataclass
class Context:
    """One unit of work: everything a use case may touch, passed in rather than read from globals."""

    session: Session
    actor: Actor
    now: datetime
    urls: PublicUrls
    keys: KeyRing
    board_name: str = "Professional Teaching Standards Board"
    # Signs the one-time links a use case puts into a message (password setup, unsubscribe).
    secret_key: str = ""
    publishers: Sequence[Any] = ()
    # Where evidence files live (UPLOADS_DIR) and their limits; None where no use case needs them.
    uploads: EvidenceStore | None = None
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    # How many credentials one Bitstring Status List holds before the issuer's next list opens
    # (STATUS_LIST_CAPACITY; a test-only smaller value exercises the rollover).
    status_list_capacity: int = 131072
    # Facts read once per unit of work (an award's facts, an issuer's active keys, ...).
    memo: dict[Any, Any] = field(default_factory=dict)
    # Rows loaded through ``get``, held so that the session's weak identity map keeps them: a
    # second ``get`` of the same row in this unit of work is then answered without a query.
    _held: list[Any] = field(default_factory=list, repr=False)

    def get(self, model: type[T], ident: object, *, lock: bool = False, what: str = "") -> T:
        """Load a row by primary key or raise ``NotFound``; ``lock`` takes a row lock (PostgreSQL)."""
        row = self.session.get(model, ident, with_for_update=lock or None)
        if row is None:
            label = what or model.__name__.lower()
            raise NotFound(f"No {label} with id {ident}.", code=f"{label}_not_found")
        self._held.append(row)
        return row

    def hold(self, rows: Sequence[Any]) -> None:
        """Keep ``rows`` for the unit of work, so a later ``session.get`` of one needs no query."""
        self._held.extend(rows)

    def remember(self, key: Any, make: Callable[[], T2]) -> T2:
        """``make()``'s value, computed once per unit of work under ``key``."""
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]  # type: ignore[no-any-return]
