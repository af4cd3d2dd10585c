"""The decision page's "Do we already know this family?" section (front door staff only): a match
proposed with why, confirmed or rejected as the signed-in worker (an audit event each), a family
referred again flagged with any other open case to merge with, and the queue's flag."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from triage.cases.service import Cases
from triage.models import Decision
from triage.web.words import long_date

from support import build_referral, csrf_token_in, parent, signed_in_browser, smiths

WORKER = "A. Patel (staff:a.patel)"


def _decide(app: FastAPI, data: dict) -> Decision:
    return app.state.services.front_door.decide(data)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _post(app: FastAPI, decision: Decision, action: str, **fields: str):
    browser = signed_in_browser(app, "a.patel")
    token = csrf_token_in(browser.get(f"/decisions/{decision.decision_id}").text)
    return browser, browser.post(
        f"/decisions/{decision.decision_id}/family/{action}", data={**fields, "csrf_token": token}
    )


def _kinds(app: FastAPI) -> list[str]:
    return [e.kind for e in app.state.services.store.queries.events()]


def _today(app: FastAPI) -> str:
    return long_date(app.state.services.front_door.library.today(datetime.now(UTC)))


def test_a_second_referral_of_a_family_shows_the_match_and_why(app_on_both):
    _decide(app_on_both, smiths("R-1"))
    second = _decide(app_on_both, smiths("R-2", mother={"family_name": "Smyth"}))
    page = _text(signed_in_browser(app_on_both, "a.patel").get(f"/decisions/{second.decision_id}").text)
    assert "Do we already know this family?" in page
    assert "Possible match: the Smith household, 1 earlier referral, 1 open case" in page
    assert "Very likely the same family" in page
    assert "Jayden Smith may be Jayden Smith (born 2 March 2014): same NHS number" in page
    assert "Sarah Smyth may be Sarah Smith (born 12 April 1990)" in page


def test_confirming_a_match_links_it_as_the_signed_in_worker_and_says_so(app_on_both):
    first = _decide(app_on_both, smiths("R-1"))
    second = _decide(app_on_both, smiths("R-2"))
    browser, done = _post(app_on_both, second, "confirm", target=first.decision_id, note="")
    assert (done.status_code, done.headers["location"]) == (303, f"/decisions/{second.decision_id}?done=linked")
    [linked] = [e for e in app_on_both.state.services.store.queries.events() if e.kind == "linked"]
    assert linked.decision_id == second.decision_id and linked.body["by"] == WORKER
    household = app_on_both.state.services.households.household_of(second.decision_id)
    page = browser.get(done.headers["location"]).text
    assert "This referral is now part of the Smith household" in page
    assert f'href="/households/{household}"' in page and "Possible match" not in page
    assert app_on_both.state.services.store.log.verify().ok


def test_a_linked_banner_asked_for_by_hand_on_a_referral_in_no_household_is_not_shown(app):
    decided = _decide(app, smiths("R-1"))
    page = signed_in_browser(app, "a.patel").get(f"/decisions/{decided.decision_id}?done=linked").text
    assert "govuk-notification-banner--success" not in page


def test_a_note_given_when_confirming_is_kept_with_the_link(app):
    first, second = _decide(app, smiths("R-1")), _decide(app, smiths("R-2"))
    _post(app, second, "confirm", target=first.decision_id, note="Mum confirmed on the phone")
    household = app.state.services.households.household_of(second.decision_id)
    record = app.state.services.households.household(household, datetime.now(UTC).date())
    [link] = [e.link for e in record.timeline if e.link is not None]
    assert link.reason == "Mum confirmed on the phone"


def test_a_note_that_cannot_be_recorded_is_shown_beside_its_field(app):
    first, second = _decide(app, smiths("R-1")), _decide(app, smiths("R-2"))
    _, refused = _post(app, second, "confirm", target=first.decision_id, note="beep\x07")
    assert refused.status_code == 400
    assert 'href="#note-1">The note must not contain' in refused.text and 'id="note-1-error"' in refused.text
    assert "linked" not in _kinds(app)


def test_saying_it_is_another_family_records_why_and_it_is_not_suggested_again(app_on_both):
    first = _decide(app_on_both, smiths("R-1"))
    second = _decide(app_on_both, smiths("R-2"))
    browser, done = _post(app_on_both, second, "reject", target=first.decision_id, reason="Another Smith family")
    assert (done.status_code, done.headers["location"]) == (303, f"/decisions/{second.decision_id}?done=rejected")
    [rejected] = [e for e in app_on_both.state.services.store.queries.events() if e.kind == "link_rejected"]
    assert rejected.body["by"] == WORKER and rejected.body["reason"] == "Another Smith family"
    page = browser.get(done.headers["location"]).text
    assert "You said this is a different family" in page and "Possible match" not in page


def test_saying_it_is_another_family_without_a_reason_is_refused_with_an_error_summary(app):
    first, second = _decide(app, smiths("R-1")), _decide(app, smiths("R-2"))
    _, refused = _post(app, second, "reject", target=first.decision_id, reason="  ")
    assert refused.status_code == 400
    assert "There is a problem" in refused.text and "<title>Error:" in refused.text
    assert '<a href="#reason-1">Enter why this is not the same family</a>' in refused.text
    assert "link_rejected" not in _kinds(app)


def test_a_referral_that_matches_no_one_says_so_and_offers_the_search(app):
    decided = _decide(app, smiths("R-1"))
    page = signed_in_browser(app, "a.patel").get(f"/decisions/{decided.decision_id}").text
    assert "No earlier referral matches this family" in page and 'href="/search"' in page


def test_a_referral_that_names_no_one_says_it_cannot_be_matched(app):
    decided = _decide(app, build_referral(parent(), referral_id="R-UNNAMED"))
    page = signed_in_browser(app, "a.patel").get(f"/decisions/{decided.decision_id}").text
    assert "so it cannot be matched with earlier referrals" in page and "No earlier referral matches" not in page


@pytest.mark.parametrize("username", ["p.lead", "i.audit"])
def test_other_roles_see_no_family_section_no_names_and_may_not_link(app, username):
    first, second = _decide(app, smiths("R-1")), _decide(app, smiths("R-2"))
    browser = signed_in_browser(app, username)
    page = browser.get(f"/decisions/{second.decision_id}").text
    assert "Do we already know this family?" not in page and "Possible match" not in page
    assert not any(name in page for name in ("Jayden", "Sarah", "Smith"))
    token = csrf_token_in(page)
    for action, field in (("confirm", "note"), ("reject", "reason"), ("unlink", "reason")):
        posted = browser.post(
            f"/decisions/{second.decision_id}/family/{action}",
            data={"target": first.decision_id, field: "because", "csrf_token": token},
        )
        assert posted.status_code == 403
    assert not {"linked", "link_rejected", "unlinked"} & set(_kinds(app))


def test_a_referral_linked_by_mistake_is_taken_out_of_its_household_as_the_signed_in_worker(app_on_both):
    first, second = _decide(app_on_both, smiths("R-1")), _decide(app_on_both, smiths("R-2"))
    household = app_on_both.state.services.households.confirm(second.decision_id, first.decision_id, "A. P", "")
    browser, done = _post(app_on_both, second, "unlink", target=household.household_id, reason="A cousin's family")
    assert (done.status_code, done.headers["location"]) == (303, f"/decisions/{second.decision_id}?done=unlinked")
    [unlinked] = [e for e in app_on_both.state.services.store.queries.events() if e.kind == "unlinked"]
    assert (unlinked.body["by"], unlinked.body["reason"]) == (WORKER, "A cousin's family")
    page = _text(browser.get(done.headers["location"]).text)
    assert "This referral is no longer part of that household" in page
    assert app_on_both.state.services.households.household_of(second.decision_id) is None


def test_taking_a_referral_out_without_a_reason_is_refused_beside_the_field(app):
    first, second = _decide(app, smiths("R-1")), _decide(app, smiths("R-2"))
    household = app.state.services.households.confirm(second.decision_id, first.decision_id, "A. P", "")
    _, refused = _post(app, second, "unlink", target=household.household_id, reason=" ")
    assert refused.status_code == 400 and '<a href="#unlink">Enter why this referral is not this family' in refused.text
    assert 'id="unlink-error"' in refused.text and "unlinked" not in _kinds(app)


def test_taking_out_a_referral_a_colleague_took_out_already_says_so(app):
    first, second = _decide(app, smiths("R-1")), _decide(app, smiths("R-2"))
    household = app.state.services.households.confirm(second.decision_id, first.decision_id, "A. P", "")
    app.state.services.households.unlink(second.decision_id, "A. Colleague", "not them")
    _, refused = _post(app, second, "unlink", target=household.household_id, reason="not them")
    assert refused.status_code == 400 and "This referral is no longer linked to a household" in refused.text


def test_a_target_holding_a_control_character_is_refused_not_a_server_error(app_on_both):
    decided = _decide(app_on_both, smiths("R-1"))
    _, refused = _post(app_on_both, decided, "confirm", target="ab\x00", note="")
    assert refused.status_code == 400 and "linked" not in _kinds(app_on_both)


def _referred_again(app: FastAPI) -> tuple[Decision, Decision, Decision]:
    """The Smiths referred three times: the first closed ("needs met"), the second still open, the
    third just in; all three linked into one household."""
    first, second = _decide(app, smiths("R-1")), _decide(app, smiths("R-2"))
    Cases(app.state.services.store).close(first.decision_id, "needs met", "A. Patel")
    third = _decide(app, smiths("R-3"))
    households = app.state.services.households
    household = households.confirm(second.decision_id, first.decision_id, "A. Patel", "").household_id
    households.confirm(third.decision_id, household, "A. Patel", "")
    return first, second, third


def test_a_family_referred_again_is_flagged_with_how_its_last_case_closed(app_on_both):
    _, second, third = _referred_again(app_on_both)
    page = _text(signed_in_browser(app_on_both, "a.patel").get(f"/decisions/{third.decision_id}").text)
    assert f"Referred 3 times in 12 months; last closed {_today(app_on_both)}: needs met" in page
    assert "Part of the Smith household" in page


def test_another_open_case_is_shown_with_a_way_to_close_this_referral_as_a_duplicate(app):
    _, second, third = _referred_again(app)
    browser = signed_in_browser(app, "a.patel")
    page = browser.get(f"/decisions/{third.decision_id}").text
    assert "This family has another open case" in page and f'href="/decisions/{second.decision_id}"' in page
    merge = f"/decisions/{third.decision_id}/close?merged_with={second.decision_id}"
    assert f'href="{merge}"' in page
    form = browser.get(merge).text
    assert f"Merged with the open case of {_today(app)} (referral R-2)</textarea>" in form
    token = csrf_token_in(form)
    reason = f"Merged with the open case of {_today(app)} (referral R-2)"
    closed = browser.post(f"/decisions/{third.decision_id}/close", data={"reason": reason, "csrf_token": token})
    assert closed.status_code == 303
    assert Cases(app.state.services.store).history(third.decision_id).closed.reason == reason


def test_the_close_form_offers_no_merge_with_a_case_of_another_family(app):
    smith = _decide(app, smiths("R-1"))
    other = _decide(app, build_referral(parent(given_name="Amira", family_name="Begum"), referral_id="R-9"))
    form = signed_in_browser(app, "a.patel").get(
        f"/decisions/{smith.decision_id}/close?merged_with={other.decision_id}"
    )
    assert "Merged with" not in form.text


def test_the_queue_flags_a_family_referred_again_for_front_door_staff_only(app_on_both):
    _, second, third = _referred_again(app_on_both)
    queue = signed_in_browser(app_on_both, "a.patel").get("/queue").text
    rows = {m.group(1): m.group(2) for m in re.finditer(r'href="/decisions/(\w+)">[^<]+</a>(.*?)</td>', queue)}
    assert "Referred 2 times in 12 months" in rows[second.decision_id]
    assert "Referred 3 times in 12 months" in rows[third.decision_id]
    assert "Referred" not in signed_in_browser(app_on_both, "p.lead").get("/queue").text
