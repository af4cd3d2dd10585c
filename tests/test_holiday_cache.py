"""Public holidays kept per year in the cache folder, so most runs need not import ``holidays``."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from triage.holiday_cache import public_holidays

EASTER_MONDAY_2026 = date(2026, 4, 6)
ST_ANDREWS_DAY_2026 = date(2026, 11, 30)  # Scotland only


def _cache_files() -> list[Path]:
    import platformdirs

    return sorted((platformdirs.user_cache_path("triage") / "holidays").glob("*.json"))


def test_a_years_holidays_come_from_the_package():
    days = public_holidays("GB", "ENG", 2026)
    assert EASTER_MONDAY_2026 in days and ST_ANDREWS_DAY_2026 not in days


def test_a_subdivision_has_its_own_holidays():
    assert ST_ANDREWS_DAY_2026 in public_holidays("GB", "SCT", 2026)


def test_a_year_asked_once_is_read_from_the_cache_without_importing_the_package():
    public_holidays("GB", "ENG", 2027)
    probe = (
        "import sys; from triage.holiday_cache import public_holidays; "
        "days = public_holidays('GB', 'ENG', 2027); print(len(days), 'holidays' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(len(public_holidays("GB", "ENG", 2027))), "False"]


def test_a_damaged_cache_file_is_asked_again_and_rewritten():
    expected = public_holidays("GB", "ENG", 2026)
    [cached] = _cache_files()
    cached.write_text("[not json", encoding="utf-8")
    assert public_holidays("GB", "ENG", 2026) == expected
    assert cached.read_text(encoding="utf-8").startswith('["2026-01-01"')


def test_the_cache_file_is_named_with_the_packages_version():
    from importlib.metadata import version

    public_holidays("GB", "ENG", 2026)
    assert [f.name for f in _cache_files()] == [f"GB-ENG-2026-holidays-{version('holidays')}.json"]


def test_a_cache_folder_that_cannot_be_written_still_gives_the_holidays(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert EASTER_MONDAY_2026 in public_holidays("GB", "ENG", 2026)


def test_an_unknown_country_is_a_value_error():
    with pytest.raises(ValueError):
        public_holidays("XX", None, 2026)
