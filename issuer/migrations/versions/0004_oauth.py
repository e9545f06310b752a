"""OAuth 2.0 for the Open Badges 3.0 API: clients, codes and tokens (hashed), pushed credentials

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import issuer.models.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("client_metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oauth_clients_client_id")),
    )
    op.create_table(
        "received_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("earner_id", sa.Integer(), nullable=False),
        sa.Column("credential_key", sa.String(length=64), nullable=False),
        sa.Column("credential_id", sa.Text(), nullable=True),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("issued_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("received_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.id"],
            name=op.f("fk_received_credentials_client_id_oauth_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["earner_id"], ["earners.id"], name=op.f("fk_received_credentials_earner_id_earners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_credentials")),
        sa.UniqueConstraint(
            "earner_id",
            "credential_key",
            name=op.f("uq_received_credentials_earner_id_credential_key"),
        ),
    )
    with op.batch_alter_table("received_credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_received_credentials_earner_id"), ["earner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_received_credentials_issued_at"), ["issued_at"], unique=False
        )

    op.create_table(
        "oauth_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("code_challenge_method", sa.String(length=10), nullable=False),
        sa.Column("created_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", issuer.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_oauth_codes_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["oauth_clients.id"], name=op.f("fk_oauth_codes_client_id_oauth_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_oauth_codes_code_hash")),
    )
    with op.batch_alter_table("oauth_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_codes_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_oauth_codes_client_id"), ["client_id"], unique=False)

    op.create_table(
        "oauth_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("access_token_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_token_hash", sa.String(length=64), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("issued_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", issuer.models.types.UTCDateTime(), nullable=False),
        sa.Column("refresh_expires_at", issuer.models.types.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", issuer.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_oauth_tokens_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.id"],
            name=op.f("fk_oauth_tokens_client_id_oauth_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["code_id"], ["oauth_codes.id"], name=op.f("fk_oauth_tokens_code_id_oauth_codes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_tokens")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_oauth_tokens_access_token_hash")),
        sa.UniqueConstraint("refresh_token_hash", name=op.f("uq_oauth_tokens_refresh_token_hash")),
    )
    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_tokens_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_oauth_tokens_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_oauth_tokens_code_id"), ["code_id"], unique=False)


def downgrade() -> None:
    for table in ("oauth_tokens", "oauth_codes", "received_credentials", "oauth_clients"):
        op.drop_table(table)  # their indexes go with them
