"""The web pages: sign-in, sessions and CSRF, the glossary and the rules page."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from triage.access import Role
from triage.access.staff import StaffError, StaffStore
from triage.app import create_app
from triage.db import tables
from triage.rulebook import load_policy
from triage.settings import Settings
from triage.web.sessions import SESSION_SECONDS

from support import STAFF_PASSWORD, csrf_token_in


@pytest.fixture
def app(tmp_path: Path):
    application = create_app(Settings(audit_db=tmp_path / "web.sqlite3", engine="python"))
    yield application
    application.state.services.store.db.dispose()


@pytest.fixture
def staff(app) -> StaffStore:
    store = StaffStore(app.state.services.store.db)
    store.create("a.patel", "A. Patel", Role.FRONT_DOOR, STAFF_PASSWORD)
    return store


@pytest.fixture
def browser(app) -> TestClient:
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def _sign_in(browser, username="a.patel", password=STAFF_PASSWORD, next_page="/"):
    token = csrf_token_in(browser.get("/sign-in").text)
    return browser.post(
        "/sign-in", data={"username": username, "password": password, "csrf_token": token, "next": next_page}
    )


def test_a_page_needs_a_signed_in_member_of_staff(browser):
    response = browser.get("/glossary")
    assert (response.status_code, response.headers["location"]) == (303, "/sign-in?next=/glossary")


def test_signing_in_goes_back_to_the_page_asked_for(browser, staff):
    response = _sign_in(browser, next_page="/rules")
    assert (response.status_code, response.headers["location"]) == (303, "/rules")
    assert browser.get("/rules").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_signing_in_never_sends_anyone_to_another_site(browser, staff, target):
    assert _sign_in(browser, next_page=target).headers["location"] == "/"


@pytest.mark.parametrize(("username", "password"), [("a.patel", "wrong password!"), ("nobody", STAFF_PASSWORD)])
def test_wrong_credentials_get_one_message_and_keep_the_username(browser, staff, username, password):
    response = _sign_in(browser, username=username, password=password)
    assert response.status_code == 400
    assert "There is a problem" in response.text and "Enter a correct username and password" in response.text
    assert f'value="{username}"' in response.text and password not in response.text


def test_the_session_cookie_is_httponly_secure_and_samesite_lax(browser, staff):
    cookie = _sign_in(browser).headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie


def test_a_form_without_the_sessions_csrf_token_is_refused(browser, staff):
    _sign_in(browser)
    assert browser.post("/sign-out", data={"csrf_token": "forged"}).status_code == 403
    assert browser.get("/glossary").status_code == 200  # still signed in


def test_sign_in_itself_needs_the_csrfcsrf_token_in(browser, staff):
    browser.get("/sign-in")
    response = browser.post("/sign-in", data={"username": "a.patel", "password": STAFF_PASSWORD})
    assert response.status_code == 403


def test_signing_out_ends_the_session(browser, staff):
    _sign_in(browser)
    token = csrf_token_in(browser.get("/glossary").text)
    assert browser.post("/sign-out", data={"csrf_token": token}).status_code == 303
    assert browser.get("/glossary").status_code == 303


def test_a_copy_of_the_cookie_taken_before_signing_out_no_longer_signs_in(app, browser, staff):
    _sign_in(browser)
    copied = dict(browser.cookies)
    token = csrf_token_in(browser.get("/glossary").text)
    browser.post("/sign-out", data={"csrf_token": token})
    thief = TestClient(app, base_url="https://testserver", follow_redirects=False, cookies=copied)
    assert thief.get("/glossary").status_code == 303


def test_signing_out_on_one_device_ends_the_sessions_on_others(app, browser, staff):
    other = TestClient(app, base_url="https://testserver", follow_redirects=False)
    _sign_in(browser)
    _sign_in(other)
    browser.post("/sign-out", data={"csrf_token": csrf_token_in(browser.get("/glossary").text)})
    assert other.get("/glossary").status_code == 303


def test_an_ended_session_cannot_sign_out_the_sessions_that_came_after_it(app, browser, staff):
    _sign_in(browser)
    old_page_token = csrf_token_in(browser.get("/glossary").text)
    stale = dict(browser.cookies)
    browser.post("/sign-out", data={"csrf_token": old_page_token})  # signed out: the session above has ended
    now = TestClient(app, base_url="https://testserver", follow_redirects=False)
    _sign_in(now)
    leftover = TestClient(app, base_url="https://testserver", follow_redirects=False, cookies=stale)
    leftover.post("/sign-out", data={"csrf_token": old_page_token})  # an old tab's Sign out button
    assert now.get("/glossary").status_code == 200


def test_a_session_ends_a_working_day_after_signing_in_however_busy(browser, staff, monkeypatch):
    _sign_in(browser)
    signed_in_at = time.time()
    monkeypatch.setattr(time, "time", lambda: signed_in_at + SESSION_SECONDS - 60)
    assert browser.get("/glossary").status_code == 200  # a request near the end does not extend it
    monkeypatch.setattr(time, "time", lambda: signed_in_at + SESSION_SECONDS + 1)
    assert browser.get("/glossary").status_code == 303


def test_a_disabled_account_is_signed_out_at_its_next_request(browser, staff):
    _sign_in(browser)
    staff.disable("a.patel")
    assert browser.get("/glossary").status_code == 303


def test_the_glossary_shows_every_agreed_definition(browser, staff):
    _sign_in(browser)
    page = browser.get("/glossary").text
    assert all(f'id="{d.id}"' in page for d in load_policy().definitions.definitions)


def test_the_rules_page_lists_every_routing_rule_in_order(browser, staff):
    _sign_in(browser)
    page = browser.get("/rules").text
    positions = [page.index(rule.id) for rule in load_policy().rules.routing]
    assert positions == sorted(positions)


def test_pages_load_their_styles_and_scripts_from_this_server(browser, staff):
    _sign_in(browser)
    page = browser.get("/glossary").text
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert browser.get("/static/govuk-frontend/govuk-frontend-council.min.css").status_code == 200


def test_passwords_are_kept_as_argon2id_hashes_only(staff, app):
    with app.state.services.store.db.connect() as conn:
        [stored] = conn.execute(select(tables.staff_users.c.password_hash)).scalars().all()
    assert stored.startswith("$argon2id$") and STAFF_PASSWORD not in stored


@pytest.mark.parametrize(
    ("username", "role", "password", "field"),
    [
        ("a.patel", Role.FRONT_DOOR, STAFF_PASSWORD, "username"),  # taken
        ("Bad Name", Role.FRONT_DOOR, STAFF_PASSWORD, "username"),
        ("b.jones", Role.PARTNER, STAFF_PASSWORD, "role"),  # partners use API keys
        ("b.jones", Role.AUDITOR, "short", "password"),
    ],
)
def test_an_account_that_cannot_be_created_names_the_field(staff, username, role, password, field):
    with pytest.raises(StaffError, match=f"^{field}:"):
        staff.create(username, "B. Jones", role, password)
