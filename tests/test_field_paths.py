"""dotted_path: how field paths are written in every error message."""

from __future__ import annotations

import pytest

from triage.field_paths import dotted_path


@pytest.mark.parametrize(
    ("parts", "path"),
    [
        (("referral_id",), "referral_id"),
        (("household", "members", 1, "school", "attendance_pct"), "household.members[1].school.attendance_pct"),
        (("household", "members"), "household.members"),
        (("problems", 0, "indicators", 2, "when"), "problems[0].indicators[2].when"),
        ((), ""),
    ],
)
def test_dotted_path(parts: tuple[str | int, ...], path: str) -> None:
    assert dotted_path(parts) == path
