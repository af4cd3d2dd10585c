"""Dates of birth: the slips people make writing them, and the shapes staff type them in.

A date of birth is written day first in the UK (02/03/2014 is 2 March 2014) but systems and
forms sometimes store it month first, so the day and month arrive swapped; and one mistyped digit
(2014 for 2015) is common. Both are near-agreement, not a different person.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import Enum
from typing import Final

__all__ = ["DateAgreement", "compare_dates", "parse_date", "swapped"]

# ISO first (2014-03-02), then UK day-first with /, - or . (2/3/2014, 02-03-2014), then "2 March 2014"
_NUMERIC: Final = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO: Final = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WORDS: Final = ("%d %B %Y", "%d %b %Y")


class DateAgreement(Enum):
    """How two dates of birth agree."""

    SAME = "same"
    SWAPPED = "swapped"  # day and month the wrong way round
    ONE_DIGIT = "one digit"  # one digit of YYYYMMDD different
    DIFFERENT = "different"
    MISSING = "missing"  # one or both not recorded


def swapped(day: date) -> date | None:
    """The date with day and month exchanged, if that is another real date (3 Feb for 2 Mar)."""
    if day.day == day.month or day.day > 12:
        return None
    return day.replace(month=day.day, day=day.month)


def compare_dates(a: date | None, b: date | None) -> DateAgreement:
    """How two dates of birth agree, most to least."""
    if a is None or b is None:
        return DateAgreement.MISSING
    if a == b:
        return DateAgreement.SAME
    if swapped(a) == b:
        return DateAgreement.SWAPPED
    return DateAgreement.ONE_DIGIT if _digits_apart(a, b) == 1 else DateAgreement.DIFFERENT


def _digits_apart(a: date, b: date) -> int:
    """How many of the eight digits of YYYYMMDD differ (arithmetic: it runs for every pair compared)."""
    x, y = a.year * 10000 + a.month * 100 + a.day, b.year * 10000 + b.month * 100 + b.day
    apart = 0
    for _ in range(8):
        apart += x % 10 != y % 10
        x, y = x // 10, y // 10
    return apart


def parse_date(text: str) -> date | None:
    """A date typed into a search box, or None if it is not one.

    Accepts 2014-03-02 (ISO), 2/3/2014, 02/03/2014, 02-03-2014 and 02.03.2014 (UK: day first), and
    "2 March 2014" or "2 Mar 2014". A number that is not a real date (31/02/2014) is not a date.
    """
    text = text.strip()
    try:
        if match := _ISO.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _NUMERIC.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    for shape in _WORDS:
        try:
            return datetime.strptime(text, shape).date()
        except ValueError:
            continue
    return None
