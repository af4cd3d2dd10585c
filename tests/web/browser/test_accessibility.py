"""Every staff page, in each state a person meets it in, checked by axe-core in a real browser
against the WCAG 2.0 and 2.1 level A and AA rules, and axe's best practices (one main landmark,
all content in landmarks, heading order, a skip link that works, ...): no violation allowed.

The pages are reached as a person reaches them (signed in through the form, referrals entered
through the form, forms sent with mistakes in them) on a real ``triage serve``, with GOV.UK
Frontend's JavaScript run, so axe sees what a screen reader would. A test below fails when a GET
page of ``triage.web`` has no state here, so a new page cannot go unchecked.

axe-core comes bundled with axe-playwright-python (no download at test time). Its script is
injected with ``page.evaluate``, which goes through the DevTools protocol and so runs under the
pages' strict Content-Security-Policy: no ``bypass_csp`` is needed, and the pages are checked
with their real policy (``test_axe_runs_under_the_pages_policy_and_finds_a_violation``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi.routing import APIRoute
from playwright.sync_api import Page, expect

from support import every_route

# WCAG 2.0 and 2.1, levels A and AA; and the best practices, for what the WCAG rules leave to them
# (landmarks, heading order, the skip link's target): GOV.UK pages meet both
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE = Axe()


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations of the ``RULES`` on the page as it is now."""
    options = {"runOnly": {"type": "tag", "values": RULES}, "resultTypes": ["violations"]}
    return AXE.run(page, options=options).response["violations"]


def described(found: list[dict[str, Any]]) -> str:
    """Each violation's rule, impact and help, and the selectors of the nodes that fail it."""
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {' '.join(node['target'])}: {node.get('failureSummary', '')}" for node in v["nodes"])
        for v in found
    )


def assert_accessible(page: Page) -> None:
    """No violation of the ``RULES`` on the page (after GOV.UK Frontend's script has run, where it runs)."""
    found = violations(page)
    assert not found, f"{page.url}:\n{described(found)}"


# --- The family the pages are about: referrals entered through the form, once for the module ----


@dataclass(frozen=True)
class Cases:
    """The decisions (by id) whose pages show each state."""

    first: str  # the Okafors' first referral
    linked: str  # their second, confirmed as the same family: referred again, another open case
    matched: str  # their third, not yet linked: a possible match to confirm or reject
    unnamed: str  # a referral naming no one: nothing to match it with
    closed: str  # overridden, then closed
    household: str  # the Okafors' household id


# not the Smiths of the other browser tests, which share the server: neither family matches the other
OKAFORS = [
    {
        "role": "parent_carer",
        "given_name": "Grace",
        "family_name": "Okafor",
        "date_of_birth": "1987-09-30",
        "age": "39",
    },
    {
        "role": "child",
        "given_name": "Daniel",
        "family_name": "Okafor",
        "date_of_birth": "2016-01-18",
        "nhs_number": "401 023 2137",
        "age": "10",
        "school-attendance_pct": "82.5",
    },
]
UNNAMED = [{"role": "parent_carer", "age": "30"}, {"role": "child", "age": "8", "school-attendance_pct": "95"}]


def _enter(page: Page, referral_id: str, members: list[dict[str, str]]) -> str:
    """Enter a referral through the form; the id of its decision."""
    page.goto("/referrals/new")
    page.fill("#referral_id", referral_id)
    page.select_option("#referrer_agency", "school")
    page.fill("#referrer_name", "A. Teacher")
    page.fill("#referrer_email", "a.teacher@hillside.sch.uk")
    page.check("#consent_given-yes")
    page.fill("#address_line_1", "3 Valley Road")
    page.fill("#postcode", "S6 2LB")
    for i, member in enumerate(members):
        if i:
            page.get_by_role("button", name="Add another member").click()
        page.locator(f"#member-{i}-role").select_option(member["role"])
        for name, value in member.items():
            if name != "role":
                page.locator(f"#member-{i}-{name}").evaluate("(field, value) => { field.value = value }", value)
    page.get_by_role("button", name="Triage this referral").click()
    expect(page.get_by_text(f"Referral {referral_id}")).to_be_visible()
    return page.url.rsplit("/", 1)[1].split("?")[0]


@pytest.fixture(scope="module")
def cases(chromium, server, sign_in_page) -> Cases:
    """The Okafors referred three times (the second confirmed as their household), one referral naming
    no one, and one overridden and closed: entered through the pages, as the front door would."""
    context = chromium.new_context(base_url=server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in_page(page, "a.patel")
        first = _enter(page, "AXE-OKAFOR-1", OKAFORS)
        linked = _enter(page, "AXE-OKAFOR-2", OKAFORS)
        page.get_by_role("button", name="Confirm: this is the same family").first.click()
        household = page.get_by_role("link", name="See the household's people and history").get_attribute("href")
        matched = _enter(page, "AXE-OKAFOR-3", OKAFORS)
        unnamed = _enter(page, "AXE-UNNAMED-1", UNNAMED)
        closed = _enter(page, "AXE-CLOSED-1", UNNAMED)
        page.goto(f"/decisions/{closed}/override")
        page.select_option("#route", "bsf")
        page.fill("#reason", "Already known to the BSF team")
        page.get_by_role("button", name="Record the override").click()
        page.goto(f"/decisions/{closed}/close")
        page.fill("#reason", "The BSF team has the family")
        page.get_by_role("button", name="Close the case").click()
        expect(page.get_by_text("Case closed")).to_be_visible()
    finally:
        context.close()
    assert household is not None
    return Cases(first, linked, matched, unnamed, closed, household.rsplit("/", 1)[1])


# --- Each page in each state: who is signed in, and how the page is brought to that state -------


@dataclass(frozen=True)
class State:
    """A page in one state: the route (as ``triage.web`` declares it) that answers it, who is
    signed in (None: no one), and the steps that bring the page to the state and check it is there.
    ``reach`` returns the path that answered when the page shown is not at it (a download)."""

    name: str
    route: str
    user: str | None
    reach: Callable[[Page, Cases], str | None]


def _go(path: Callable[[Cases], str], shows: str) -> Callable[[Page, Cases], None]:
    """Open the page at ``path`` and check it shows ``shows``."""

    def reach(page: Page, cases: Cases) -> None:
        page.goto(path(cases))
        expect(page.get_by_text(shows).first).to_be_visible()

    return reach


def _sign_in_refused(page: Page, _: Cases) -> None:
    page.goto("/sign-in")
    page.fill("#username", "a.patel")
    page.fill("#password", "not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()


def _on_a_phone(page: Page, _: Cases) -> None:
    """A narrow screen: the menu and the header as they stack there (contrast, overlaps)."""
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/")
    expect(page.get_by_role("link", name="Enter a referral")).to_be_visible()


def _form_with_errors(page: Page, _: Cases) -> None:
    page.goto("/referrals/new")
    page.fill("#postcode", "not a postcode")
    page.get_by_role("button", name="Triage this referral").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()


def _form_with_details_open(page: Page, _: Cases) -> None:
    page.goto("/referrals/new")
    page.get_by_role("button", name="Add another member").click()
    for summary in page.locator("summary").all():
        summary.click()
    expect(page.locator("details:not([open])")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove member 2")).to_be_visible()


def _family_form_error(page: Page, cases: Cases) -> None:
    page.goto(f"/decisions/{cases.matched}")
    page.get_by_role("button", name="Not the same family").first.click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()


def _override_with_errors(page: Page, cases: Cases) -> None:
    page.goto(f"/decisions/{cases.unnamed}/override")
    page.get_by_role("button", name="Record the override").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()


def _close_as_duplicate(page: Page, cases: Cases) -> None:
    page.goto(f"/decisions/{cases.linked}/close?merged_with={cases.first}")
    expect(page.locator("#reason")).to_have_value(re.compile("^Merged with the open case of"))


def _close_with_error(page: Page, cases: Cases) -> None:
    page.goto(f"/decisions/{cases.unnamed}/close")
    page.get_by_role("button", name="Close the case").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()


def _form_expired(page: Page, cases: Cases) -> str:
    """A form sent with a session's token that no longer holds (a form left open while signed out)."""
    page.goto(f"/decisions/{cases.unnamed}/close")
    page.locator("main input[name=csrf_token]").evaluate("field => { field.value = 'expired' }")
    page.fill("#reason", "Needs met")
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_role("heading", name="This form has expired")).to_be_visible()
    return "/decisions/{decision_id}/close"


def _downloaded_report(page: Page, _: Cases) -> str:
    """The full report, opened as a person opens the file downloaded from the costs page."""
    page.goto("/costs")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the full report").click()
    saved = Path(download.value.path()).with_name(download.value.suggested_filename)
    download.value.save_as(saved)
    page.goto(saved.as_uri())
    expect(page.locator("h1")).to_be_visible()
    return "/costs/report.html"


LONG_QUERY = "Okafor " * 30

STATES = [
    State("sign-in", "/sign-in", None, _go(lambda c: "/sign-in", "Sign in")),
    State("sign-in refused", "/sign-in", None, _sign_in_refused),
    State("home", "/", "a.patel", _go(lambda c: "/", "Family front door triage")),
    State("home on a phone", "/", "a.patel", _on_a_phone),
    State("referral form", "/referrals/new", "a.patel", _go(lambda c: "/referrals/new", "Enter a referral")),
    State("referral form with errors", "/referrals/new", "a.patel", _form_with_errors),
    State("referral form, two members, details open", "/referrals/new", "a.patel", _form_with_details_open),
    State(
        "decision naming no one",
        "/decisions/{decision_id}",
        "a.patel",
        _go(lambda c: f"/decisions/{c.unnamed}", "cannot be matched"),
    ),
    State(
        "decision with a possible match",
        "/decisions/{decision_id}",
        "a.patel",
        _go(lambda c: f"/decisions/{c.matched}", "Possible match: the Okafor household"),
    ),
    State("decision with a family form error", "/decisions/{decision_id}/family/reject", "a.patel", _family_form_error),
    State(
        "decision just linked: referred again, another open case",
        "/decisions/{decision_id}",
        "a.patel",
        _go(lambda c: f"/decisions/{c.linked}?done=linked", "Referred 2 times in 12 months"),
    ),
    State(
        "decision just said to be another family",
        "/decisions/{decision_id}",
        "a.patel",
        _go(lambda c: f"/decisions/{c.matched}?done=rejected", "You said this is a different family"),
    ),
    State(
        "decision overridden and closed",
        "/decisions/{decision_id}",
        "a.patel",
        _go(lambda c: f"/decisions/{c.closed}", "Case closed"),
    ),
    State(
        "decision for a policy lead (no family section)",
        "/decisions/{decision_id}",
        "p.lead",
        _go(lambda c: f"/decisions/{c.linked}", "Referral AXE-OKAFOR-2"),
    ),
    State(
        "override form",
        "/decisions/{decision_id}/override",
        "a.patel",
        _go(lambda c: f"/decisions/{c.unnamed}/override", "Override the decision"),
    ),
    State("override form with errors", "/decisions/{decision_id}/override", "a.patel", _override_with_errors),
    State(
        "close form",
        "/decisions/{decision_id}/close",
        "a.patel",
        _go(lambda c: f"/decisions/{c.unnamed}/close", "Why the case can be closed"),
    ),
    State("close form as a duplicate", "/decisions/{decision_id}/close", "a.patel", _close_as_duplicate),
    State("close form with an error", "/decisions/{decision_id}/close", "a.patel", _close_with_error),
    State(
        "audit history",
        "/decisions/{decision_id}/history",
        "a.patel",
        _go(lambda c: f"/decisions/{c.closed}/history", "Already known to the BSF team"),
    ),
    State("queue", "/queue", "a.patel", _go(lambda c: "/queue", "Referred 2 times in 12 months")),
    State("queue, nothing matches", "/queue", "a.patel", _go(lambda c: "/queue?route=camhs", "No referrals match")),
    State("search", "/search", "a.patel", _go(lambda c: "/search", "Search for a family")),
    State("search, results", "/search", "a.patel", _go(lambda c: "/search?q=Okafor", "people found")),
    State("search, no results", "/search", "a.patel", _go(lambda c: "/search?q=Zebedee", "no matching results")),
    State("search, an error", "/search", "a.patel", _go(lambda c: f"/search?q={LONG_QUERY}", "There is a problem")),
    State(
        "household",
        "/households/{household_id}",
        "a.patel",
        _go(lambda c: f"/households/{c.household}", "The Okafor household"),
    ),
    State("definitions", "/glossary", "a.patel", _go(lambda c: "/glossary", "Definitions")),
    State("rules and services", "/rules", "a.patel", _go(lambda c: "/rules", "How a referral is routed")),
    State("costs", "/costs", "p.lead", _go(lambda c: "/costs", "Fiscal return per £1")),
    State("costs, no decisions", "/costs", "p.lead", _go(lambda c: "/costs?until=2001-01-01", "No decisions")),
    State("costs, a date error", "/costs", "p.lead", _go(lambda c: "/costs?since=soon", "There is a problem")),
    State("costs report, downloaded", "/costs/report.html", "p.lead", _downloaded_report),
    State("403: a page the role may not see", "/search", "p.lead", _go(lambda c: "/search", "Forbidden")),
    State("403: a form expired", "/decisions/{decision_id}/close", "a.patel", _form_expired),
    State(
        "404: no such decision",
        "/decisions/{decision_id}",
        "a.patel",
        _go(lambda c: "/decisions/no-such-decision", "Not Found"),
    ),
    State(
        "404: no such household",
        "/households/{household_id}",
        "a.patel",
        _go(lambda c: "/households/H-NO-SUCH", "no household with this ID"),
    ),
]


def _answers(route: str, path: str) -> bool:
    """Whether ``route`` (a path with ``{parameters}``) is the one that answers ``path``."""
    return re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", route), path) is not None


@pytest.mark.parametrize("state", STATES, ids=[s.name for s in STATES])
def test_the_page_has_no_accessibility_violations(state: State, page: Page, sign_in, cases: Cases) -> None:
    if state.user:
        sign_in(state.user)
    answered = state.reach(page, cases) or re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]
    assert _answers(state.route, answered), f"{state.name}: {answered} is not {state.route}"
    assert_accessible(page)


def test_every_page_of_the_staff_pages_has_a_state_checked(app) -> None:
    """Every GET route of ``triage.web`` has a state above (and every state names a route of it:
    a form's error page is answered by its POST route)."""
    web = [
        route
        for route in every_route(app.routes)
        if isinstance(route, APIRoute) and route.endpoint.__module__.startswith("triage.web.")
    ]
    pages = {route.path for route in web if "GET" in route.methods}
    assert "/decisions/{decision_id}" in pages
    assert pages - {s.route for s in STATES} == set()
    assert {s.route for s in STATES} - {route.path for route in web} == set()


def test_axe_runs_under_the_pages_policy_and_finds_a_violation(page: Page, sign_in) -> None:
    """The check can fail: an image without a text alternative put on a page, under the page's own
    Content-Security-Policy, is reported (so a page passing is axe's verdict, not axe failing to run)."""
    sign_in("a.patel")
    answer = page.goto("/glossary")
    assert answer is not None and "default-src 'self'" in answer.headers["content-security-policy"]
    page.locator("main").evaluate("main => main.appendChild(document.createElement('img'))")
    found = violations(page)
    assert [v["id"] for v in found] == ["image-alt"]
    assert [node["target"] for node in found[0]["nodes"]] == [["img"]]
