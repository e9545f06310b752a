"""Exports for PD and license systems: completions as CSV or JSON, streamed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import chain

from flask import Response, request

from issuer.api.context import read, stream
from issuer.api.query import id_arg
from issuer.api.routing import QueryParam, area
from issuer.domain.spreadsheet import csv_records
from issuer.errors import ValidationFailed
from issuer.workflow import present
from issuer.workflow.awards import exports

api = area("exports", "Exports")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@api.route(
    "/exports/completions",
    "GET",
    "Completions (awards) for PD and license systems, as CSV or JSON, streamed",
    query=(
        QueryParam("format", {"type": "string", "enum": ["csv", "json"], "default": "csv"}),
        QueryParam(
            "from",
            {"type": "string", "format": "date"},
            "Awarded on or after this day (YYYY-MM-DD, UTC).",
        ),
        QueryParam(
            "to", {"type": "string", "format": "date"}, "Awarded on or before this day (UTC)."
        ),
        QueryParam(
            "issuer_id",
            {"type": "integer", "minimum": 1, "maximum": 2147483647},
            "PTSB: one issuer only (default all); issuer admins: their own (the default).",
        ),
    ),
    errors=(401, 403, 404, 422),
    produces=("text/csv", "application/json"),
)
def export_completions() -> Response:
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "json"):
        raise ValidationFailed(fields={"format": "must be csv or json"})
    awarded_from, awarded_to = _date_arg("from"), _date_arg("to")
    issuer_id = id_arg("issuer_id", "an issuer id")
    scope = read(lambda ctx: exports.completion_filter(ctx, issuer_id, awarded_from, awarded_to))
    records = stream(lambda ctx: exports.completion_records(ctx, scope))
    if fmt == "json":
        return Response(_json_items(records), mimetype="application/json")
    rows = chain([exports.COLUMNS], (record.values() for record in records))
    return Response(
        csv_records(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="completions.csv"'},
    )


def _json_items(records: Iterable[exports.CompletionRecord]) -> Iterator[str]:
    yield '{"items": ['
    for index, record in enumerate(records):
        yield ("," if index else "") + json.dumps(present.completion_record(record))
    yield "]}"


def _date_arg(name: str) -> date | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(fields={name: "must be a date YYYY-MM-DD"}) from None
