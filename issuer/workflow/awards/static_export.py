"""A static copy of every public document (``flask --app wsgi publish export DIR``), kept current.

The tree is what nginx (``issuer/public/static_origin.py``) serves to machines, and what a CDN or
an object store can take as origin. Its layout:

``objects/<ab>/<etag>.<profile>/body``
    a document's exact bytes, named by its ETag (the sha256 prefix the app publishes, ``ab`` its
    first two characters) and its header profile; ``headers.json`` beside it lists the headers
    the app sends with it, for each answer type. Written once (temp folder + rename), never
    changed; shared by paths with the same bytes and headers.
``paths/<public path>/@``
    a symbolic link to the object the path serves now. Changing a document writes its new object
    and then renames a new link over the old one, so a reader sees the old or the new document,
    whole, never a half-written file. nginx resolves the link once per request and serves body and
    headers from the object it resolved.
``profiles/<profile>.json``
    each header profile used (what nginx's configuration must know to answer for it).

Only documents nginx can answer exactly as the app does are exported: a path of plain segments
under ``/ob2/`` or ``/ob3/`` whose stored ETag is its body's hash. Anything else stays with the
app (nginx finds no link and passes the request on).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.db import Database
from issuer.domain.change_feed import DEFAULT_GAP_SECONDS, FeedCursor
from issuer.models import PublishedDocument
from issuer.workflow.awards import publication_log
from issuer.workflow.awards.public_reads import StoredDocument

log = logging.getLogger(__name__)

# The headers of a document for each answer type ("ld", "json" for JSON documents; "any" for the
# rest), as the app sends them; given by the adapter that owns HTTP (issuer.public).
Headers = list[tuple[str, str]]
AnswerHeaders = Callable[[StoredDocument], dict[str, Headers]]

EXPORTABLE_PATH = re.compile(r"^/ob[23](/[A-Za-z0-9._~-]+)+$")
HASH_ETAG = re.compile(r'^"([0-9a-f]{32})"$')
LINK = "@"
# Headers nginx makes itself (ETag from the object's name, the length from the file).
PER_BODY = {"etag", "content-length"}
ROW = (  # what decides a path's object, without the body
    PublishedDocument.path,
    PublishedDocument.media_type,
    PublishedDocument.etag,
    PublishedDocument.award_id,
)
OBJECT_GRACE_SECONDS = 300.0  # an object no link names is removed only after this long
FEED_KEPT = timedelta(days=7)  # feed rows older than this are pruned (a follower resyncs in full)


def profile_of(answers: dict[str, Headers]) -> tuple[str, dict[str, Headers]]:
    """A short stable name for a set of answers' headers (without ETag and length), and them."""
    kept = {
        kind: [(n, v) for n, v in hs if n.lower() not in PER_BODY] for kind, hs in answers.items()
    }
    canonical = json.dumps(sorted(kept.items()), separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()[:12], kept


def exportable(path: str, etag: str, body: bytes | None = None) -> bool:
    """Whether nginx can serve ``path`` from the tree with the app's exact ETag."""
    if not EXPORTABLE_PATH.match(path) or any(s in (".", "..") for s in path.split("/")):
        return False
    match = HASH_ETAG.match(etag)
    if match is None:
        return False
    return body is None or hashlib.sha256(body).hexdigest()[:32] == match.group(1)


@dataclass
class ExportReport:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    left_to_app: int = 0
    new_profiles: list[str] = field(default_factory=list)

    def add(self, other: ExportReport) -> None:
        self.written += other.written
        self.unchanged += other.unchanged
        self.removed += other.removed
        self.left_to_app += other.left_to_app
        self.new_profiles += other.new_profiles


class StaticTree:
    """The exported tree on disk: objects, links and profiles, each written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.paths = root / "paths"
        self.objects = root / "objects"
        self.profiles = root / "profiles"
        for folder in (self.paths, self.objects, self.profiles):
            folder.mkdir(parents=True, exist_ok=True)

    def link(self, path: str) -> Path:
        return self.paths / path.lstrip("/") / LINK

    def object_dir(self, name: str) -> Path:
        return self.objects / name[:2] / name

    def current(self, path: str) -> str | None:
        """The object name ``path`` serves now (None when it is not in the tree)."""
        try:
            return os.path.basename(os.readlink(self.link(path)))
        except OSError:
            return None

    def known_profiles(self) -> set[str]:
        return {p.stem for p in self.profiles.glob("*.json")}

    def write_profile(self, name: str, answers: dict[str, Headers]) -> bool:
        target = self.profiles / f"{name}.json"
        if target.exists():
            return False
        _write_file_atomically(target, json.dumps(answers, indent=2).encode())
        return True

    def write_object(self, name: str, body: bytes, answers: dict[str, Headers]) -> None:
        target = self.object_dir(name)
        if target.is_dir():
            _touch(target)  # same bytes, same headers: in use again (no collection now)
            return
        target.parent.mkdir(exist_ok=True)
        temporary = target.parent / f".tmp-{uuid.uuid4().hex}"
        temporary.mkdir()
        (temporary / "body").write_bytes(body)
        (temporary / "headers.json").write_text(json.dumps(answers, indent=2))
        try:
            temporary.rename(target)
        except OSError:  # another exporter wrote the same object first
            shutil.rmtree(temporary, ignore_errors=True)
            if not target.is_dir():
                raise

    def point(self, path: str, name: str) -> None:
        """Make ``path`` serve object ``name``: a new link renamed over the old one."""
        link = self.link(path)
        link.parent.mkdir(parents=True, exist_ok=True)
        target = os.path.relpath(self.object_dir(name), link.parent)
        temporary = link.parent / f".{LINK}-{uuid.uuid4().hex}"
        os.symlink(target, temporary)
        previous = self.current(path)
        os.replace(temporary, link)
        self._released(previous)

    def remove(self, path: str) -> bool:
        previous = self.current(path)
        try:
            self.link(path).unlink()
        except FileNotFoundError:
            return False
        self._released(previous)
        return True

    def _released(self, name: str | None) -> None:
        """An object a link stopped naming: its grace before collection starts now."""
        if name is not None and self.object_dir(name).is_dir():
            _touch(self.object_dir(name))

    def linked_paths(self) -> Iterator[tuple[str, str]]:
        """Every (path, object name) the tree serves."""
        for folder, dirs, files in os.walk(self.paths):
            if LINK in dirs:  # a link to a folder is listed among the folders (not followed)
                dirs.remove(LINK)
            elif LINK not in files:
                continue
            link = Path(folder) / LINK
            path = "/" + link.parent.relative_to(self.paths).as_posix()
            yield path, os.path.basename(os.readlink(link))

    def collect_garbage(self, grace_seconds: float = OBJECT_GRACE_SECONDS) -> int:
        """Remove objects no link names that are older than ``grace_seconds`` (a request that
        resolved an old link a moment ago still finds its object)."""
        named = {name for _path, name in self.linked_paths()}
        cutoff = time.time() - grace_seconds
        removed = 0
        for fan in self.objects.iterdir():
            for entry in fan.iterdir():
                if entry.name in named or entry.stat().st_mtime > cutoff:
                    continue
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
        return removed


def _touch(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.utime(path)


def _write_file_atomically(target: Path, data: bytes) -> None:
    temporary = target.parent / f".tmp-{uuid.uuid4().hex}"
    temporary.write_bytes(data)
    os.replace(temporary, target)


class Exporter:
    """Brings paths of the tree in line with the database."""

    def __init__(self, tree: StaticTree, answer_headers: AnswerHeaders) -> None:
        self.tree = tree
        self.answer_headers = answer_headers
        self._profiles = tree.known_profiles()

    def _name(self, row: tuple[str, str, str, str | None]) -> tuple[str, str, dict[str, Headers]]:
        path, media_type, etag, award_id = row
        headers_of = StoredDocument(path, media_type, b"", etag, award_id)
        profile, answers = profile_of(self.answer_headers(headers_of))
        return f"{etag.strip(chr(34))}.{profile}", profile, answers

    def sync_path(
        self, session: Session, row: tuple[str, str, str, str | None] | None, path: str
    ) -> ExportReport:
        """Make ``path`` serve what the database holds (``row`` without the body, or None)."""
        report = ExportReport()
        if row is None or not exportable(path, row[2]):
            if self.tree.remove(path):
                report.removed += 1
            if row is not None:
                report.left_to_app += 1
            return report
        name, profile, answers = self._name(row)
        if self.tree.current(path) == name and self.tree.object_dir(name).is_dir():
            report.unchanged += 1
            return report
        # The bytes with their row as it is now (it may have changed since ``row`` was read).
        current = session.execute(
            select(*ROW, PublishedDocument.body).where(PublishedDocument.path == path)
        ).one_or_none()
        if current is None:
            return self.sync_path(session, None, path)
        row, body = tuple(current[:4]), current[4]  # type: ignore[assignment]
        if not exportable(path, row[2], body):
            self.tree.remove(path)
            report.left_to_app += 1
            return report
        name, profile, answers = self._name(row)  # type: ignore[arg-type]
        if profile not in self._profiles:
            self.tree.write_profile(profile, answers)
            self._profiles.add(profile)
            report.new_profiles.append(profile)
        self.tree.write_object(name, body, answers)
        self.tree.point(path, name)
        report.written += 1
        return report

    def sync_all(self, session: Session) -> ExportReport:
        """Every published document, and no path the database no longer holds."""
        report = ExportReport()
        held: set[str] = set()
        for row in session.execute(select(*ROW).order_by(PublishedDocument.path)):
            held.add(row[0])
            report.add(self.sync_path(session, tuple(row), row[0]))  # type: ignore[arg-type]
        for path, _name in list(self.tree.linked_paths()):
            if path not in held and self.tree.remove(path):
                report.removed += 1
        return report

    def sync_paths(self, session: Session, paths: set[str]) -> ExportReport:
        report = ExportReport()
        found = {
            row[0]: tuple(row)
            for row in session.execute(select(*ROW).where(PublishedDocument.path.in_(paths)))
        }
        for path in sorted(paths):
            report.add(self.sync_path(session, found.get(path), path))  # type: ignore[arg-type]
        return report


def export_tree(db: Database, root: Path, answer_headers: AnswerHeaders) -> ExportReport:
    """One full pass: write what changed, remove what went, collect unreferenced objects."""
    tree = StaticTree(root)
    session = db.session()
    try:
        report = Exporter(tree, answer_headers).sync_all(session)
    finally:
        session.close()
    tree.collect_garbage()
    return report


@dataclass
class Follower:
    """Keeps a tree current from the publication change feed (``follow`` polls it)."""

    db: Database
    root: Path
    answer_headers: AnswerHeaders
    gap_seconds: float = DEFAULT_GAP_SECONDS
    clock: Callable[[], float] = time.monotonic
    cursor: FeedCursor | None = None

    def __post_init__(self) -> None:
        self.tree = StaticTree(self.root)
        self.exporter = Exporter(self.tree, self.answer_headers)

    def start(self) -> ExportReport:
        """A full pass; the cursor starts where the feed had settled before it began, so
        transactions in flight meanwhile are replayed when they commit."""
        session = self.db.session()
        try:
            settled = publication_log.settled_change(session, timedelta(seconds=self.gap_seconds))
            self.cursor = FeedCursor.starting_at(settled, self.gap_seconds)
            report = self.exporter.sync_all(session)
        finally:
            session.close()
        self.tree.collect_garbage()
        return report

    def poll(self) -> ExportReport:
        """Read the feed past the cursor (and the gaps it awaits) and sync the paths named."""
        if self.cursor is None:
            return self.start()
        cursor = self.cursor
        session = self.db.session()
        try:
            rows = publication_log.changes_after(session, cursor.seen)
            rows += publication_log.changes_numbered(session, cursor.wanted_gaps())
            by_number = dict(rows)
            fresh = cursor.accept(by_number, self.clock())
            paths = {p for number in fresh for p in by_number[number] if p}
            report = self.exporter.sync_paths(session, paths) if paths else ExportReport()
        finally:
            session.close()
        return report


def follow(
    follower: Follower,
    interval: float,
    stop: Callable[[], bool],
    sleep: Callable[[float], None] = time.sleep,
    collect_every: float = 600.0,
) -> None:
    """Poll every ``interval`` seconds until ``stop()``; a full pass (with garbage collection)
    every ``collect_every`` seconds catches anything the feed could not say (rows pruned)."""
    report = follower.start()
    _log_full_pass(report)
    last_full = follower.clock()
    while not stop():
        sleep(interval)
        if follower.clock() - last_full >= collect_every:
            report = follower.start()
            last_full = follower.clock()
            with follower.db.transaction() as session:
                publication_log.prune_changes(session, FEED_KEPT)
            _log_full_pass(report)
        else:
            _log_report(follower.poll())


def _log_full_pass(report: ExportReport) -> None:
    log.info(
        "export: full pass: %s written, %s unchanged, %s removed, %s left to the app",
        report.written,
        report.unchanged,
        report.removed,
        report.left_to_app,
    )
    _log_report(report)


def _log_report(report: ExportReport) -> None:
    if report.written or report.removed:
        log.info("export: %s written, %s removed", report.written, report.removed)
    if report.new_profiles:
        log.warning(
            "export: new header profiles %s; render the nginx configuration again and reload "
            "nginx (until then the app answers those documents)",
            ", ".join(report.new_profiles),
        )
