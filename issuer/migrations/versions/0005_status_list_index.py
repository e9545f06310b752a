"""OB 3.0 status list: an issuer's status index belongs to one award only

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("awards") as batch_op:
        batch_op.create_index(
            "ix_awards_issuer_id_status_index", ["issuer_id", "status_index"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("awards") as batch_op:
        batch_op.drop_index("ix_awards_issuer_id_status_index")
