"""Sessions: a working day of eight hours to the second, a fresh session (and CSRF token) at each
sign-in, and an ended session's cookie dropped from the browser."""

from __future__ import annotations

import base64
import time

import pytest
from fastapi.testclient import TestClient

from triage.access.staff import StaffStore
from triage.web.sessions import SESSION_COOKIE

from support import csrf_token_in, signed_in_browser

EIGHT_HOURS = 8 * 60 * 60
SIGNED_IN_AT = 1_800_000_000  # a whole second, so that the ages below are exact


@pytest.mark.parametrize(
    ("after", "signed_in"),
    [(EIGHT_HOURS - 60, True), (EIGHT_HOURS + 1, False)],
    ids=["a-minute-before-eight-hours", "just-after-eight-hours"],
)
def test_a_session_lasts_eight_hours(app, monkeypatch, after, signed_in):
    browser = signed_in_browser(app, "a.patel")
    signed_in_at = time.time()
    monkeypatch.setattr(time, "time", lambda: signed_in_at + after)
    assert (browser.get("/glossary").status_code == 200) == signed_in


@pytest.mark.parametrize(
    ("after", "signed_in"),
    [(0, True), (EIGHT_HOURS - 1, True), (EIGHT_HOURS, False)],
    ids=["the-same-second", "the-last-second", "exactly-eight-hours"],
)
def test_a_session_ends_exactly_eight_hours_after_signing_in(app, monkeypatch, after, signed_in):
    """The server's own limit, not the browser's: the cookie is sent even when the browser would
    have let it expire (as a copy of it would be)."""
    monkeypatch.setattr(time, "time", lambda: SIGNED_IN_AT)
    cookie = signed_in_browser(app, "a.patel").cookies[SESSION_COOKIE]
    monkeypatch.setattr(time, "time", lambda: SIGNED_IN_AT + after)
    copy = TestClient(app, base_url="https://testserver", follow_redirects=False)
    response = copy.get("/glossary", headers={"cookie": f"{SESSION_COOKIE}={cookie}"})
    assert (response.status_code == 200) == signed_in


def test_signing_in_gives_the_session_a_new_csrf_token(app):
    """Nothing from before signing in carries over: a token a page could have seen before then
    (the sign-in form's) does not work for the signed-in session."""
    browser = TestClient(app, base_url="https://testserver", follow_redirects=False)
    before = csrf_token_in(browser.get("/sign-in").text)
    browser.post("/sign-in", data={"username": "a.patel", "password": "correct horse battery", "csrf_token": before})
    assert csrf_token_in(browser.get("/glossary").text) != before


def test_the_csrf_token_is_32_random_bytes(app):
    token = csrf_token_in(signed_in_browser(app, "a.patel").get("/glossary").text)
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == 32


def test_an_ended_session_is_dropped_from_the_browser(app):
    browser = signed_in_browser(app, "a.patel")
    StaffStore(app.state.services.store.db).disable("a.patel")
    assert browser.get("/glossary").status_code == 303
    assert SESSION_COOKIE not in browser.cookies
