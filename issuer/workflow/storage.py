"""Preparing storage on start: the schema at the newest migration and the board's keys, safe when
several workers start at once on a fresh database and an empty keys folder (SPEC §6)."""

from __future__ import annotations

from sqlalchemy import text

from issuer.domain.actors import SYSTEM
from issuer.migrations import upgrade
from issuer.workflow.programs import issuers
from issuer.workflow.services import Services

# Any constant shared by every worker: the advisory lock serialising first-start key creation.
_FIRST_START_LOCK = 2026112301


def prepare_storage(services: Services) -> None:
    """Create or upgrade the schema and the board's keys; safe when many workers start at once."""
    settings = services.settings
    settings.instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.instance_dir.chmod(0o700)  # lock files and the SQLite database live here
    upgrade(
        services.db,
        settings.instance_dir,
        base_url=settings.base_url,
        secret_key=settings.secret_key,
    )
    with services.db.transaction() as session:
        if not services.db.is_sqlite:
            session.execute(text(f"SELECT pg_advisory_xact_lock({_FIRST_START_LOCK})"))
        issuers.ensure_board(
            services.context(session, SYSTEM),
            name=settings.ptsb_name,
            url=settings.ptsb_url,
            email=settings.ptsb_email,
        )
