"""Publication changes (issue 14, past one machine): one row per committed transaction that wrote
published documents, naming their paths, so static exports on any machine follow what changed.
A new table only: no existing row or published document changes.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import issuer.models.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publication_changes",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("paths", sa.Text(), nullable=False),
        sa.Column("recorded_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_publication_changes")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_publication_changes_recorded_at"), "publication_changes", ["recorded_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_publication_changes_recorded_at"), table_name="publication_changes")
    op.drop_table("publication_changes")
