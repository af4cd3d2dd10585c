"""The Costs and benefits page and its report download: for roles with APPRAISE only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from triage.costs.appraisal import appraise_cohort
from triage.costs.cohort import audit_cohort
from triage.costs.loader import load_cost_data
from triage.costs.report import money, ratio

from legacy_rows import record_unreadable
from support import SPEC_EXAMPLE, build_referral, child, parent, signed_in_browser

MENU_LINK = '<a class="govuk-service-navigation__link" href="/costs"'


@pytest.fixture
def decided(app):
    """One family decided (BSF), recorded in the app's audit log."""
    return app.state.services.front_door.decide(SPEC_EXAMPLE)


def test_the_page_shows_the_figures_for_the_families_decided(app, decided, policy):
    page = signed_in_browser(app, "p.lead").get("/costs")
    assert page.status_code == 200
    cohort = audit_cohort(app.state.services.store, None, None)
    summary = appraise_cohort(load_cost_data(policy), cohort, policy, draws=0)["summary"]
    assert money(summary["cost"]) in page.text and money(summary["fiscal_benefit"]) in page.text
    assert ratio(summary["bcr_fiscal"]) in page.text
    assert "No decisions were recorded" not in page.text


def test_a_period_with_no_decisions_says_so(app, decided):
    page = signed_in_browser(app, "p.lead").get("/costs", params={"since": "2000-01-01", "until": "2000-01-31"})
    assert page.status_code == 200
    assert "No decisions were recorded in that period." in page.text


@pytest.mark.parametrize("field", ["since", "until"])
def test_a_bad_date_gets_400_with_the_error_summary(app, decided, field):
    page = signed_in_browser(app, "p.lead").get("/costs", params={field: "1 April"})
    assert page.status_code == 400
    assert "There is a problem" in page.text
    assert f'<a href="#{field}">Enter a date like 2026-04-01</a>' in page.text
    assert 'value="1 April"' in page.text  # what was typed is kept


def test_the_report_downloads_as_an_attachment_with_its_charts(app, decided):
    response = signed_in_browser(app, "p.lead").get("/costs/report.html")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    assert "<svg" in response.text and "<script" not in response.text.lower()


def test_the_report_for_a_period_with_no_decisions_is_404(app, decided):
    response = signed_in_browser(app, "p.lead").get(
        "/costs/report.html", params={"since": "2000-01-01", "until": "2000-01-31"}
    )
    assert response.status_code == 404


def test_the_report_for_a_bad_date_is_400(app, decided):
    assert signed_in_browser(app, "p.lead").get("/costs/report.html", params={"until": "soon"}).status_code == 400


@pytest.mark.parametrize("path", ["/costs", "/costs/report.html"])
def test_a_front_door_user_may_not_see_the_costs(app, decided, path):
    assert signed_in_browser(app, "a.patel").get(path).status_code == 403


def test_the_menu_hides_costs_from_a_front_door_user(app):
    page = signed_in_browser(app, "a.patel").get("/glossary").text
    assert MENU_LINK not in page and "Costs and benefits" not in page


def test_the_menu_shows_costs_to_a_policy_lead(app):
    page = signed_in_browser(app, "p.lead").get("/glossary").text
    assert MENU_LINK in page and "Costs and benefits" in page


def test_the_costs_page_needs_a_signed_in_member_of_staff(app):
    browser = TestClient(app, base_url="https://testserver", follow_redirects=False)
    assert browser.get("/costs").status_code == 303


def test_a_period_with_no_key_working_family_says_there_is_nothing_to_appraise(app):
    safeguarding = build_referral(parent(), child(social_care={"child_protection_plan": True}), referral_id="CP-1")
    assert app.state.services.front_door.decide(safeguarding).route == "childrens_social_care"
    page = signed_in_browser(app, "p.lead").get("/costs")
    assert page.status_code == 200
    assert "Nothing to appraise: no family in the cohort is on a key working route" in page.text


def test_the_page_says_how_many_recorded_decisions_could_not_be_read(app, decided):
    record_unreadable(app.state.services.store)
    page = signed_in_browser(app, "p.lead").get("/costs")
    assert page.status_code == 200 and "1 recorded decision could not be read and was left out." in page.text
