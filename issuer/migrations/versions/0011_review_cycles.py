"""review cycles: an issuer's cycles (closing date, opened by/at, status) and the reviewers
assigned to each submission in one (unique per submission and reviewer)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import issuer.models.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_cycles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "issuer_id", sa.Integer(), sa.ForeignKey("issuers.id"), nullable=False, index=True
        ),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("opened_by", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("opened_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("issuer_id", "closes_on"),
    )
    op.create_table(
        "review_assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "cycle_id",
            sa.Integer(),
            sa.ForeignKey("review_cycles.id"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "submission_id",
            sa.Integer(),
            sa.ForeignKey("submissions.id"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "reviewer_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False, index=True
        ),
        sa.Column("assigned_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("submission_id", "reviewer_id"),
    )


def downgrade() -> None:
    op.drop_table("review_assignments")
    op.drop_table("review_cycles")
