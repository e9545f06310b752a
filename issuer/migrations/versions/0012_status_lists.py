"""OB 3.0 status lists: an issuer's credentials spread over as many Bitstring Status Lists as
they need (``status_lists``; ``awards.status_list`` says which list holds an award's index)

Every award that already has a status index is on list 1, the list at the issuer's existing
status URL, whose row is created ``legacy`` (its indexes were drawn at random, so new ones are
checked against them). No published document changes.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import issuer.models.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

LIST_CAPACITY = 131072


def upgrade() -> None:
    status_lists = op.create_table(
        "status_lists",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("issuer_id", sa.Integer(), sa.ForeignKey("issuers.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("permutation_key", sa.String(64), nullable=False),
        sa.Column("legacy", sa.Boolean(), nullable=False),
        sa.Column("created_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("issuer_id", "number", name="uq_status_lists_issuer_id_number"),
    )
    # Plain ALTER TABLE and index statements (no batch copy of ``awards``: on SQLite that would
    # drop a table other rows refer to).
    op.add_column("awards", sa.Column("status_list", sa.Integer(), nullable=True))
    op.execute("UPDATE awards SET status_list = 1 WHERE status_index IS NOT NULL")
    op.drop_index("ix_awards_issuer_id_status_index", table_name="awards")
    op.create_index(
        "ix_awards_issuer_id_status_list_status_index",
        "awards",
        ["issuer_id", "status_list", "status_index"],
        unique=True,
    )
    connection = op.get_bind()
    issuers = connection.execute(
        sa.text("SELECT DISTINCT issuer_id FROM awards WHERE status_index IS NOT NULL")
    ).scalars()
    now = datetime.now(UTC)
    rows = [
        {
            "issuer_id": issuer_id,
            "number": 1,
            "capacity": LIST_CAPACITY,
            "allocated": 0,
            "permutation_key": secrets.token_hex(32),
            "legacy": True,
            "created_at": now,
        }
        for issuer_id in sorted(issuers)
    ]
    if rows:
        op.bulk_insert(status_lists, rows)


def downgrade() -> None:
    op.drop_index("ix_awards_issuer_id_status_list_status_index", table_name="awards")
    op.create_index(
        "ix_awards_issuer_id_status_index", "awards", ["issuer_id", "status_index"], unique=True
    )
    op.drop_column("awards", "status_list")
    op.drop_table("status_lists")
