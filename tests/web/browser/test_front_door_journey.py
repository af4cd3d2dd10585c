"""The front door team's day, in a real browser: sign in, enter a referral, read the decision,
override it with a reason, find the override in the history; a form error; a role that may not override."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect


def _enter_referral(page, referral_id: str, attendance: str) -> None:
    page.goto("/referrals/new")
    page.get_by_label("Referral reference").fill(referral_id)
    page.get_by_label("Referring agency").select_option("school")
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Postcode").fill("S5 7AU")
    page.get_by_label("Role in the household").select_option("parent_carer")
    page.get_by_label("Age", exact=True).fill("36")
    page.get_by_role("button", name="Add another member").click()
    second = page.locator("fieldset", has_text="Member 2")
    second.get_by_label("Role in the household").select_option("child")
    second.get_by_label("Age", exact=True).fill("12")
    second.locator("summary", has_text="School").click()
    second.get_by_label("Attendance (%)").fill(attendance)
    first = page.locator("fieldset", has_text="Member 1")
    first.locator("summary", has_text="Employment").click()
    first.get_by_label("Out of work benefits").check()
    page.get_by_role("button", name="Triage this referral").click()


def test_enter_a_referral_see_the_decision_override_it_and_find_it_in_the_history(page, sign_in, screenshots):
    sign_in("a.patel")
    _enter_referral(page, "FD-BROWSER-1", "82.5")
    expect(page.get_by_text("Referral FD-BROWSER-1")).to_be_visible()
    expect(page.get_by_text("persistent absence", exact=False).first).to_be_visible()
    page.screenshot(path=screenshots / "decision.png", full_page=True)

    page.get_by_role("button", name="Override this decision").click()
    page.get_by_label("New route").select_option("bsf")
    page.get_by_label("Why (your professional judgement)").fill("Already known to the BSF team")
    page.screenshot(path=screenshots / "override.png", full_page=True)
    page.get_by_role("button", name="Record the override").click()
    expect(page.get_by_text("Already known to the BSF team")).to_be_visible()

    page.get_by_role("link", name="View the audit history").click()
    expect(page.get_by_role("cell", name="Already known to the BSF team")).to_be_visible()
    expect(page.get_by_role("cell", name="A. Patel (staff:a.patel)")).to_be_visible()
    page.screenshot(path=screenshots / "history.png", full_page=True)


def test_an_invalid_attendance_figure_is_shown_at_the_top_and_beside_the_field(page, sign_in, screenshots):
    sign_in("a.patel")
    _enter_referral(page, "FD-BROWSER-2", "120")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(page.locator("#member-1-school-attendance_pct-error")).to_be_visible()
    expect(page.locator("#member-1-school-attendance_pct")).to_have_value("120")
    page.screenshot(path=screenshots / "intake-error.png", full_page=True)
    summary.get_by_role("link").first.click()  # the summary's link takes the keyboard to the field
    expect(page.locator("#member-1-school-attendance_pct")).to_be_focused()


def test_a_policy_lead_sees_no_override_button_and_the_server_refuses_one(page, sign_in, server):
    sign_in("a.patel")
    _enter_referral(page, "FD-BROWSER-3", "95")
    decision_url = page.url
    page.get_by_role("button", name="Sign out").click()
    sign_in("p.lead")
    page.goto(decision_url)
    expect(page.get_by_role("button", name="Override this decision")).to_have_count(0)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = page.request.post(
        f"{decision_url}/override", form={"route": "bsf", "reason": "I would like to", "csrf_token": token}
    )
    assert refused.status == 403


def test_the_main_pages_render_for_the_screenshots(page, sign_in, screenshots):
    page.goto("/sign-in")
    page.screenshot(path=screenshots / "sign-in.png", full_page=True)
    sign_in("a.patel")
    for path, name in (
        ("/referrals/new", "intake"),
        ("/queue", "queue"),
        ("/glossary", "glossary"),
        ("/rules", "rules"),
    ):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert not re.search(r"Traceback|Internal Server Error", page.content())
        page.screenshot(path=screenshots / f"{name}.png", full_page=True)


def test_a_policy_lead_reads_the_costs_and_benefits_and_downloads_the_report(page, sign_in, screenshots):
    sign_in("a.patel")
    _enter_referral(page, "FD-BROWSER-4", "82.5")
    expect(page.get_by_role("link", name="Costs and benefits")).to_have_count(0)  # not for the front door team
    page.get_by_role("button", name="Sign out").click()
    sign_in("p.lead")
    page.get_by_role("link", name="Costs and benefits").click()
    expect(page.get_by_text("Fiscal return per £1")).to_be_visible()
    expect(page.get_by_role("table", name="Who pays and who saves (present values)")).to_be_visible()
    page.screenshot(path=screenshots / "costs.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the full report").click()
    assert "<svg" in Path(download.value.path()).read_text(encoding="utf-8")
