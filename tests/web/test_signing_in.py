"""Signing in: the session key file, and the limits on getting it wrong (per account name, per
client address, password checks at once)."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from triage.access import staff as staff_module
from triage.access.staff import PasswordCheckLimit
from triage.app import create_app
from triage.keyfile import KeyFileProblem
from triage.settings import Settings

from support import STAFF_PASSWORD, csrf_token_in, signed_in_browser

LOCKED = "You have entered the wrong password too many times. Try again in"
FROM_YOUR_NETWORK = "There have been too many failed attempts to sign in from your network. Try again in"


def _browser(app, address: str = "192.0.2.1") -> TestClient:
    return TestClient(app, base_url="https://testserver", follow_redirects=False, client=(address, 50000))


def _sign_in(browser: TestClient, username: str = "a.patel", password: str = STAFF_PASSWORD):
    token = csrf_token_in(browser.get("/sign-in").text)
    return browser.post("/sign-in", data={"username": username, "password": password, "csrf_token": token})


def _second_server(app, key_file: Path):
    """Another server on the same database as ``app``, with the session key in ``key_file``."""
    return create_app(
        Settings(database_url=str(app.state.services.store.db.url), engine="python", session_key_file=key_file)
    )


# --- the session key --------------------------------------------------------------------------


def test_the_session_key_file_is_made_private_on_first_start(app, data_dir):
    assert stat.S_IMODE((data_dir / "session.key").stat().st_mode) == 0o600


def test_a_cookie_signed_with_another_key_is_refused(app, tmp_path):
    cookies = dict(signed_in_browser(app, "a.patel").cookies)
    other = _second_server(app, tmp_path / "other.key")
    try:
        browser = TestClient(other, base_url="https://testserver", follow_redirects=False, cookies=cookies)
        assert browser.get("/glossary").status_code == 303  # to the sign-in page
    finally:
        other.state.services.store.db.dispose()


def test_servers_sharing_the_key_file_share_sessions(app, data_dir):
    cookies = dict(signed_in_browser(app, "a.patel").cookies)
    other = _second_server(app, data_dir / "session.key")
    try:
        browser = TestClient(other, base_url="https://testserver", follow_redirects=False, cookies=cookies)
        assert browser.get("/glossary").status_code == 200
    finally:
        other.state.services.store.db.dispose()


def test_a_key_file_others_may_read_is_refused_saying_how_to_fix_it(tmp_path):
    key_file = tmp_path / "session.key"
    key_file.write_text("k" * 64)
    key_file.chmod(0o640)
    with pytest.raises(KeyFileProblem, match=f"may be read by other users; make it private with: chmod 600 {key_file}"):
        create_app(Settings(audit_db=tmp_path / "web.sqlite3", engine="python", session_key_file=key_file))


# --- getting it wrong -------------------------------------------------------------------------


def test_fifty_wrong_passwords_then_the_right_one_is_refused(app):
    browser = _browser(app)
    for _ in range(50):
        _sign_in(browser, password="wrong password!")
    response = _sign_in(browser)
    assert response.status_code == 429
    assert LOCKED in response.text and "Signed in as" not in response.text


def test_the_fifth_wrong_password_says_when_to_try_again(app):
    browser = _browser(app)
    for _ in range(4):
        assert _sign_in(browser, password="wrong password!").status_code == 400
    response = _sign_in(browser, password="wrong password!")
    assert response.status_code == 429
    assert "There is a problem" in response.text
    assert f"{LOCKED} 1 minute." in response.text
    assert response.headers["retry-after"] == "60"


def test_an_unknown_name_is_locked_exactly_like_an_account(app):
    def fifth_failure(username: str):
        browser = _browser(app, address=f"198.51.100.{len(username)}")
        for _ in range(4):
            _sign_in(browser, username=username, password="wrong password!")
        response = _sign_in(browser, username=username, password="wrong password!")
        page = response.text.replace(username, "NAME").replace(csrf_token_in(response.text), "TOKEN")
        return response.status_code, response.headers["retry-after"], page

    assert fifth_failure("a.patel") == fifth_failure("nobody.here")


def test_the_lock_is_shared_by_every_server_on_the_database(app, data_dir):
    for _ in range(5):
        _sign_in(_browser(app), password="wrong password!")
    other = _second_server(app, data_dir / "session.key")
    try:
        response = _sign_in(_browser(other, address="203.0.113.9"))
        assert (response.status_code, LOCKED in response.text) == (429, True)
    finally:
        other.state.services.store.db.dispose()


def test_after_the_lock_the_right_password_signs_in(app, monkeypatch):
    for _ in range(5):
        _sign_in(_browser(app), password="wrong password!")
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert _sign_in(_browser(app, address="192.0.2.2")).status_code == 303


def test_each_failure_after_a_lock_locks_for_longer(app, monkeypatch):
    for _ in range(5):
        _sign_in(_browser(app), password="wrong password!")
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    response = _sign_in(_browser(app, address="192.0.2.2"), password="wrong password!")
    assert f"{LOCKED} 2 minutes." in response.text


def test_a_different_account_from_the_same_address_is_limited(app):
    browser = _browser(app)
    for attempt in range(20):  # a few guesses at each of many names: no name is locked
        _sign_in(browser, username=f"guess.{attempt % 5}.{attempt // 5}", password="wrong password!")
    response = _sign_in(browser, username="p.lead")
    assert response.status_code == 429
    assert FROM_YOUR_NETWORK in response.text and "Try again in 15 minutes." in response.text


def test_another_address_is_not_held_up_by_one_that_is_limited(app):
    for attempt in range(20):
        _sign_in(_browser(app), username=f"guess.{attempt}", password="wrong password!")
    assert _sign_in(_browser(app, address="192.0.2.77"), username="p.lead").status_code == 303


def test_signing_in_when_too_many_passwords_are_being_checked_is_refused_at_once(app, monkeypatch):
    full = PasswordCheckLimit(running=1, waiting=0)
    monkeypatch.setattr(staff_module, "password_checks", full)
    with full.slot():  # another sign-in's check is running
        response = _sign_in(_browser(app))
    assert response.status_code == 503
    assert "The service is busy. Try again in a minute." in response.text


def test_a_busy_service_says_to_try_again_in_a_minute(app, monkeypatch):
    full = PasswordCheckLimit(running=1, waiting=0)
    monkeypatch.setattr(staff_module, "password_checks", full)
    with full.slot():
        response = _sign_in(_browser(app))
    assert response.headers["retry-after"] == "60"


def test_signing_in_with_the_right_password_starts_the_count_again(app):
    browser = _browser(app)
    for _ in range(4):
        _sign_in(browser, password="wrong password!")
    assert _sign_in(browser).status_code == 303
    for _ in range(3):
        _sign_in(_browser(app), password="wrong password!")
    assert _sign_in(_browser(app), password="wrong password!").status_code == 400  # the fourth since the success


def test_a_refused_sign_in_is_logged_without_the_name_typed(app, log_lines):
    browser = _browser(app)
    for _ in range(5):
        _sign_in(browser, username="correct horse battery", password="wrong password!")
    events, text = log_lines()
    [refused] = [entry for entry in events if entry["event"] == "sign_in_refused"]
    assert (refused["status"], refused["retry_after"]) == (429, 60)
    assert "horse" not in text


def test_the_sign_in_page_is_not_in_the_api_description(app):
    paths = TestClient(app).get("/openapi.json").json()["paths"]
    assert not any(path in paths for path in ("/sign-in", "/sign-out"))


def test_the_sign_in_page_answers_200(app):
    assert _browser(app).get("/sign-in").status_code == 200


def test_signing_out_drops_the_session_cookie(app):
    browser = signed_in_browser(app, "a.patel")
    browser.post("/sign-out", data={"csrf_token": csrf_token_in(browser.get("/glossary").text)})
    assert "triage_session" not in browser.cookies
