"""Dates, times and counts on the family pages, as the GOV.UK style guide writes them."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from triage.web.words import count, long_date, moment, nhs_number, sentence

LONDON = ZoneInfo("Europe/London")


def test_a_date_has_no_leading_zero_and_the_month_in_full():
    assert long_date(date(2026, 8, 4)) == "4 August 2026"


@pytest.mark.parametrize(
    ("recorded_at", "said"),
    [
        ("2026-11-20T10:20:00+00:00", "20 November 2026, 10:20am"),
        ("2026-11-20T12:05:00+00:00", "20 November 2026, 12:05pm"),
        ("2026-11-20T00:30:00+00:00", "20 November 2026, 12:30am"),
        ("2026-07-01T23:30:00+00:00", "2 July 2026, 12:30am"),  # British Summer Time: the next day in London
    ],
)
def test_a_moment_is_said_in_the_citys_time(recorded_at, said):
    assert moment(recorded_at, LONDON) == said


def test_a_count_says_one_thing_or_several():
    assert (count(1, "earlier referral"), count(2, "earlier referral")) == ("1 earlier referral", "2 earlier referrals")


def test_an_nhs_number_is_grouped_three_three_four():
    assert nhs_number("9434765919") == "943 476 5919"


def test_a_sentence_gets_a_capital_and_keeps_the_rest():
    assert sentence("same NHS number") == "Same NHS number"
