"""Knowing the family, in a real browser: the front door enters the Smiths, then a second referral
with a name misspelt and the same NHS number; the second decision page proposes "the Smith
household", the worker confirms it, finds the family again by a misspelt surname, and reads the
household's page (both referrals in its timeline), on screen and as printed."""

from __future__ import annotations

from playwright.sync_api import expect


def _enter_the_smiths(page, referral_id: str, mother: str, son: tuple[str, str]) -> None:
    """A referral of the Smiths through the form: the mother and her son, named, with dates of birth."""
    page.goto("/referrals/new")
    page.get_by_label("Referral reference").fill(referral_id)
    page.get_by_label("Referring agency").select_option("school")
    page.get_by_label("Referrer's name (optional)").fill("A. Teacher")
    page.get_by_label("Referrer's role (optional)").fill("Attendance officer")
    page.get_by_label("Referrer's email address (optional)").fill("a.teacher@hillside.sch.uk")
    page.get_by_label("Referrer's phone number (optional)").fill("0114 496 0000")
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Address line 1 (optional)").fill("12 Hill Street")
    page.get_by_label("Town or city (optional)").fill("Sheffield")
    page.get_by_label("Postcode").fill("S5 7AU")
    first = page.locator("fieldset", has_text="Member 1")
    first.get_by_label("Role in the household").select_option("parent_carer")
    first.get_by_label("First name (optional)").fill(mother)
    first.get_by_label("Last name (optional)").fill("Smith")
    first.get_by_label("Date of birth (YYYY-MM-DD, optional)").fill("1990-04-12")
    first.get_by_label("Age", exact=True).fill("36")
    first.locator("summary", has_text="Employment").click()
    first.get_by_label("Out of work benefits").check()
    page.get_by_role("button", name="Add another member").click()
    second = page.locator("fieldset", has_text="Member 2")
    second.get_by_label("Role in the household").select_option("child")
    second.get_by_label("First name (optional)").fill(son[0])
    second.get_by_label("Last name (optional)").fill(son[1])
    second.get_by_label("Date of birth (YYYY-MM-DD, optional)").fill("2014-03-02")
    second.get_by_label("NHS number (optional)").fill("943 476 5919")
    second.get_by_label("Age", exact=True).fill("12")
    second.locator("summary", has_text="School").click()
    second.get_by_label("Attendance (%)").fill("82.5")
    page.get_by_role("button", name="Triage this referral").click()
    expect(page.get_by_text(f"Referral {referral_id}")).to_be_visible()


def test_a_second_referral_is_matched_confirmed_found_again_and_read_as_a_household(page, sign_in, screenshots):
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in("a.patel")
    _enter_the_smiths(page, "FD-SMITH-1", "Sarah", ("Jayden", "Smith"))
    _enter_the_smiths(page, "FD-SMITH-2", "Sara", ("Jayden", "Smyth"))  # misspelt, the same NHS number

    match = page.get_by_role("heading", name="Possible match: the Smith household, 1 earlier referral, 1 open case")
    expect(match).to_be_visible()
    expect(page.get_by_text("Jayden Smyth may be Jayden Smith (born 2 March 2014): same NHS number")).to_be_visible()
    page.screenshot(path=screenshots / "match.png", full_page=True)
    page.get_by_role("button", name="Confirm: this is the same family").click()
    expect(page.get_by_text("This referral is now part of the Smith household")).to_be_visible()
    expect(page.get_by_text("Referred 2 times in 12 months")).to_be_visible()

    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search for a family").fill("Smiht")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.get_by_role("table")
    expect(results.get_by_role("link", name="Jayden Smith").first).to_be_visible()
    expect(results.get_by_role("link", name="Sarah Smith")).to_be_visible()
    page.screenshot(path=screenshots / "search.png", full_page=True)

    results.get_by_role("link", name="Sarah Smith").click()
    expect(page.get_by_role("heading", name="The Smith household", level=1)).to_be_visible()
    expect(page.get_by_text("Referral reference: FD-SMITH-1")).to_be_visible()
    expect(page.get_by_text("Referral reference: FD-SMITH-2")).to_be_visible()
    expect(page.get_by_role("cell", name="Linked to this household")).to_be_visible()
    expect(page.get_by_role("cell", name="a.teacher@hillside.sch.uk").first).to_be_visible()
    page.screenshot(path=screenshots / "household.png", full_page=True)

    expect(page.get_by_text("Also recorded as Jayden Smith")).to_be_visible()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dots an inch
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Menu")).to_be_hidden()
    expect(page.get_by_role("heading", name="The Smith household", level=1)).to_be_visible()
    page.screenshot(path=screenshots / "household-print.png", full_page=True)
    assert violations == []


def test_a_policy_lead_has_no_search_and_is_refused_it(page, sign_in):
    sign_in("p.lead")
    expect(page.get_by_role("link", name="Search", exact=True)).to_have_count(0)
    assert page.goto("/search?q=Smith").status == 403
