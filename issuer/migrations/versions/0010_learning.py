"""learning: each program version's rubric (levels with their descriptors) and the evidence files
of submissions (stored under UPLOADS_DIR, named by their sha256)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import issuer.models.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("program_versions", sa.Column("rubric", sa.JSON(), nullable=True))
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "submission_id",
            sa.Integer(),
            sa.ForeignKey("submissions.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("created_at", issuer.models.types.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("evidence_files")
    op.drop_column("program_versions", "rubric")
