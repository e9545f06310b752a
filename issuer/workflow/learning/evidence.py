"""Evidence files of submissions: received into the store before the transaction, recorded as
rows with the submission, and read back only by the earner and their issuer's reviewers and admins.

The bytes are written first (checked, hashed) so a refused file never reaches the database; if
the transaction then fails, ``received`` removes the bytes no committed row points to.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select

from issuer.db import Database
from issuer.domain.states import Role
from issuer.errors import Forbidden
from issuer.evidence import EvidenceStore, StoredFile, Upload
from issuer.models import Earner, Enrollment, EvidenceFile, Program, Submission
from issuer.workflow.context import Context


@contextmanager
def received(
    db: Database, store: EvidenceStore, uploads: Sequence[Upload]
) -> Iterator[list[StoredFile]]:
    """Store and check ``uploads`` (limits, type by content), then run the block that records
    them; if it fails, the stored bytes without a committed row are removed."""
    stored = store.save_all(list(uploads))
    try:
        yield stored
    except BaseException:
        store.discard(_without_rows(db, stored))
        raise


def attach(ctx: Context, submission: Submission, files: Sequence[StoredFile]) -> list[EvidenceFile]:
    """The rows of a submission's files (in the submission's transaction)."""
    rows = [
        EvidenceFile(
            submission_id=submission.id,
            filename=item.filename,
            media_type=item.media_type,
            size=item.size,
            sha256=item.sha256,
            storage_key=item.storage_key,
            uploaded_by=ctx.actor.account_id,
            created_at=ctx.now,
        )
        for item in files
    ]
    ctx.session.add_all(rows)
    ctx.session.flush()
    return rows


def files_of(ctx: Context, submission_id: int) -> list[EvidenceFile]:
    """A submission's files in the order they were sent."""
    query = select(EvidenceFile).where(EvidenceFile.submission_id == submission_id)
    return list(ctx.session.scalars(query.order_by(EvidenceFile.id)))


def api_url(ctx: Context, file_id: int) -> str:
    return f"{ctx.urls.base}/api/v1/evidence/{file_id}"


def page_url(ctx: Context, file_id: int) -> str:
    return f"{ctx.urls.base}/evidence/{file_id}"


@dataclass(frozen=True)
class Download:
    """A file to send: its recorded facts and its open bytes (the caller closes them)."""

    filename: str
    media_type: str
    size: int
    sha256: str
    body: BinaryIO


def download(ctx: Context, file_id: int) -> Download:
    """A file's bytes, for the earner who submitted it and their issuer's reviewers and admins
    only (not PTSB, not another issuer, not another earner)."""
    row = ctx.get(EvidenceFile, file_id, what="evidence file")
    check_reader(ctx, ctx.get(Submission, row.submission_id))
    assert ctx.uploads is not None  # noqa: S101 - every app context has the store
    body = ctx.uploads.open(row.storage_key)
    return Download(row.filename, row.media_type, row.size, row.sha256, body)


def check_reader(ctx: Context, submission: Submission) -> None:
    """Raise ``Forbidden`` unless the actor may read this submission's files."""
    enrollment = ctx.get(Enrollment, submission.enrollment_id)
    actor = ctx.actor
    if actor.role is Role.EARNER:
        if ctx.get(Earner, enrollment.earner_id).email != actor.email:
            raise Forbidden("That is another earner's file.", code="other_earner")
        return
    actor.require_role(Role.ISSUER_ADMIN, Role.REVIEWER)
    actor.require_issuer(ctx.get(Program, enrollment.program_id).issuer_id)


def sweep_orphans(db: Database, store: EvidenceStore, older_than: float) -> int:
    """Remove stored bytes no row points to, written before ``older_than`` (a POSIX time, well
    before any transaction still running): what a crash between writing and committing left."""
    keys = store.keys_older_than(older_than)
    if not keys:
        return 0
    with db.session() as session:
        kept = set()
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            query = select(EvidenceFile.storage_key).where(EvidenceFile.storage_key.in_(batch))
            kept |= set(session.scalars(query))
    orphans = [key for key in keys if key not in kept]
    for key in orphans:
        store.remove(key)
    return len(orphans)


def _without_rows(db: Database, files: list[StoredFile]) -> list[StoredFile]:
    if not files:
        return []
    keys = [item.storage_key for item in files]
    with db.session() as session:
        kept = set(
            session.scalars(
                select(EvidenceFile.storage_key).where(EvidenceFile.storage_key.in_(keys))
            )
        )
    return [item for item in files if item.storage_key not in kept]
