"""Public holidays from the ``holidays`` package, kept per year in the user's cache folder.

Why a cache: importing ``holidays`` and asking it for one country loads all of its ~280 country
modules (0.3-0.6 s), which was most of a one-referral ``triage decide``. A year's holidays do not
change unless the package does, so each (country, subdivision, year) is kept in a small JSON file
named with the package's version: a new version of ``holidays`` (say, with a newly announced bank
holiday) is asked again. A cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from functools import cache
from importlib.metadata import version
from pathlib import Path

import platformdirs


def public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """The public holidays of ``year`` (substitute days included) in ``country``'s ``subdivision``
    (None: country-wide only). ValueError for a country or subdivision the package does not know."""
    path = _cache_file(country, subdivision, year)
    cached = _read(path)
    if cached is not None:
        return cached
    days = _from_package(country, subdivision, year)
    _write(path, days)
    return days


def _from_package(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    import holidays  # here, not at the top: it is the import this module exists to avoid

    try:
        return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))
    except NotImplementedError as error:
        raise ValueError(str(error)) from error


@cache
def _package_version() -> str:
    return version("holidays")


def _cache_file(country: str, subdivision: str | None, year: int) -> Path:
    name = f"{country}-{subdivision or 'all'}-{year}-holidays-{_package_version()}.json"
    return platformdirs.user_cache_path("triage") / "holidays" / name.replace(os.sep, "_")


def _read(path: Path) -> frozenset[date] | None:
    try:
        return frozenset(date.fromisoformat(day) for day in json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):  # not there yet, or not ours to trust: ask the package
        return None


def _write(path: Path, days: frozenset[date]) -> None:
    """Written whole or not at all (another process may be reading it)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as out:
            json.dump(sorted(day.isoformat() for day in days), out)
        os.replace(out.name, path)
    except OSError:
        pass  # a read-only home: the holidays are still right, only not kept
