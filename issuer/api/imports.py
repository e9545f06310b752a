"""Roster imports from PD systems: earners and enrollments as CSV or JSON rows, all or nothing."""

from __future__ import annotations

from typing import Any

from flask import request

from issuer.api.bodies import has_body, item_problems, json_document, upload_bytes
from issuer.api.context import read, write
from issuer.api.routing import QueryParam, area
from issuer.domain import roster
from issuer.errors import UnsupportedMediaType, ValidationFailed
from issuer.workflow import present
from issuer.workflow.learning import bulk_import

api = area("imports", "Bulk import")

ROSTER_SCHEMA = "roster_import"
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}


@api.route(
    "/issuers/<int:issuer_id>/imports",
    "POST",
    "Import earners and enrollments from a PD system (CSV or JSON rows); all or nothing",
    body=ROSTER_SCHEMA,
    csv_body=True,
    query=(
        QueryParam(
            "dry_run",
            {"type": "boolean", "default": False},
            "Check every row and answer what would be imported, writing nothing.",
        ),
    ),
    errors=(401, 403, 404, 422),
)
def import_roster(issuer_id: int) -> dict[str, Any]:
    dry_run = _flag("dry_run")
    read(lambda ctx: bulk_import.require_importer(ctx, issuer_id))  # before reading a big file
    rows = schema_checked(_roster())
    return write(
        lambda ctx: present.import_report(
            bulk_import.import_roster(ctx, issuer_id, rows, dry_run=dry_run)
        )
    )


def _roster() -> roster.Roster:
    """The rows as sent: ``text/csv`` (UTF-8, 10 MiB) or ``application/json`` (1 MiB)."""
    if not has_body():
        raise ValidationFailed("The rows are required.", fields={"(body)": "required"})
    if request.mimetype == "text/csv":
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise UnsupportedMediaType("Send the CSV as UTF-8 (charset=utf-8).")
        return roster.read_csv(upload_bytes())
    if request.is_json:
        return roster.read_json(json_document())
    raise UnsupportedMediaType("Send the rows as text/csv or application/json.")


def schema_checked(read_roster: roster.Roster) -> roster.Roster:
    """Each row against the row schema; a row with problems is reported, not imported."""
    checked = roster.Roster(read_roster.position_name, problems=list(read_roster.problems))
    for row in read_roster.rows:
        problems = item_problems(ROSTER_SCHEMA, row.values)
        checked.problems += [
            roster.RowProblem(row.position, field, "invalid_fields", reason)
            for field, reason in problems.items()
        ]
        if not problems:
            checked.rows.append(row)
    return checked


def _flag(name: str) -> bool:
    value = request.args.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValidationFailed(fields={name: "must be true or false"})
