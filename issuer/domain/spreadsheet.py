"""CSV that is safe to open in a spreadsheet: quoted per RFC 4180 and with formulas defused.

Names and other text come from people; a cell such as ``=HYPERLINK(...)`` would run as a
formula in Excel or LibreOffice (CSV injection). Text cells that start with a formula
character get a leading apostrophe, which spreadsheets show as plain text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell's text; text starting like a formula is prefixed with ``'``."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_records(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Each row as one CSV record (CRLF line ends, quoted where needed), ready to stream."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
