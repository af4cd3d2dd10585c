"""Dates of birth: slips recognised, and the shapes a search box takes."""

from __future__ import annotations

from datetime import date

import pytest

from triage.matching.dates import DateAgreement, compare_dates, parse_date, swapped

BORN = date(2014, 3, 2)


@pytest.mark.parametrize(
    ("other", "agreement"),
    [
        (date(2014, 3, 2), DateAgreement.SAME),
        (date(2014, 2, 3), DateAgreement.SWAPPED),
        (date(2014, 3, 12), DateAgreement.ONE_DIGIT),
        (date(2015, 3, 2), DateAgreement.ONE_DIGIT),
        (date(2014, 8, 19), DateAgreement.DIFFERENT),
        (None, DateAgreement.MISSING),
    ],
)
def test_two_dates_of_birth_agree_as_closely_as_they_do(other: date | None, agreement: DateAgreement) -> None:
    assert compare_dates(BORN, other) is agreement


def test_a_day_over_12_cannot_be_swapped_with_its_month() -> None:
    assert swapped(date(2014, 3, 20)) is None


def test_a_day_equal_to_its_month_has_no_other_reading() -> None:
    assert swapped(date(2014, 3, 3)) is None


@pytest.mark.parametrize(
    "typed", ["2014-03-02", "2/3/2014", "02/03/2014", "02-03-2014", "02.03.2014", "2 March 2014", "2 Mar 2014"]
)
def test_a_date_typed_in_any_accepted_shape_is_read_day_first(typed: str) -> None:
    assert parse_date(typed) == BORN


@pytest.mark.parametrize("typed", ["31/02/2014", "2014", "Smith", "2/3/14", ""])
def test_text_that_is_not_a_real_date_is_not_a_date(typed: str) -> None:
    assert parse_date(typed) is None
