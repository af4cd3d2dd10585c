"""The decision page, overriding a decision with a reason, and its audit history."""

from __future__ import annotations

import re

import pytest

from triage.cases.service import Cases

from legacy_rows import record_unreadable
from support import build_referral, child, csrf_token_in, parent, signed_in_browser

FAMILY = (parent(employment={"out_of_work_benefits": True}), child(school={"attendance_pct": 80.0}))


@pytest.fixture
def decision(app):
    return app.state.services.front_door.decide(build_referral(*FAMILY, referral_id="WEB-1"))


def test_the_decision_page_shows_the_route_reasons_and_ruleset(app, decision):
    page = signed_in_browser(app, "a.patel").get(f"/decisions/{decision.decision_id}").text
    assert all(reason in page for reason in decision.reasons)
    assert decision.ruleset.version in page and "Override this decision" in page


def test_the_decision_page_names_a_member_the_referral_names(app):
    named = (
        parent(employment={"out_of_work_benefits": True}),
        child(given_name="Jayden", school={"attendance_pct": 80.0}),
    )
    decision = app.state.services.front_door.decide(build_referral(*named, referral_id="WEB-NAMED"))
    page = signed_in_browser(app, "a.patel").get(f"/decisions/{decision.decision_id}").text
    assert ("Jayden (age 12) attended 80.0%" in page, "Child c1 (age 12)" in page) == (True, False)
    assert not any("Jayden" in reason for reason in decision.reasons)  # the decision itself names no one


@pytest.mark.parametrize("username", ["p.lead", "i.audit"])
def test_other_roles_read_the_reasons_without_names(app, username):
    named = (
        parent(employment={"out_of_work_benefits": True}),
        child(given_name="Jayden", school={"attendance_pct": 80.0}),
    )
    decision = app.state.services.front_door.decide(build_referral(*named, referral_id="WEB-NAMED"))
    page = signed_in_browser(app, username).get(f"/decisions/{decision.decision_id}").text
    assert ("Child c1 (age 12) attended 80.0%" in page, "Jayden" in page) == (True, False)


@pytest.mark.parametrize(("username", "label"), [("a.patel", "Jayden (age 12)"), ("p.lead", "Child c1 (age 12)")])
def test_the_evidence_table_names_each_member_never_by_id_alone(app, username, label):
    member = child(given_name="Jayden", school={"attendance_pct": 80.0})
    decision = app.state.services.front_door.decide(build_referral(parent(), member, referral_id="WEB-EVIDENCE"))
    page = signed_in_browser(app, username).get(f"/decisions/{decision.decision_id}").text
    assert f'<td class="govuk-table__cell">{label}</td>' in page
    assert '<td class="govuk-table__cell">c1</td>' not in page


def test_an_override_with_a_reason_is_recorded_and_shown_in_the_history(app, decision):
    browser = signed_in_browser(app, "a.patel")
    token = csrf_token_in(browser.get(f"/decisions/{decision.decision_id}/override").text)
    done = browser.post(
        f"/decisions/{decision.decision_id}/override",
        data={"route": "bsf", "reason": "Known to BSF already", "csrf_token": token},
    )
    assert (done.status_code, done.headers["location"]) == (303, f"/decisions/{decision.decision_id}")
    history = browser.get(f"/decisions/{decision.decision_id}/history").text
    assert "Known to BSF already" in history and "A. Patel (staff:a.patel)" in history
    assert app.state.services.store.log.verify().ok


def test_an_override_without_a_reason_shows_the_error_and_keeps_the_choice(app, decision):
    browser = signed_in_browser(app, "a.patel")
    token = csrf_token_in(browser.get(f"/decisions/{decision.decision_id}/override").text)
    response = browser.post(
        f"/decisions/{decision.decision_id}/override", data={"route": "bsf", "reason": "  ", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text and "Enter why you are overriding the decision" in response.text
    assert '<option value="bsf" selected>' in response.text
    assert [e.kind for e in app.state.services.store.queries.events()].count("override") == 0


def _close(app, browser, decision, reason):
    token = csrf_token_in(browser.get(f"/decisions/{decision.decision_id}/close").text)
    return browser.post(f"/decisions/{decision.decision_id}/close", data={"reason": reason, "csrf_token": token})


def test_closing_a_case_takes_it_off_the_queue_and_shows_who_closed_it(app, decision):
    browser = signed_in_browser(app, "a.patel")
    assert decision.referral_id in browser.get("/queue").text
    done = _close(app, browser, decision, "The family is working with MAST")
    assert (done.status_code, done.headers["location"]) == (303, f"/decisions/{decision.decision_id}")
    page = browser.get(f"/decisions/{decision.decision_id}").text
    assert "Case closed" in page and "The family is working with MAST" in page and "Close the case" not in page
    assert decision.referral_id not in browser.get("/queue").text
    assert "Case closed" in browser.get(f"/decisions/{decision.decision_id}/history").text


def test_closing_without_a_reason_shows_the_error_and_closes_nothing(app, decision):
    response = _close(app, signed_in_browser(app, "a.patel"), decision, "  ")
    assert response.status_code == 400 and "Enter why the case can be closed" in response.text
    assert "closed" not in [e.kind for e in app.state.services.store.queries.events()]


def test_a_role_that_may_not_override_may_not_close_a_case(app, decision):
    browser = signed_in_browser(app, "p.lead")
    assert "Close the case" not in browser.get(f"/decisions/{decision.decision_id}").text
    assert browser.get(f"/decisions/{decision.decision_id}/close").status_code == 403


def test_a_role_that_may_not_override_sees_no_button_and_is_refused(app, decision):
    browser = signed_in_browser(app, "p.lead")
    assert "Override this decision" not in browser.get(f"/decisions/{decision.decision_id}").text
    token = csrf_token_in(browser.get("/glossary").text)
    refused = browser.post(
        f"/decisions/{decision.decision_id}/override",
        data={"route": "bsf", "reason": "I would like to", "csrf_token": token},
    )
    assert refused.status_code == 403
    assert browser.get(f"/decisions/{decision.decision_id}/override").status_code == 403


def test_an_unknown_decision_is_not_found(app):
    assert signed_in_browser(app, "a.patel").get("/decisions/nope").status_code == 404


def test_the_queue_lists_decisions_by_respond_by_date_marking_overdue_in_words(app):
    door = app.state.services.front_door
    late = door.decide(build_referral(*FAMILY, referral_id="Q-LATE", received_at="2026-01-05T10:00:00Z"))
    soon = door.decide(build_referral(*FAMILY, referral_id="Q-SOON", received_at="2099-01-05T10:00:00Z"))
    page = signed_in_browser(app, "a.patel").get("/queue").text
    assert page.index(late.referral_id) < page.index(soon.referral_id)
    assert "Overdue" in page.split(late.referral_id)[0]


def test_the_queue_filters_by_route_and_shows_overrides_and_team_load(policy, app, decision):
    Cases(app.state.services.store).override(decision.decision_id, "bsf", "Known to BSF", "A. Patel (a.patel)", policy)
    other = app.state.services.front_door.decide(build_referral(parent(), child(), referral_id="Q-OTHER"))
    browser = signed_in_browser(app, "a.patel")
    filtered = browser.get(f"/queue?route={decision.route}").text
    assert decision.referral_id in filtered and other.referral_id not in filtered
    assert "bsf (overridden)" in filtered
    assert re.search(r"<td[^>]*>bsf</td><td[^>]*>1</td><td[^>]*>160</td>", filtered.replace("\n", ""))


def test_a_person_in_a_browser_gets_an_html_error_page(app):
    response = signed_in_browser(app, "p.lead").get("/decisions/nope", headers={"Accept": "text/html"})
    assert (response.status_code, response.headers["content-type"].split(";")[0]) == (404, "text/html")
    assert "Not Found" in response.text and "Go to the start page" in response.text


def test_what_people_typed_is_escaped_on_every_page(policy, app, decision):
    Cases(app.state.services.store).override(
        decision.decision_id, "bsf", "<script>alert('reason')</script>", "<b>someone</b>", policy
    )
    browser = signed_in_browser(app, "a.patel")
    for path in (f"/decisions/{decision.decision_id}", f"/decisions/{decision.decision_id}/history"):
        page = browser.get(path).text
        assert "<script>alert(" not in page and "&lt;script&gt;alert(" in page
        assert "<b>someone</b>" not in page


# --- a reason that cannot be recorded; decisions recorded in a form this version cannot read ---------


def test_an_override_reason_with_a_control_character_is_refused_and_nothing_is_recorded(app, decision):
    browser = signed_in_browser(app, "a.patel")
    token = csrf_token_in(browser.get(f"/decisions/{decision.decision_id}/override").text)
    response = browser.post(
        f"/decisions/{decision.decision_id}/override",
        data={"route": "bsf", "reason": "Known\x00to BSF", "csrf_token": token},
    )
    assert response.status_code == 400
    assert "The reason must not contain control characters or unpaired surrogates" in response.text
    assert [e.kind for e in app.state.services.store.queries.events()].count("override") == 0


def test_a_closing_reason_with_a_control_character_is_refused_and_nothing_is_recorded(app, decision):
    response = _close(app, signed_in_browser(app, "a.patel"), decision, "With MAST\x1b[2J")
    assert response.status_code == 400
    assert "The reason must not contain control characters or unpaired surrogates" in response.text
    assert "closed" not in [e.kind for e in app.state.services.store.queries.events()]


def test_a_reason_over_several_lines_is_recorded(app, decision):
    response = _close(app, signed_in_browser(app, "a.patel"), decision, "With MAST.\r\nNothing more needed.")
    assert response.status_code == 303


def test_the_queue_leaves_out_a_decision_it_cannot_read_and_says_so(app, decision):
    record_unreadable(app.state.services.store)
    page = signed_in_browser(app, "a.patel").get("/queue")
    assert page.status_code == 200 and decision.referral_id in page.text
    assert "1 recorded decision could not be read and was left out" in page.text


def test_a_decision_that_cannot_be_read_gets_a_page_saying_so(app):
    decision_id = record_unreadable(app.state.services.store)
    browser = signed_in_browser(app, "a.patel")
    for suffix in ("", "/history"):
        page = browser.get(f"/decisions/{decision_id}{suffix}", headers={"Accept": "text/html"})
        assert page.status_code == 500 and "recorded in a form this version cannot show" in page.text
