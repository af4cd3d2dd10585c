"""A session lasts a working day of eight hours: the length itself, not only the constant's use."""

from __future__ import annotations

import time

import pytest

from support import signed_in_browser

EIGHT_HOURS = 8 * 60 * 60


@pytest.mark.parametrize(("after", "signed_in"), [(EIGHT_HOURS - 60, True), (EIGHT_HOURS + 1, False)],
                         ids=["a-minute-before-eight-hours", "just-after-eight-hours"])
def test_a_session_lasts_eight_hours(app, monkeypatch, after, signed_in):
    browser = signed_in_browser(app, "a.patel")
    signed_in_at = time.time()
    monkeypatch.setattr(time, "time", lambda: signed_in_at + after)
    assert (browser.get("/glossary").status_code == 200) == signed_in
