"""The educator's record offered to a wallet (SPEC §10, §11): a wallet offer and a wallet copy are
of one award OR of one learner record. ``award_id`` becomes nullable on both tables and each
gains a nullable ``learner_record_id``; a check keeps exactly one of the two set. Existing rows
are award offers and copies and keep their values.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TABLES = ("wallet_offers", "wallet_copies")
ONE_SUBJECT = "(award_id IS NULL) <> (learner_record_id IS NULL)"


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("award_id", existing_type=sa.String(36), nullable=True)
            batch.add_column(sa.Column("learner_record_id", sa.String(36), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_learner_record_id_learner_records"),
                "learner_records",
                ["learner_record_id"],
                ["id"],
            )
            batch.create_index(op.f(f"ix_{table}_learner_record_id"), ["learner_record_id"])
            batch.create_check_constraint(op.f(f"ck_{table}_one_subject"), ONE_SUBJECT)


def downgrade() -> None:
    for table in TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE award_id IS NULL"))  # noqa: S608
    op.execute(
        sa.text(
            "DELETE FROM wallet_access_tokens WHERE offer_id NOT IN (SELECT id FROM wallet_offers)"
        )
    )
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_one_subject"), type_="check")
            batch.drop_index(op.f(f"ix_{table}_learner_record_id"))
            batch.drop_constraint(
                op.f(f"fk_{table}_learner_record_id_learner_records"), type_="foreignkey"
            )
            batch.drop_column("learner_record_id")
            batch.alter_column("award_id", existing_type=sa.String(36), nullable=False)
