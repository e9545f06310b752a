"""Alembic environment: runs on the connection the service hands in (see issuer/migrations/__init__.py)."""

from __future__ import annotations

from alembic import context

import issuer.models  # noqa: F401 - registers every table on Base.metadata
from issuer.db import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through `flask --app wsgi db upgrade`, which passes a connection"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
