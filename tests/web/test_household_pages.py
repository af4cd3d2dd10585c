"""The search page and a household's page: front door staff find a family (a misspelt name, open
and closed cases alike) and read its people, history and referrers; other roles are refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI

from triage.cases.service import Cases
from triage.models import Decision

from support import signed_in_browser, smiths

REFERRER = {
    "agency": "school",
    "name": "A. Teacher",
    "role": "attendance officer",
    "email": "a.teacher@hillside.sch.uk",
}


def _decide(app: FastAPI, data: dict) -> Decision:
    return app.state.services.front_door.decide(data)


def _linked(app: FastAPI, *referral_ids: str) -> tuple[str, list[Decision]]:
    """The Smiths referred once per id, every later referral linked to the first: (household id, decisions)."""
    decisions = [_decide(app, smiths(r, referrer=REFERRER)) for r in referral_ids]
    households = app.state.services.households
    household = ""
    for later in decisions[1:]:
        household = households.confirm(later.decision_id, decisions[0].decision_id, "A. Patel", "").household_id
    return household, decisions


def _text(html: str) -> str:
    """A page's words as a person reads them (tags dropped, white space collapsed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_search_finds_a_family_by_a_misspelt_surname(app_on_both):
    decided = _decide(app_on_both, smiths("R-1"))
    page = signed_in_browser(app_on_both, "a.patel").get("/search", params={"q": "Jayden Smiht"})
    assert page.status_code == 200
    words = _text(page.text)
    assert "Jayden Smith 2 March 2014 S5 7AU" in words and "Open" in words
    assert f'href="/decisions/{decided.decision_id}"' in page.text  # not linked yet: its referral


def test_a_search_result_of_a_linked_family_leads_to_its_household(app):
    household, _ = _linked(app, "R-1", "R-2")
    page = signed_in_browser(app, "a.patel").get("/search", params={"q": "Sarah Smith"}).text
    assert f'href="/households/{household}"' in page and "/decisions/" not in page


def test_search_finds_closed_cases_too(app):
    decided = _decide(app, smiths("R-1"))
    Cases(app.state.services.store).close(decided.decision_id, "needs met", "A. Patel")
    page = signed_in_browser(app, "a.patel").get("/search", params={"q": "9434765919"}).text
    assert "Jayden Smith" in page and "Closed" in _text(page) and "Same NHS number" in page


def test_a_search_that_finds_nothing_says_so_and_how_to_search_better(app):
    _decide(app, smiths("R-1"))
    page = signed_in_browser(app, "a.patel").get("/search", params={"q": "Zebedee Quill"}).text
    assert "There are no matching results for ‘Zebedee Quill’" in page and "Improve your results by" in page


def test_an_overlong_search_is_refused_with_an_error_summary(app):
    page = signed_in_browser(app, "a.patel").get("/search", params={"q": "Smith " * 50})
    assert page.status_code == 400
    assert "There is a problem" in page.text and "Enter 200 characters or fewer" in page.text
    assert page.text.count('href="#q"') == 1 and "<title>Error:" in page.text


def test_the_search_page_before_searching_shows_the_box_alone(app):
    page = signed_in_browser(app, "a.patel").get("/search").text
    assert 'type="search"' in page and "people found" not in page and "no matching results" not in page


def test_the_household_page_shows_its_people_history_and_referrers(app_on_both):
    household, (first, second) = _linked(app_on_both, "R-1", "R-2")
    Cases(app_on_both.state.services.store).close(first.decision_id, "Merged with the later referral", "A. Patel")
    page = signed_in_browser(app_on_both, "a.patel").get(f"/households/{household}")
    assert page.status_code == 200
    words = _text(page.text)
    assert "The Smith household" in words and f"Household {household}" in words
    assert "Sarah Smith Parent/carer 12 April 1990" in words
    assert "Jayden Smith Child 2 March 2014" in words and "943 476 5919" in words
    assert "12 Hill Street Sheffield S5 7AU" in words
    happened = re.findall(r"<strong>([^<]+)</strong><br>", page.text)
    assert happened == ["Referred", "Referred", "Linked to this household", "Case closed"]
    assert "Referral reference: R-1" in words and "By A. Patel: Merged with the later referral" in words
    assert "A. Teacher attendance officer a.teacher@hillside.sch.uk" in words


def test_a_person_recorded_by_another_name_shows_it(app):
    first = _decide(app, smiths("R-1"))
    second = _decide(app, smiths("R-2", son={"family_name": "Smyth"}))
    household = app.state.services.households.confirm(second.decision_id, first.decision_id, "A. Patel", "")
    page = _text(signed_in_browser(app, "a.patel").get(f"/households/{household.household_id}").text)
    assert "Jayden Smyth Also recorded as Jayden Smith Child" in page


def test_a_link_in_the_timeline_shows_what_matching_showed_the_worker(app):
    household, _ = _linked(app, "R-1", "R-2")
    page = _text(signed_in_browser(app, "a.patel").get(f"/households/{household}").text)
    assert "By A. Patel What matching showed: 2 of 2 people matched Same NHS number" in page


def test_a_household_page_gives_each_persons_age_today(app):
    household, _ = _linked(app, "R-1", "R-2")
    today = app.state.services.front_door.library.today(datetime.now(UTC))
    age = today.year - 2014 - ((today.month, today.day) < (3, 2))  # Jayden, born 2 March 2014
    page = _text(signed_in_browser(app, "a.patel").get(f"/households/{household}").text)
    assert f"Jayden Smith Child 2 March 2014 {age} years old" in page


def test_a_household_id_merged_into_another_leads_to_it(app_on_both):
    older, _ = _linked(app_on_both, "R-1", "R-2")
    younger, (_, later) = _linked(app_on_both, "R-3", "R-4")
    app_on_both.state.services.households.confirm(later.decision_id, older, "A. Patel", "")
    browser = signed_in_browser(app_on_both, "a.patel")
    moved = browser.get(f"/households/{younger}")
    assert (moved.status_code, moved.headers["location"]) == (303, f"/households/{older}")
    assert browser.get(f"/households/{older.lower()}").headers["location"] == f"/households/{older}"


def test_an_unknown_household_is_a_not_found_page(app):
    page = signed_in_browser(app, "a.patel").get("/households/H-00000000", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "There is no household with this ID" in page.text


def test_the_household_page_says_when_retention_erased_its_referrals_details(app):
    household, _ = _linked(app, "R-1", "R-2")
    app.state.services.store.log.purge(datetime.now(UTC) + timedelta(seconds=1), by="tests")
    page = signed_in_browser(app, "a.patel").get(f"/households/{household}").text
    assert "The details of 2 referrals were erased after the retention period" in page
    assert "Smith" not in page and "A. Teacher" not in page and "12 Hill Street" not in page


def test_the_household_page_has_a_print_stylesheet_that_leaves_out_menus_and_forms(app):
    household, _ = _linked(app, "R-1", "R-2")
    browser = signed_in_browser(app, "a.patel")
    page = browser.get(f"/households/{household}").text
    assert '<link rel="stylesheet" href="/static/triage/print.css" media="print">' in page
    css = browser.get("/static/triage/print.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    hidden = css.text.split("display: none")[0]
    assert all(part in hidden for part in (".govuk-service-navigation", ".govuk-button", "form"))
    assert "size: A4" in css.text


@pytest.mark.parametrize("username", ["p.lead", "i.audit"])
def test_other_roles_may_not_search_or_see_a_household(app, username):
    household, _ = _linked(app, "R-1", "R-2")
    browser = signed_in_browser(app, username)
    assert browser.get("/search", params={"q": "Smith"}).status_code == 403
    refused = browser.get(f"/households/{household}")
    assert refused.status_code == 403 and "Smith" not in refused.text
    assert 'href="/search"' not in browser.get("/queue").text  # and the menu offers no search


def test_the_menu_offers_front_door_staff_the_search(app):
    assert 'href="/search"' in signed_in_browser(app, "a.patel").get("/queue").text


def test_a_household_id_holding_a_control_character_is_not_found(app_on_both):
    page = signed_in_browser(app_on_both, "a.patel").get("/households/H-%00")
    assert page.status_code == 404


def test_the_search_page_title_never_holds_the_names_searched_for(app):
    page = signed_in_browser(app, "a.patel").get("/search", params={"q": "Jayden Smith"}).text
    assert "<title>Search for a family" in page and "Jayden" not in page.split("</title>")[0]


def test_a_search_holding_a_control_character_is_refused_with_a_reason(app):
    page = signed_in_browser(app, "a.patel").get("/search", params={"q": "Smith\x1b"})
    assert page.status_code == 400 and "Enter letters, numbers and punctuation only" in page.text
