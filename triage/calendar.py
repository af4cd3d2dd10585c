"""Working-day clock for response timescales.

The city's policy sets response deadlines in *working days*: a referral
marked "respond within 10 working days" must be answered by a date that
skips weekends and public (bank) holidays. This module turns a received
instant plus a number of working days into that deadline date.

Policy semantics, encoded by :meth:`WorkingCalendar.add_working_days`:

* ``n == 0`` ("immediate" priority) means the same working day; a referral
  received on a weekend or bank holiday is due on the next working day.
* ``n > 0`` means the n-th working day strictly *after* the received date,
  counting even when the received date is itself not a working day
  (Saturday 23 May 2026 + 10 working days -> Monday 8 June 2026, because
  Monday 25 May 2026 is a bank holiday).
* The received date is the *local* calendar date in the service's time
  zone, so a referral at 23:30 UTC on 30 June is received on 1 July in
  British Summer Time.

Performance: deadlines are computed on a hot path (thousands of calls per
second), so public holidays are loaded lazily, once per year, into a
``frozenset`` and every later lookup is a dict hit plus a set membership
test. The holidays come from ``triage.holiday_cache`` (the ``holidays``
package, kept per year in the user's cache folder: importing the package
is slow).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from triage.holiday_cache import public_holidays

__all__ = ["WorkingCalendar"]

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5  # date.weekday(): Monday == 0 ... Saturday == 5, Sunday == 6


class WorkingCalendar:
    """Working days for one country, a set of its subdivisions and a time zone.

    A day is a working day when it is Monday to Friday and is not a public
    holiday in *any* of ``subdivisions``. Taking the union is deliberate: a
    service that covers, say, England and Wales must not count a day as
    working when staff in either nation are on a bank holiday.

    An empty ``subdivisions`` sequence means "country-wide holidays only",
    for countries that have no regional holidays.

    Instances are safe to share between threads: the per-year cache only
    ever gains entries, and a race merely computes the same frozenset twice.
    """

    __slots__ = ("_country", "_subdivisions", "_zone", "_holidays_by_year", "_deadlines")

    def __init__(self, country: str, subdivisions: Sequence[str], timezone: str) -> None:
        """Validate the configuration eagerly so mistakes fail at start-up.

        Raises:
            TypeError: ``subdivisions`` is a bare string (which would
                otherwise be iterated character by character).
            ValueError: unknown country or subdivision.
            zoneinfo.ZoneInfoNotFoundError: unknown time zone.
        """
        if isinstance(subdivisions, str):
            raise TypeError("subdivisions must be a sequence of codes, not a single string")
        self._country = country
        # ``None`` asks the holidays package for country-wide holidays only.
        self._subdivisions: tuple[str | None, ...] = tuple(dict.fromkeys(subdivisions)) or (None,)
        self._zone = ZoneInfo(timezone)
        self._holidays_by_year: dict[int, frozenset[date]] = {}
        self._deadlines: dict[tuple[date, int], date] = {}
        self._check_holiday_config()

    def __repr__(self) -> str:
        subdivisions = [s for s in self._subdivisions if s is not None]
        return f"WorkingCalendar({self._country!r}, {subdivisions!r}, {self._zone.key!r})"

    # -- public API -------------------------------------------------------

    def local_date(self, instant: datetime) -> date:
        """Return the calendar date of ``instant`` in the calendar's time zone.

        Naive datetimes are rejected: guessing their zone would silently
        shift deadlines by a day around midnight.
        """
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"datetime must be timezone-aware, got naive {instant.isoformat()}")
        return instant.astimezone(self._zone).date()

    def is_working_day(self, day: date) -> bool:
        """Return True when ``day`` is a weekday and not a public holiday."""
        _require_plain_date(day)
        return day.weekday() < _SATURDAY and day not in self._holidays_in(day.year)

    def add_working_days(self, day: date, n: int) -> date:
        """Return the date ``n`` working days after ``day`` (see module docs).

        ``n == 0`` gives ``day`` itself if it is a working day, otherwise the
        next working day. ``n > 0`` gives the n-th working day strictly after
        ``day``, whether or not ``day`` is a working day.

        Raises:
            ValueError: ``n`` is negative (deadlines never run backwards).
        """
        _require_plain_date(day)
        if n < 0:
            raise ValueError(f"working days must be zero or more, got {n}")
        if n == 0:
            return self._first_working_day_from(day)
        remaining = n
        while remaining:
            day += _ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day

    def respond_by(self, received_at: datetime, working_days: int) -> date:
        """Return the response deadline for a referral received at ``received_at``.

        Deadlines are remembered per (date, working days): a batch holds many referrals from
        the same few days, and the answer for a date never changes.
        """
        key = (self.local_date(received_at), working_days)
        due = self._deadlines.get(key)
        if due is None:
            due = self._deadlines[key] = self.add_working_days(*key)
        return due

    # -- internals --------------------------------------------------------

    def _first_working_day_from(self, day: date) -> date:
        """Return ``day`` if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def _holidays_in(self, year: int) -> frozenset[date]:
        """Return the cached public holidays for ``year``, loading on first use."""
        cached = self._holidays_by_year.get(year)
        if cached is None:
            cached = self._load_holidays(year)
            self._holidays_by_year[year] = cached
        return cached

    def _load_holidays(self, year: int) -> frozenset[date]:
        """Union the holidays (incl. substitute days) of every subdivision."""
        return frozenset().union(*(public_holidays(self._country, s, year) for s in self._subdivisions))

    def _check_holiday_config(self) -> None:
        """Fail fast on an unknown country/subdivision, as a ValueError."""
        this_year = datetime.now(self._zone).year  # the year deciding needs first: its holidays are kept
        for subdivision in self._subdivisions:
            public_holidays(self._country, subdivision, this_year)


def _require_plain_date(day: date) -> None:
    """Reject datetimes, which are dates by inheritance but never equal to one.

    ``datetime(2026, 12, 25, 9) in {date(2026, 12, 25)}`` is False, so a
    datetime slipping in here would silently miss every holiday.
    """
    if isinstance(day, datetime):
        raise TypeError("expected a date, got a datetime; use local_date() first")
