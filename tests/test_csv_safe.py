"""``triage.csv_safe``: CSV cells a spreadsheet reads as data, never as a formula (CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest

from triage.csv_safe import SafeDictWriter, neutralise


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x.example","click")', "+1+1", "-2-3", "@SUM(A1)", "\tcmd", "\rcmd"]
)
def test_text_a_spreadsheet_would_take_for_a_formula_gets_a_quote_in_front(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["R-2026-1", "With MAST now", "", "'already quoted", " =spaced"])
def test_other_text_is_written_as_it_is(text: str) -> None:
    assert neutralise(text) == text


@pytest.mark.parametrize("number", [-1234.5, -57, 0, 3.5, None, True])
def test_numbers_stay_numbers_even_when_negative(number: object) -> None:
    assert neutralise(number) is number


def test_the_writer_neutralises_every_text_cell_and_leaves_numbers_to_add_up() -> None:
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=["id", "reason", "npv"])
    writer.writeheader()
    writer.writerows([{"id": "-2-3", "reason": "=1+1", "npv": -1234.5}])
    writer.writerow({"id": "R-1", "reason": "fine", "npv": 10})
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["id", "reason", "npv"], ["'-2-3", "'=1+1", "-1234.5"], ["R-1", "fine", "10"]]
