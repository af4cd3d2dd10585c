"""Tests for triage.calendar.WorkingCalendar (England & Wales, Europe/London)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage.calendar import WorkingCalendar


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    """The city's calendar: English and Welsh bank holidays, London time."""
    return WorkingCalendar("GB", ["ENG", "WLS"], "Europe/London")


def utc(text: str) -> datetime:
    """Parse an ISO instant and pin it to UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- is_working_day --------------------------------------------------------


def test_weekday_is_working_day(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(date(2026, 11, 20))  # Friday


@pytest.mark.parametrize("day", [date(2026, 5, 23), date(2026, 5, 24)], ids=["sat", "sun"])
def test_weekend_is_not_working_day(cal: WorkingCalendar, day: date) -> None:
    assert not cal.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 25), date(2026, 8, 31)],
    ids=["new-year", "good-friday", "easter-monday", "spring-bank", "summer-bank"],
)
def test_bank_holiday_is_not_working_day(cal: WorkingCalendar, day: date) -> None:
    assert not cal.is_working_day(day)


def test_substitute_boxing_day_is_not_working_day(cal: WorkingCalendar) -> None:
    # Boxing Day 2026 is a Saturday, so Monday 28 December is the holiday.
    assert not cal.is_working_day(date(2026, 12, 28))


def test_datetime_is_rejected_where_a_date_is_expected(cal: WorkingCalendar) -> None:
    with pytest.raises(TypeError):
        cal.is_working_day(datetime(2026, 12, 25, 9, tzinfo=UTC))


@pytest.mark.parametrize("n", [0, 5, -1])
def test_add_working_days_rejects_a_datetime_before_anything_else(cal: WorkingCalendar, n: int) -> None:
    with pytest.raises(TypeError):
        cal.add_working_days(datetime(2026, 12, 25, 9, tzinfo=UTC), n)


def test_holidays_of_any_subdivision_count() -> None:
    # 12 July (Battle of the Boyne) is a holiday only in Northern Ireland.
    cal = WorkingCalendar("GB", ["ENG", "NIR"], "Europe/London")
    assert not cal.is_working_day(date(2027, 7, 12))  # a Monday


# -- add_working_days ------------------------------------------------------


def test_plus_five_from_friday_skips_one_weekend(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2026, 11, 20), 5) == date(2026, 11, 27)


def test_plus_one_from_friday_is_monday(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)


def test_plus_ten_from_saturday_skips_spring_bank_holiday(cal: WorkingCalendar) -> None:
    # The policy's own example: counting starts after the Saturday, and
    # Monday 25 May 2026 is a bank holiday.
    assert cal.add_working_days(date(2026, 5, 23), 10) == date(2026, 6, 8)


def test_christmas_run_skips_christmas_and_substitute_boxing_day(cal: WorkingCalendar) -> None:
    # Thu 24 Dec -> Fri 25 (Christmas), Sat, Sun, Mon 28 (substitute) -> Tue 29.
    assert cal.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_counting_crosses_the_year_end(cal: WorkingCalendar) -> None:
    # Thu 31 Dec 2026 -> Fri 1 Jan 2027 is New Year's Day -> Mon 4 Jan 2027.
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_zero_on_working_day_is_same_day(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2026, 11, 20), 0) == date(2026, 11, 20)


def test_zero_on_weekend_is_next_working_day(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2026, 11, 21), 0) == date(2026, 11, 23)


def test_zero_on_bank_holiday_is_next_working_day(cal: WorkingCalendar) -> None:
    # Easter Monday 6 April 2026 -> Tuesday 7 April.
    assert cal.add_working_days(date(2026, 4, 6), 0) == date(2026, 4, 7)


def test_negative_working_days_rejected(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="zero or more"):
        cal.add_working_days(date(2026, 11, 20), -1)


# -- local_date / respond_by -----------------------------------------------


def test_late_evening_utc_in_summer_is_next_local_day(cal: WorkingCalendar) -> None:
    # 23:30Z on 30 June is 00:30 BST on 1 July.
    assert cal.local_date(utc("2026-06-30T23:30:00")) == date(2026, 7, 1)


def test_late_evening_utc_in_winter_is_same_local_day(cal: WorkingCalendar) -> None:
    # 23:30Z on 31 December is 23:30 GMT on 31 December.
    assert cal.local_date(utc("2026-12-31T23:30:00")) == date(2026, 12, 31)


def test_clocks_forward_day_keeps_date(cal: WorkingCalendar) -> None:
    # 29 March 2026: 00:30Z is 00:30 GMT, before clocks go forward at 01:00Z.
    assert cal.local_date(utc("2026-03-29T00:30:00")) == date(2026, 3, 29)


def test_clocks_back_day_keeps_date(cal: WorkingCalendar) -> None:
    # 25 October 2026: 00:30Z is 01:30 BST, just before clocks go back.
    assert cal.local_date(utc("2026-10-25T00:30:00")) == date(2026, 10, 25)


def test_non_utc_aware_instant_is_converted(cal: WorkingCalendar) -> None:
    new_york = timezone(timedelta(hours=-4))
    assert cal.local_date(datetime(2026, 6, 30, 20, 0, tzinfo=new_york)) == date(2026, 7, 1)


def test_naive_datetime_rejected(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.local_date(datetime(2026, 6, 30, 23, 30))


class _NoOffset(tzinfo):
    """A time zone that does not know its offset: Python counts such datetimes as naive."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None


def test_a_datetime_whose_zone_has_no_offset_is_rejected_as_naive(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.local_date(datetime(2026, 6, 30, 23, 30, tzinfo=_NoOffset()))


def test_respond_by_uses_local_received_date(cal: WorkingCalendar) -> None:
    # Received Wed 1 July (BST), not Tue 30 June, so +1 is Thu 2 July.
    assert cal.respond_by(utc("2026-06-30T23:30:00"), 1) == date(2026, 7, 2)


def test_respond_by_immediate_on_sunday_is_monday(cal: WorkingCalendar) -> None:
    assert cal.respond_by(utc("2026-11-22T10:00:00"), 0) == date(2026, 11, 23)


def test_respond_by_rejects_naive_datetime(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError):
        cal.respond_by(datetime(2026, 6, 30, 9, 0), 5)


# -- configuration ---------------------------------------------------------


def test_unknown_subdivision_rejected() -> None:
    with pytest.raises(ValueError):
        WorkingCalendar("GB", ["XXX"], "Europe/London")


@pytest.mark.parametrize(("subdivisions", "shown"), [(["ENG", "WLS"], "['ENG', 'WLS']"), ([], "[]")])
def test_repr_names_the_configuration(subdivisions: list[str], shown: str) -> None:
    assert (
        repr(WorkingCalendar("GB", subdivisions, "Europe/London")) == f"WorkingCalendar('GB', {shown}, 'Europe/London')"
    )


def test_bare_string_subdivisions_rejected() -> None:
    with pytest.raises(TypeError):
        WorkingCalendar("GB", "ENG", "Europe/London")  # type: ignore[arg-type]


# -- property ----------------------------------------------------------------

_DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
_POSITIVE_N = st.integers(min_value=1, max_value=60)


@given(day=_DAYS, n=_POSITIVE_N)
def test_positive_offsets_land_on_later_working_days_in_order(cal: WorkingCalendar, day: date, n: int) -> None:
    result = cal.add_working_days(day, n)
    assert cal.is_working_day(result)
    assert result > day
    assert cal.add_working_days(day, n + 1) > result
