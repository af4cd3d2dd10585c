"""Every form the pages accept by POST refuses a missing or forged CSRF token, and changes nothing.

The table below lists every POST form; a test walks the app's routes and fails if a form is added
without a row here. Each row is posted with the right token too, so the table is shown to reach
the handler (a row whose fields the handler refuses would make the 403 tests prove nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from support import STAFF_PASSWORD, build_referral, child, csrf_token_in, every_route, parent, signed_in_browser

INTAKE = {
    "referral_id": "FD-CSRF-1",
    "received_date": "2026-11-20",
    "received_time": "10:15",
    "referrer_agency": "school",
    "consent_given": "yes",
    "postcode": "S5 7AU",
    "member-0-id": "m1",
    "member-0-role": "parent_carer",
    "member-0-age": "36",
    "member-0-employment-out_of_work_benefits": "yes",
    "action": "submit",
}


@dataclass(frozen=True)
class Form:
    """One POST form: its route, what a member of staff fills in, and what it does when accepted."""

    route: str
    fields: dict[str, str] = field(default_factory=dict)
    signed_in: bool = True  # sign-in is the one form posted before signing in
    new_events: int = 0  # audit events an accepted post records
    decision: str = "decision_id"  # which of the ids is the route's decision (one linked already, to unlink)

    def path(self, ids: dict[str, str]) -> str:
        return self.route.format(**{**ids, "decision_id": ids[self.decision]})


FORMS = {
    "sign-in": Form("/sign-in", {"username": "a.patel", "password": STAFF_PASSWORD}, signed_in=False),
    "sign-out": Form("/sign-out"),
    "intake": Form("/referrals/new", INTAKE, new_events=1),
    "override": Form("/decisions/{decision_id}/override", {"route": "bsf", "reason": "Known to BSF"}, new_events=1),
    "close": Form("/decisions/{decision_id}/close", {"reason": "Working with MAST"}, new_events=1),
    "confirm-family": Form(
        "/decisions/{decision_id}/family/confirm", {"target": "{other_id}", "note": "The same family"}, new_events=1
    ),
    "reject-family": Form(
        "/decisions/{decision_id}/family/reject", {"target": "{other_id}", "reason": "Another family"}, new_events=1
    ),
    "unlink-family": Form(
        "/decisions/{decision_id}/family/unlink",
        {"target": "{household_id}", "reason": "Linked by mistake"},
        new_events=1,
        decision="linked_id",
    ),
}


def test_the_table_lists_every_post_form(app):
    """The partner API (/v1) authenticates each call with a key, not a cookie: it needs no token."""
    forms = {
        route.path
        for route in every_route(app.routes)
        if isinstance(route, APIRoute) and "POST" in route.methods and not route.path.startswith("/v1/")
    }
    assert forms == {form.route for form in FORMS.values()}


def _decided(app: FastAPI, referral_id: str) -> str:
    referral = build_referral(
        parent(employment={"out_of_work_benefits": True}),
        child(school={"attendance_pct": 80.0}),
        referral_id=referral_id,
    )
    return app.state.services.front_door.decide(referral).decision_id


@pytest.fixture
def decision_id(app: FastAPI) -> str:
    return _decided(app, "WEB-CSRF")


@pytest.fixture
def ids(app: FastAPI, decision_id: str) -> dict[str, str]:
    """What the table's routes and fields name: the decision, an earlier one to link it with, and a
    referral linked into a household already (to take out of it)."""
    linked, earlier = _decided(app, "WEB-CSRF-LINKED"), _decided(app, "WEB-CSRF-LINKED-EARLIER")
    household = app.state.services.households.confirm(linked, earlier, "A. Patel", "the same family").household_id
    return {
        "decision_id": decision_id,
        "other_id": _decided(app, "WEB-CSRF-EARLIER"),
        "linked_id": linked,
        "household_id": household,
    }


def _filled(form: Form, ids: dict[str, str]) -> dict[str, str]:
    return {name: value.format(**ids) for name, value in form.fields.items()}


def _browser(app: FastAPI, form: Form) -> TestClient:
    """A browser ready to post ``form``, holding a session (and so a CSRF token) of its own."""
    if form.signed_in:
        return signed_in_browser(app, "a.patel")
    browser = TestClient(app, base_url="https://testserver", follow_redirects=False)
    browser.get("/sign-in")
    return browser


def _events(app: FastAPI) -> int:
    return len(list(app.state.services.store.queries.events()))


def _signed_in(browser: TestClient) -> bool:
    return browser.get("/glossary").status_code == 200


def _other_sessions_token(app: FastAPI) -> str:
    """A real token, but of someone else's session (what a forging page could have obtained)."""
    return csrf_token_in(signed_in_browser(app, "p.lead").get("/glossary").text)


BAD_TOKENS = {
    "missing": lambda app: None,
    "forged": lambda app: "forged-" + "x" * 36,
    "another-session": _other_sessions_token,
}


@pytest.mark.parametrize("bad", sorted(BAD_TOKENS))
@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_post_without_the_sessions_token_is_refused_and_records_nothing(app, ids, name, bad):
    form = FORMS[name]
    browser = _browser(app, form)
    token = BAD_TOKENS[bad](app)
    data = _filled(form, ids) if token is None else {**_filled(form, ids), "csrf_token": token}
    before = _events(app)
    response = browser.post(form.path(ids), data=data)
    assert response.status_code == 403
    assert _events(app) == before
    assert _signed_in(browser) == form.signed_in  # neither signed in nor signed out by it


@pytest.mark.parametrize("name", sorted(FORMS))
def test_the_same_post_with_the_sessions_token_is_accepted(app, ids, name):
    form = FORMS[name]
    browser = _browser(app, form)
    page = "/glossary" if form.signed_in else "/sign-in"
    token = csrf_token_in(browser.get(page).text)
    before = _events(app)
    response = browser.post(form.path(ids), data={**_filled(form, ids), "csrf_token": token})
    assert response.status_code == 303, response.text
    assert _events(app) == before + form.new_events
    if name in ("sign-in", "sign-out"):
        assert _signed_in(browser) == (name == "sign-in")
