"""The referral intake form: members added and removed, errors beside their fields, a decision at the end."""

from __future__ import annotations

import pytest

from triage.audit.events import DecisionQuery
from triage.intake import FieldError
from triage.web.referral_form import field_id, message

from support import csrf_token_in, signed_in_browser


def _form(browser, **fields) -> dict[str, str]:
    token = csrf_token_in(browser.get("/referrals/new").text)
    return {
        "csrf_token": token,
        "referral_id": "FD-TEST-1",
        "received_date": "2026-11-20",
        "received_time": "10:15",
        "referrer_agency": "school",
        "consent_given": "yes",
        "postcode": "S5 7AU",
        "member-0-id": "m1",
        "member-0-role": "parent_carer",
        "member-0-age": "36",
        "member-0-employment-out_of_work_benefits": "yes",
        "member-1-id": "m2",
        "member-1-role": "child",
        "member-1-age": "12",
        "member-1-school-attendance_pct": "82.5",
        "action": "submit",
        **fields,
    }


def test_a_referral_entered_on_the_form_is_triaged_and_shows_its_decision(app):
    browser = signed_in_browser(app, "a.patel")
    response = browser.post("/referrals/new", data=_form(browser))
    assert response.status_code == 303
    page = browser.get(response.headers["location"]).text
    assert "Referral FD-TEST-1" in page and "persistent absence" in page


def test_a_referral_entered_on_the_form_is_recorded_as_from_that_member_of_staff(app):
    browser = signed_in_browser(app, "a.patel")
    browser.post("/referrals/new", data=_form(browser))
    [recorded] = app.state.services.store.queries.find_decisions(DecisionQuery(referral_id="FD-TEST-1"))
    assert recorded.body["caller"] == "staff:a.patel"  # a namespace no API key can take


def test_an_invalid_attendance_figure_is_shown_beside_its_field_and_the_form_keeps_what_was_typed(app):
    browser = signed_in_browser(app, "a.patel")
    response = browser.post("/referrals/new", data=_form(browser, **{"member-1-school-attendance_pct": "120"}))
    page = response.text
    assert response.status_code == 400 and "There is a problem" in page
    assert 'href="#member-1-school-attendance_pct"' in page and 'id="member-1-school-attendance_pct-error"' in page
    assert 'value="120"' in page and 'value="S5 7AU"' in page
    assert "Attendance (%) for member 2 must be 100 or less" in page  # the field named, in plain words


def test_a_figure_that_is_not_a_number_is_named_before_validation(app):
    browser = signed_in_browser(app, "a.patel")
    page = browser.post("/referrals/new", data=_form(browser, **{"member-1-school-attendance_pct": "eighty"})).text
    assert 'id="member-1-school-attendance_pct-error"' in page and "Enter a number" in page


def test_members_can_be_added_and_removed_without_losing_what_was_typed(app):
    browser = signed_in_browser(app, "a.patel")
    added = browser.post("/referrals/new", data=_form(browser, action="add")).text
    assert 'name="member-2-role"' in added and 'value="S5 7AU"' in added
    removed = browser.post("/referrals/new", data=_form(browser, action="remove-0")).text
    assert 'name="member-1-role"' not in removed and 'value="82.5"' in removed


def test_a_role_that_may_not_enter_referrals_is_refused(app):
    assert signed_in_browser(app, "i.audit").get("/referrals/new").status_code == 403


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("household.members[1].school.attendance_pct", "member-1-school-attendance_pct"),
        ("household.members[0].age", "member-0-age"),
        ("household.postcode", "postcode"),
        ("household.housing.homeless", "housing-homeless"),
        ("referrer.agency", "referrer_agency"),
        ("received_at", "received_date"),
        ("household.members", "members"),
        ("narrative", "narrative"),
    ],
)
def test_a_contract_error_path_points_at_its_form_field(path, field):
    assert field_id(path) == field


@pytest.mark.parametrize("action", ["remove-5", "remove-²", "remove-", "nonsense"])
def test_a_forged_action_never_breaks_the_form(app, action):
    browser = signed_in_browser(app, "a.patel")
    response = browser.post("/referrals/new", data=_form(browser, action=action))
    assert response.status_code in (303, 400, 200)


def test_a_member_number_too_long_to_be_a_member_is_ignored(app):
    browser = signed_in_browser(app, "a.patel")
    response = browser.post("/referrals/new", data=_form(browser, **{"member-" + "9" * 5000 + "-age": "3"}))
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("path", "reason", "said"),
    [
        (
            "household.members[0].age",
            "Input should be greater than or equal to 0",
            "Age for member 1 must be 0 or more",
        ),
        (
            "household.members[2].offending.asb_incidents_12m",
            "Input should be greater than or equal to 0",
            "Anti-social behaviour incidents (12 months) for member 3 must be 0 or more",
        ),
        (
            "referral_id",
            "String should match pattern '^[A-Za-z0-9._-]{1,64}$'",
            "Referral reference can only use letters, numbers, '.', '_' and '-' (up to 64 characters)",
        ),
        (
            "household.members[1].age",
            "a member with role 'child' must be under 18 (got 30)",
            "A member with role 'child' must be under 18 (got 30)",
        ),
    ],
)
def test_contract_errors_are_said_in_plain_words_naming_the_field(path, reason, said):
    assert message(FieldError(path, reason)) == said


def test_other_contract_messages_still_name_their_field():
    said = message(FieldError("household.members[0].employment.neet", "Input should be a valid boolean"))
    assert said == "Not in education, employment or training (NEET) for member 1: input should be a valid boolean"


# --- what arrives on the form arrives now: its date, and text that can be recorded ----------------
# The test app's clock reads support.TEST_NOW (2026-11-20 10:20 UTC).


def _decisions(app) -> list:
    return app.state.services.store.queries.find_decisions(DecisionQuery())


@pytest.mark.parametrize(("day", "time"), [("2000-11-20", "10:15"), ("2026-11-20", "10:30")], ids=["in-2000", "ahead"])
def test_a_date_received_outside_the_window_is_shown_beside_the_date_and_nothing_is_recorded(app, day, time):
    browser = signed_in_browser(app, "a.patel")
    response = browser.post("/referrals/new", data=_form(browser, received_date=day, received_time=time))
    assert response.status_code == 400 and 'id="received_date-error"' in response.text
    assert "The date received must be within the last 90 days and no more than 5 minutes ahead of now" in response.text
    assert _decisions(app) == []


def test_a_control_character_in_the_referrers_name_is_named_and_nothing_is_recorded(app):
    browser = signed_in_browser(app, "a.patel")
    response = browser.post("/referrals/new", data=_form(browser, referrer_name="A.\x00Teacher"))
    assert response.status_code == 400 and 'id="referrer_name-error"' in response.text
    assert "Referrer&#39;s name must not contain control characters or unpaired surrogates" in response.text
    assert _decisions(app) == []


def test_a_narrative_typed_over_several_lines_is_taken(app):
    browser = signed_in_browser(app, "a.patel")
    response = browser.post("/referrals/new", data=_form(browser, narrative="Seen at school.\r\nMum asked for help."))
    assert response.status_code == 303


def test_names_typed_on_the_form_name_the_family_on_its_decision(app):
    browser = signed_in_browser(app, "a.patel")
    names = {"member-1-given_name": "Jayden", "member-1-family_name": "Smith", "member-1-date_of_birth": "2014-03-02"}
    response = browser.post("/referrals/new", data=_form(browser, address_line_1="4 High Street", **names))
    page = browser.get(response.headers["location"]).text
    assert "Jayden (age 12) attended 82.5%" in page


def test_a_date_of_birth_typed_the_uk_way_is_shown_beside_its_field(app):
    browser = signed_in_browser(app, "a.patel")
    response = browser.post("/referrals/new", data=_form(browser, **{"member-1-date_of_birth": "02/03/2014"}))
    assert response.status_code == 400 and 'id="member-1-date_of_birth-error"' in response.text
    assert 'value="02/03/2014"' in response.text and _decisions(app) == []


def test_an_nhs_number_with_a_wrong_check_digit_is_said_in_the_forms_words(app):
    browser = signed_in_browser(app, "a.patel")
    response = browser.post("/referrals/new", data=_form(browser, **{"member-1-nhs_number": "943 476 5918"}))
    assert response.status_code == 400 and 'id="member-1-nhs_number-error"' in response.text
    assert "NHS number for member 2 is not a valid NHS number" in response.text
