"""Wallet exchanges (SPEC §10): the VC-API exchange of a wallet offer, for the Learner Credential
Wallet. A new table only: no existing row or published document changes.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import issuer.models.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = issuer.models.types.UTCDateTime
    op.create_table(
        "wallet_exchanges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("offer_id", sa.String(36), sa.ForeignKey("wallet_offers.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("challenge", sa.String(64), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("expires_at", when(), nullable=False),
        sa.Column("started_at", when(), nullable=True),
        sa.Column("completed_at", when(), nullable=True),
        sa.UniqueConstraint("offer_id", name="uq_wallet_exchanges_offer_id"),
        sa.UniqueConstraint("token_hash", name="uq_wallet_exchanges_token_hash"),
    )
    op.create_index("ix_wallet_exchanges_expires_at", "wallet_exchanges", ["expires_at"])


def downgrade() -> None:
    op.drop_table("wallet_exchanges")
