"""Send to my backpack: our client registrations at backpacks, earners' sealed tokens there

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import issuer.models.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backpack_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discovery_url", sa.String(length=2048), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("api_url", sa.Text(), nullable=False),
        sa.Column("authorization_url", sa.Text(), nullable=False),
        sa.Column("token_url", sa.Text(), nullable=False),
        sa.Column("registration_url", sa.Text(), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("client_secret_sealed", sa.Text(), nullable=True),
        sa.Column("registered_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backpack_registrations")),
        sa.UniqueConstraint("discovery_url", name=op.f("uq_backpack_registrations_discovery_url")),
    )
    op.create_table(
        "backpack_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("access_token_sealed", sa.Text(), nullable=False),
        sa.Column("refresh_token_sealed", sa.Text(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("expires_at", issuer.models.types.UTCDateTime(), nullable=True),
        sa.Column("connected_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_backpack_connections_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["backpack_registrations.id"],
            name=op.f("fk_backpack_connections_registration_id_backpack_registrations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backpack_connections")),
        sa.UniqueConstraint(
            "account_id",
            "registration_id",
            name=op.f("uq_backpack_connections_account_id_registration_id"),
        ),
    )
    with op.batch_alter_table("backpack_connections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_backpack_connections_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_backpack_connections_registration_id"), ["registration_id"], unique=False
        )


def downgrade() -> None:
    for table in ("backpack_connections", "backpack_registrations"):
        op.drop_table(table)  # their indexes go with them
