"""Security headers on every response: staff pages, their errors and static files, the API, its
errors, and the API documentation (whose one inline script is allowed by its hash, no other)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from triage.access import Role
from triage.access.staff import StaffStore

from support import STAFF_PASSWORD, signed_in_browser

FIXED = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def assert_secured(response, *directives: str) -> str:
    """The fixed headers are there, and the policy has each of ``directives``; the policy."""
    assert {name: response.headers.get(name) for name in FIXED} == FIXED
    policy = response.headers["content-security-policy"]
    assert [d for d in ("frame-ancestors 'none'", *directives) if d not in policy] == []
    return policy


@pytest.fixture
def staff_browser(app):
    StaffStore(app.state.services.store.db).create("a.patel", "A. Patel", Role.FRONT_DOOR, STAFF_PASSWORD)
    return signed_in_browser(app, "a.patel")


def test_the_sign_in_page_forbids_inline_script_and_framing(client):
    policy = assert_secured(client.get("/sign-in"), "default-src 'self'", "form-action 'self'", "base-uri 'none'")
    assert "unsafe-inline" not in policy and "script-src" not in policy  # scripts from this site only


def test_a_signed_in_page_has_the_page_policy(staff_browser):
    response = staff_browser.get("/queue")
    assert response.status_code == 200
    assert_secured(response, "default-src 'self'")


def test_the_pages_carry_no_inline_script(staff_browser):
    for path in ("/", "/queue", "/referrals/new", "/glossary", "/rules"):
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", staff_browser.get(path).text) == [], path


def test_a_page_error_has_the_headers(staff_browser):
    response = staff_browser.get("/decisions/no-such-decision", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert_secured(response, "default-src 'self'")


def test_a_static_file_has_the_headers(client):
    response = client.get("/static/govuk-frontend/govuk-frontend-council.min.css")
    assert response.status_code == 200
    assert_secured(response, "default-src 'none'")


def test_an_api_answer_may_load_nothing(client, front_door):
    response = client.get("/v1/definitions", headers=front_door.headers)
    assert response.status_code == 200
    assert_secured(response, "default-src 'none'")


def test_an_api_error_has_the_headers(client):
    response = client.get("/v1/decisions")
    assert response.status_code == 401
    assert_secured(response, "default-src 'none'")


def test_a_refused_body_has_the_headers(client, front_door):
    response = client.post(
        "/v1/referrals", content=b"x" * 2_000_000, headers={**front_door.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert_secured(response, "default-src 'none'")


def test_an_unexpected_error_has_the_headers(app, client, front_door, monkeypatch):
    def fail(decision_id):
        raise RuntimeError("boom")

    monkeypatch.setattr(app.state.services.store.queries, "history", fail)
    response = client.get("/v1/decisions/abc/history", headers=front_door.headers)
    assert response.status_code == 500
    assert_secured(response, "default-src 'none'")


def test_the_api_docs_allow_their_own_inline_script_by_hash_and_no_other(client):
    response = client.get("/docs")
    [script] = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = assert_secured(response, f"script-src 'self' 'sha256-{digest}';")
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_a_page_about_families_is_never_cached(staff_browser):
    assert staff_browser.get("/queue").headers["cache-control"] == "no-store"


def test_an_api_answer_is_never_cached(client, front_door):
    assert client.get("/v1/decisions", headers=front_door.headers).headers["cache-control"] == "no-store"


def test_a_static_file_may_be_cached(client):
    response = client.get("/static/govuk-frontend/govuk-frontend-council.min.css")
    assert (response.status_code, response.headers.get("cache-control")) == (200, None)
