"""CSV output safe for spreadsheets: formula characters defused, quoting per RFC 4180."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from issuer.domain.spreadsheet import csv_records, safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_text_starting_like_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    ("value", "cell"),
    [("Ada", "Ada"), ("a=b", "a=b"), (None, ""), (Decimal("0.5"), "0.5"), (3, "3")],
)
def test_other_values_are_written_as_they_are(value, cell):
    assert safe_cell(value) == cell


def test_numbers_and_dates_are_not_taken_for_formulas():
    assert safe_cell(Decimal("-1")) == "-1"
    assert safe_cell(date(2026, 1, 2)) == "2026-01-02"


def test_records_are_quoted_and_end_with_crlf():
    records = list(csv_records([["a,b", 'say "hi"', "x\ny"], ["=cmd", None, 1]]))
    assert records[0] == '"a,b","say ""hi""","x\ny"\r\n'
    assert records[1] == "'=cmd,,1\r\n"
    parsed = list(csv.reader(io.StringIO("".join(records), newline="")))
    assert parsed == [["a,b", 'say "hi"', "x\ny"], ["'=cmd", "", "1"]]
