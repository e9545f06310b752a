"""signed webhooks: subscriptions, the event outbox, deliveries and their attempts; PTSB notices
are delivered as award.issued events (pending ones move over, with the notice's retry state)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import context, op

import issuer.models.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TIME = issuer.models.types.UTCDateTime
NOTICE_DELIVERY_COLUMNS = (
    "delivery_state",
    "attempts",
    "next_attempt_at",
    "claimed_by",
    "claimed_until",
    "delivered_at",
    "last_error",
)


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_TIME(), nullable=False),
        sa.Column("deleted_at", UTC_TIME(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["accounts.id"],
            name=op.f("fk_webhook_subscriptions_created_by_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name=op.f("fk_webhook_subscriptions_issuer_id_issuers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    with op.batch_alter_table("webhook_subscriptions") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_subscriptions_issuer_id"), ["issuer_id"], unique=False
        )

    op.create_table(
        "webhook_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_TIME(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name=op.f("fk_webhook_events_issuer_id_issuers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
    )
    with op.batch_alter_table("webhook_events") as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_events_type"), ["type"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_webhook_events_issuer_id"), ["issuer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_webhook_events_subject"), ["subject"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_webhook_events_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_TIME(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", UTC_TIME(), nullable=True),
        sa.Column("delivered_at", UTC_TIME(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["webhook_events.id"],
            name=op.f("fk_webhook_deliveries_event_id_webhook_events"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "event_id",
            "subscription_id",
            name=op.f("uq_webhook_deliveries_event_id_subscription_id"),
        ),
    )
    with op.batch_alter_table("webhook_deliveries") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_subscription_id"), ["subscription_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_next_attempt_at"), ["next_attempt_at"], unique=False
        )

    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_TIME(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    with op.batch_alter_table("webhook_attempts") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_attempts_delivery_id"), ["delivery_id"], unique=False
        )

    _move_undelivered_notices()
    with op.batch_alter_table("ptsb_notices") as batch_op:
        batch_op.drop_index("ix_ptsb_notices_delivery_state")
        for column in NOTICE_DELIVERY_COLUMNS:
            batch_op.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table("ptsb_notices") as batch_op:
        batch_op.add_column(
            sa.Column(
                "delivery_state", sa.String(length=20), nullable=False, server_default="pending"
            )
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", UTC_TIME(), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", UTC_TIME(), nullable=True))
        batch_op.add_column(sa.Column("delivered_at", UTC_TIME(), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.create_index("ix_ptsb_notices_delivery_state", ["delivery_state"], unique=False)
    op.execute("UPDATE ptsb_notices SET next_attempt_at = created_at")
    op.execute(
        "UPDATE ptsb_notices SET delivery_state = 'delivered' WHERE award_id IN ("
        " SELECT e.subject FROM webhook_events e"
        " JOIN webhook_deliveries d ON d.event_id = e.id"
        " WHERE e.type = 'award.issued' AND d.subscription_id IS NULL"
        " AND d.state = 'delivered')"
    )
    with op.batch_alter_table("ptsb_notices") as batch_op:
        batch_op.alter_column("next_attempt_at", existing_type=UTC_TIME(), nullable=False)
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_events")
    op.drop_table("webhook_subscriptions")


# --- notices not yet delivered become award.issued events for PTSB's built-in subscriber -----
# A frozen copy of the event body of this revision (issuer/workflow/integrations/events.py may change later).

_PENDING_NOTICES = sa.text(
    "SELECT n.id AS notice_id, n.created_at, n.attempts, n.next_attempt_at, n.last_error,"
    " a.id AS award_id, a.kind, a.name, a.issuer_id, i.name AS issuer_name,"
    " e.id AS earner_id, e.name AS earner_name, e.email, e.license_number,"
    " v.program_id, v.version, v.name AS program_name, a.stack_id, s.name AS stack_name,"
    " a.credit_hours, a.issued_at, a.expires_at"
    " FROM ptsb_notices n"
    " JOIN awards a ON a.id = n.award_id"
    " JOIN issuers i ON i.id = a.issuer_id"
    " JOIN earners e ON e.id = a.earner_id"
    " LEFT JOIN program_versions v ON v.id = a.program_version_id"
    " LEFT JOIN stacks s ON s.id = a.stack_id"
    " WHERE n.delivery_state = 'pending' ORDER BY n.id"
).columns(
    created_at=UTC_TIME(),
    next_attempt_at=UTC_TIME(),
    issued_at=UTC_TIME(),
    expires_at=UTC_TIME(),
)

_EVENTS = sa.table(
    "webhook_events",
    sa.column("id", sa.String),
    sa.column("type", sa.String),
    sa.column("issuer_id", sa.Integer),
    sa.column("subject", sa.String),
    sa.column("created_at", UTC_TIME()),
    sa.column("body", sa.LargeBinary),
)
_DELIVERIES = sa.table(
    "webhook_deliveries",
    sa.column("event_id", sa.String),
    sa.column("subscription_id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("attempts", sa.Integer),
    sa.column("next_attempt_at", UTC_TIME()),
    sa.column("last_error", sa.Text),
)


def _move_undelivered_notices() -> None:
    rows = op.get_bind().execute(_PENDING_NOTICES).mappings().all()
    if not rows:
        return
    base = context.config.attributes.get("base_url")
    if not base:
        raise RuntimeError(
            "undelivered PTSB notices need BASE_URL to become webhook events: "
            "run the upgrade through the service (`flask --app wsgi db upgrade`)"
        )
    events, deliveries = [], []
    for row in rows:
        event_id = f"msg_{uuid.uuid4().hex}"
        events.append(
            {
                "id": event_id,
                "type": "award.issued",
                "issuer_id": row["issuer_id"],
                "subject": row["award_id"],
                "created_at": row["created_at"],
                "body": _award_issued_body(base.rstrip("/"), row),
            }
        )
        deliveries.append(
            {
                "event_id": event_id,
                "subscription_id": None,
                "state": "pending",
                "attempts": row["attempts"],
                "next_attempt_at": row["next_attempt_at"],
                "last_error": row["last_error"],
            }
        )
    op.bulk_insert(_EVENTS, events)
    op.bulk_insert(_DELIVERIES, deliveries)


def _award_issued_body(base: str, row: sa.RowMapping) -> bytes:
    award_id = row["award_id"]
    program = None
    if row["program_id"] is not None:
        program = {"id": row["program_id"], "version": row["version"], "name": row["program_name"]}
    stack = None
    if row["stack_id"] is not None:
        stack = {"id": row["stack_id"], "name": row["stack_name"]}
    data = {
        "award_id": award_id,
        "kind": row["kind"],
        "name": row["name"],
        "issuer": {"id": row["issuer_id"], "name": row["issuer_name"]},
        "earner": {
            "id": row["earner_id"],
            "name": row["earner_name"],
            "email": row["email"],
            "license_number": row["license_number"],
        },
        "program": program,
        "stack": stack,
        "credit_hours": float(Decimal(row["credit_hours"])),
        "issued_at": _iso(row["issued_at"]),
        "expires_at": _iso(row["expires_at"]) if row["expires_at"] else None,
        "assertion_url": f"{base}/ob2/assertions/{award_id}",
        "credential_url": f"{base}/ob3/credentials/{award_id}",
        "verify_url": f"{base}/ob2/assertions/{award_id}",
        "certificate_url": f"{base}/awards/{award_id}/certificate.pdf",
        "notice_id": row["notice_id"],
    }
    envelope = {"type": "award.issued", "timestamp": _iso(row["created_at"]), "data": data}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
