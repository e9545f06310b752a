"""A roster as a PD system exports it: one row per earner (and program), read from CSV or JSON.

Reading only checks the file's shape (UTF-8 text, a header naming known columns, cells per row);
what a row means is checked by the import use case, so CSV and JSON rows meet the same rules.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from issuer.errors import BadRequest, PayloadTooLarge, ValidationFailed

COLUMNS = ("email", "name", "license_number", "position", "program_id", "learning_method")
REQUIRED_COLUMNS = ("email", "name")
MAX_ROWS = 1000
"""Rows per import, all in one transaction: about 4 ms a row on SQLite and 10-20 ms on
PostgreSQL on a busy two-core machine, so a full import stays under gunicorn's 30 s worker
timeout. Bigger files are split; re-running a part is harmless."""

CSV_LINE = "line"
JSON_INDEX = "index"


@dataclass(frozen=True)
class RosterRow:
    """One row: ``position`` is its CSV line (header = line 1) or its 0-based JSON array index."""

    position: int
    values: dict[str, object]


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one field of one row; ``code`` is stable, ``reason`` is for people."""

    position: int
    field: str
    code: str
    reason: str


@dataclass
class Roster:
    """The rows of one import, and the problems found while reading them."""

    position_name: str
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def read_csv(data: bytes, max_rows: int = MAX_ROWS) -> Roster:
    """Rows of a UTF-8 CSV file with a header; blank lines are skipped, empty cells are absent."""
    text = _decoded(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    roster = Roster(CSV_LINE)
    header: list[str] | None = None
    records = 0
    try:
        while True:
            line = reader.line_num + 1  # the physical line this record starts on
            try:
                cells = next(reader)
            except StopIteration:
                break
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _checked_header(cells)
                continue
            records += 1
            if records > max_rows:
                raise _too_many(max_rows)
            _add_record(roster, line, header, cells)
    except csv.Error as exc:
        raise BadRequest(
            f"The CSV is malformed at line {reader.line_num}: {exc}.", code="malformed_csv"
        ) from None
    if header is None:
        raise ValidationFailed(
            "The CSV has no header line.", fields={"(header)": "required"}, code="csv_header"
        )
    _require_rows(roster)
    return roster


def read_json(items: object, max_rows: int = MAX_ROWS) -> Roster:
    """Rows of a JSON array of objects; strings are trimmed, null and "" are absent."""
    if not isinstance(items, list):
        raise ValidationFailed(
            "The body must be a JSON array of row objects.",
            fields={"(body)": "must be an array of objects"},
        )
    if len(items) > max_rows:
        raise _too_many(max_rows)
    roster = Roster(JSON_INDEX)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            roster.problems.append(
                RowProblem(index, "(row)", "invalid_fields", "must be an object")
            )
            continue
        roster.rows.append(RosterRow(index, _present(item.items())))
    _require_rows(roster)
    return roster


def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadRequest(
            f"The CSV is not UTF-8 text (line {line}, byte {exc.start}); export it as UTF-8.",
            code="malformed_csv",
        ) from None


def _checked_header(cells: list[str]) -> list[str]:
    """Column names, trimmed and lower-cased; unknown, empty, repeated or missing ones refused."""
    names = [cell.strip().lower() for cell in cells]
    problems: dict[str, str] = {}
    for position, name in enumerate(names, start=1):
        if not name:
            problems[f"(column {position})"] = "has no name"
        elif name not in COLUMNS:
            problems[name] = f"unknown column; the columns are {', '.join(COLUMNS)}"
        elif names.count(name) > 1:
            problems[name] = "appears more than once"
    for name in REQUIRED_COLUMNS:
        if name not in names:
            problems[name] = "required column is missing"
    if problems:
        raise ValidationFailed(fields=problems, code="csv_header")
    return names


def _add_record(roster: Roster, line: int, header: list[str], cells: list[str]) -> None:
    if len(cells) != len(header):
        reason = f"has {len(cells)} cells; the header has {len(header)}"
        roster.problems.append(RowProblem(line, "(row)", "csv_cells", reason))
        return
    values = _present(zip(header, cells, strict=True))
    program_id = values.get("program_id")
    if isinstance(program_id, str) and program_id.isascii() and program_id.isdigit():
        values["program_id"] = int(program_id)
    roster.rows.append(RosterRow(line, values))


def _present(pairs: Iterable[tuple[object, object]]) -> dict[str, object]:
    values: dict[str, object] = {}
    for key, value in pairs:
        if isinstance(value, str):
            value = value.strip()
        if value is not None and value != "":
            values[str(key)] = value
    return values


def _require_rows(roster: Roster) -> None:
    if not roster.rows and not roster.problems:
        raise ValidationFailed(
            "The import has no rows.", fields={"(body)": "has no rows"}, code="no_rows"
        )


def _too_many(max_rows: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"An import is limited to {max_rows} rows; split the file.", code="too_many_rows"
    )
