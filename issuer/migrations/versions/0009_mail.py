"""mail: the outbox of messages to people, its delivery log, addresses that bounced, people's mail
preferences, and each program version's next steps per learning method

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import issuer.models.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TIME = issuer.models.types.UTCDateTime()  # naive UTC, as every other time column


def upgrade() -> None:
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False, index=True),
        sa.Column("to_address", sa.String(320), nullable=False, index=True),
        sa.Column("issuer_id", sa.Integer(), sa.ForeignKey("issuers.id"), nullable=True),
        sa.Column("sender_name", sa.String(200), nullable=False),
        sa.Column("reply_to", sa.String(320), nullable=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=True, unique=True),
        sa.Column("state", sa.String(20), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", _TIME, nullable=False, index=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", _TIME, nullable=True),
        sa.Column("sent_at", _TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_table(
        "mail_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey("mail_messages.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("smtp_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(64), nullable=False),
    )
    op.create_table(
        "mail_suppressions",
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_table(
        "mail_preferences",
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("reminders", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
    )
    op.add_column("program_versions", sa.Column("next_steps", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("program_versions", "next_steps")
    op.drop_table("mail_preferences")
    op.drop_table("mail_suppressions")
    op.drop_table("mail_attempts")
    op.drop_table("mail_messages")
