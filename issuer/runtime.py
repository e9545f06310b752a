"""The long-lived collaborators of one running app, built once by ``create_app``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from issuer.config import Settings
from issuer.db import Database
from issuer.domain.actors import Actor
from issuer.domain.urls import PublicUrls
from issuer.domain.webhooks import RetryPolicy
from issuer.evidence import EvidenceStore, UploadLimits
from issuer.workflow.awards.keyring import KeyRing
from issuer.workflow.awards.public_reads import PublicReads
from issuer.workflow.awards.publication_log import record_publication_changes
from issuer.workflow.awards.publish_ob2 import OpenBadges2
from issuer.workflow.awards.publish_ob3 import OpenBadges3
from issuer.workflow.context import Context


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """Settings, database, URL scheme, key ring, clock and webhook retry policy: what adapters
    hand to use cases (tests replace the clock and the policy)."""

    settings: Settings
    db: Database
    urls: PublicUrls
    keys: KeyRing
    clock: Callable[[], datetime] = utc_now
    publishers: list[Any] = field(default_factory=list)
    webhook_retry: RetryPolicy = field(default_factory=RetryPolicy)
    extra: dict[str, Any] = field(default_factory=dict)
    public_reads: PublicReads | None = None  # built with the database; see Services.reads

    @classmethod
    def build(cls, settings: Settings) -> Services:
        db = Database(settings.database_url)
        record_publication_changes(db)
        return cls(
            settings=settings,
            db=db,
            public_reads=PublicReads(db, settings.public_cache_seconds),
            urls=PublicUrls(settings.base_url),
            keys=KeyRing(settings.keys_dir, settings.key_passphrase),
            publishers=[OpenBadges2(), OpenBadges3(settings.schemas_dir)],
        )

    @property
    def reads(self) -> PublicReads:
        """Public documents and verification pages, kept in this process for a bounded time."""
        if self.public_reads is None:
            self.public_reads = PublicReads(self.db, self.settings.public_cache_seconds)
        return self.public_reads

    def context(self, session: Any, actor: Actor) -> Context:
        """A use-case context on ``session`` for ``actor``, stamped with the current time."""
        return Context(
            session=session,
            actor=actor,
            now=self.clock(),
            urls=self.urls,
            keys=self.keys,
            board_name=self.settings.ptsb_name,
            secret_key=self.settings.secret_key,
            publishers=self.publishers,
            uploads=self.uploads,
            status_list_capacity=self.settings.status_list_capacity,
        )

    @property
    def uploads(self) -> EvidenceStore:
        """The evidence files' folder (UPLOADS_DIR) with the configured limits."""
        settings = self.settings
        assert settings.uploads_dir is not None  # noqa: S101 - set by Settings.__post_init__
        limits = UploadLimits(
            max_file_bytes=settings.upload_max_file_bytes,
            max_submission_bytes=settings.upload_max_submission_bytes,
            max_files=settings.upload_max_files,
        )
        return EvidenceStore(settings.uploads_dir, limits)
