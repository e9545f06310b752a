"""The educator's Comprehensive Learner Records (SPEC §11): one row per signed ClrCredential.
A new table only: PTSB already has its issuer row, keys and published Profile (the board signs
endorsements), so no existing row or published document changes.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import issuer.models.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learner_records",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("earner_id", sa.Integer(), sa.ForeignKey("earners.id"), nullable=False),
        sa.Column("contents_hash", sa.String(64), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("left_out", sa.Text(), nullable=False),
        sa.Column("recipient_salt", sa.String(64), nullable=False),
        sa.Column("created_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "earner_id", "contents_hash", name="uq_learner_records_earner_id_contents_hash"
        ),
    )
    op.create_index("ix_learner_records_earner_id", "learner_records", ["earner_id"])


def downgrade() -> None:
    op.drop_index("ix_learner_records_earner_id", table_name="learner_records")
    op.drop_table("learner_records")
