"""Wallets (SPEC §10): offers with their pre-authorized codes, access tokens, nonces and the
holder-bound copies issued. New tables only: no existing row or published document changes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import issuer.models.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = issuer.models.types.UTCDateTime
    op.create_table(
        "wallet_offers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("award_id", sa.String(36), sa.ForeignKey("awards.id"), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("expires_at", when(), nullable=False),
        sa.Column("used_at", when(), nullable=True),
        sa.UniqueConstraint("code_hash", name="uq_wallet_offers_code_hash"),
    )
    op.create_index("ix_wallet_offers_award_id", "wallet_offers", ["award_id"])
    op.create_table(
        "wallet_access_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("offer_id", sa.String(36), sa.ForeignKey("wallet_offers.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", when(), nullable=False),
        sa.Column("expires_at", when(), nullable=False),
        sa.Column("used_at", when(), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_wallet_access_tokens_token_hash"),
    )
    op.create_index("ix_wallet_access_tokens_offer_id", "wallet_access_tokens", ["offer_id"])
    op.create_table(
        "wallet_nonces",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("nonce_hash", sa.String(64), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("expires_at", when(), nullable=False),
        sa.Column("used_at", when(), nullable=True),
        sa.UniqueConstraint("nonce_hash", name="uq_wallet_nonces_nonce_hash"),
    )
    op.create_index("ix_wallet_nonces_expires_at", "wallet_nonces", ["expires_at"])
    op.create_table(
        "wallet_copies",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("award_id", sa.String(36), sa.ForeignKey("awards.id"), nullable=False),
        sa.Column("offer_id", sa.String(36), sa.ForeignKey("wallet_offers.id"), nullable=True),
        sa.Column("holder_did", sa.Text(), nullable=False),
        sa.Column("credential_id", sa.Text(), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("issued_at", when(), nullable=False),
    )
    op.create_index("ix_wallet_copies_award_id", "wallet_copies", ["award_id"])


def downgrade() -> None:
    op.drop_table("wallet_copies")
    op.drop_table("wallet_nonces")
    op.drop_table("wallet_access_tokens")
    op.drop_table("wallet_offers")
