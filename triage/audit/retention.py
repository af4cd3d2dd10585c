"""Retention: how far back "older than 6y" reaches, in calendar years, months or days."""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta

_AGE = re.compile(r"([1-9][0-9]*)([ymd])")


def _months_before(moment: datetime, months: int) -> datetime:
    """The same day ``months`` earlier (the month's last day when it is shorter: 31 May - 3m = 28/29 Feb)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, calendar.monthrange(year, month + 1)[1]))


def retention_cutoff(age: str, now: datetime) -> datetime:
    """The moment ``age`` (``6y``, ``18m``, ``30d``) before ``now``; ValueError for anything else."""
    match = _AGE.fullmatch(age.strip().lower())
    if match is None:
        raise ValueError(f"{age!r} is not an age; expected a number and y, m or d, e.g. 6y, 18m, 30d")
    number, unit = int(match[1]), match[2]
    try:
        return now - timedelta(days=number) if unit == "d" else _months_before(now, number * (12 if unit == "y" else 1))
    except (ValueError, OverflowError):
        raise ValueError(f"{age!r} reaches back before the calendar begins") from None
