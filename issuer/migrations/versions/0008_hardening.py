"""hardening: webhook secrets sealed at rest, the earner's name kept on each award as issued,
session generations that end every session of an account, and who registered each OAuth client

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from issuer.signing.sealing import SecretBox

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

subscriptions = sa.table(
    "webhook_subscriptions",
    sa.column("id", sa.Integer()),
    sa.column("secret", sa.String()),
    sa.column("secret_sealed", sa.Text()),
)


def webhook_secret_purpose(subscription_id: int) -> str:
    """The associated data a subscription's secret is sealed under (as issuer/workflow/integrations/webhooks.py)."""
    return f"webhook_subscription:{subscription_id}:secret"


def upgrade() -> None:
    # Plain ADD/DROP COLUMN throughout (SQLite has both natively): a batch "move and copy" of
    # these tables fails on SQLite once other tables' rows refer to them.
    _add_filled_column("awards", sa.Column("earner_name", sa.String(length=200), nullable=False))
    op.execute(
        "UPDATE awards SET earner_name = "
        "(SELECT earners.name FROM earners WHERE earners.id = awards.earner_id)"
    )
    op.add_column(
        "accounts",
        sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("oauth_clients", sa.Column("registered_from", sa.String(64), nullable=True))
    op.create_index(
        op.f("ix_oauth_clients_registered_from"), "oauth_clients", ["registered_from"], unique=False
    )
    _seal_webhook_secrets()


def downgrade() -> None:
    _unseal_webhook_secrets()
    op.drop_index(op.f("ix_oauth_clients_registered_from"), table_name="oauth_clients")
    op.drop_column("oauth_clients", "registered_from")
    op.drop_column("accounts", "session_generation")
    op.drop_column("awards", "earner_name")


def _add_filled_column(table: str, column: sa.Column[str]) -> None:
    """A NOT NULL text column the caller fills at once: added with an empty default (SQLite needs
    one for existing rows), which PostgreSQL then drops so the models' definition holds."""
    column.server_default = sa.schema.DefaultClause("")
    op.add_column(table, column)
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(table, column.name, server_default=None)


def _box(rows: list[object]) -> SecretBox | None:
    key = context.config.attributes.get("secret_key")
    if not rows:
        return None
    if not key:
        raise RuntimeError(
            "migration 0008 seals webhook secrets under SECRET_KEY: run it through the service "
            "(`flask --app wsgi db upgrade`, or start the service), which passes the key"
        )
    return SecretBox(key)


def _seal_webhook_secrets() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # zero the pages the clear secrets leave behind
        bind.exec_driver_sql("PRAGMA secure_delete = ON")
    rows = list(bind.execute(sa.select(subscriptions.c.id, subscriptions.c.secret)))
    box = _box(rows)
    _add_filled_column(
        "webhook_subscriptions", sa.Column("secret_sealed", sa.Text(), nullable=False)
    )
    for subscription_id, secret in rows:
        assert box is not None  # noqa: S101 - _box gives one whenever there are rows
        sealed = box.seal(secret, webhook_secret_purpose(subscription_id))
        bind.execute(
            subscriptions.update()
            .where(subscriptions.c.id == subscription_id)
            .values(secret_sealed=sealed, secret="")
        )
    op.drop_column("webhook_subscriptions", "secret")


def _unseal_webhook_secrets() -> None:
    bind = op.get_bind()
    rows = list(bind.execute(sa.select(subscriptions.c.id, subscriptions.c.secret_sealed)))
    box = _box(rows)
    _add_filled_column(
        "webhook_subscriptions", sa.Column("secret", sa.String(length=100), nullable=False)
    )
    for subscription_id, sealed in rows:
        assert box is not None  # noqa: S101 - _box gives one whenever there are rows
        secret = box.open(sealed, webhook_secret_purpose(subscription_id))
        bind.execute(
            subscriptions.update()
            .where(subscriptions.c.id == subscription_id)
            .values(secret=secret)
        )
    op.drop_column("webhook_subscriptions", "secret_sealed")
