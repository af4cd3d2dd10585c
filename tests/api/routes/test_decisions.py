"""GET /v1/decisions (list, one, history) and POST /v1/decisions/{id}/override.

Partners see only their own decisions, and someone else's looks exactly like one that does not
exist. An override is recorded beside the decision, never in it.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from triage.access import Role

from legacy_rows import HUGE, record_huge_count, record_unreadable
from support import SPEC_EXAMPLE, build_referral, child, parent

PROBLEM_JSON = "application/problem+json"
UNKNOWN_ID = "0" * 32


def family(referral_id: str, **changes) -> dict:
    """A valid referral routed to universal_signpost (standard priority)."""
    return build_referral(parent(), child(), referral_id=referral_id, **changes)


def bsf(referral_id: str) -> dict:
    """The contract's example under another id: routed to bsf, high priority."""
    return {**SPEC_EXAMPLE, "referral_id": referral_id}


# --- partner isolation --------------------------------------------------------------------------


@pytest.fixture
def school_and_police(issue, submit):
    """Two partners, each with one decision: (school key, its decision id, police key, its decision id)."""
    school, police = issue(Role.PARTNER, "hillside-school-mis"), issue(Role.PARTNER, "police-niche")
    school_decision = submit(school, family("SCHOOL-1")).json()["decision_id"]
    police_decision = submit(police, family("POLICE-1", referrer={"agency": "police"})).json()["decision_id"]
    return school, school_decision, police, police_decision


@pytest.mark.parametrize("suffix", ["", "/history"])
def test_a_partner_cannot_read_another_partners_decision(client, school_and_police, suffix):
    school, _, _, police_decision = school_and_police
    response = client.get(f"/v1/decisions/{police_decision}{suffix}", headers=school.headers)
    assert (response.status_code, response.headers["content-type"]) == (404, PROBLEM_JSON)


@pytest.mark.parametrize("suffix", ["", "/history"])
def test_another_partners_decision_looks_exactly_like_an_unknown_one(client, school_and_police, suffix):
    school, _, _, police_decision = school_and_police
    hidden = client.get(f"/v1/decisions/{police_decision}{suffix}", headers=school.headers).json()
    unknown = client.get(f"/v1/decisions/{UNKNOWN_ID}{suffix}", headers=school.headers).json()
    assert hidden["detail"].replace(police_decision, "ID") == unknown["detail"].replace(UNKNOWN_ID, "ID")
    assert {k: v for k, v in hidden.items() if k != "detail"} == {k: v for k, v in unknown.items() if k != "detail"}


def test_a_partners_list_holds_only_its_own_decisions(client, school_and_police):
    school, school_decision, _, _ = school_and_police
    listed = client.get("/v1/decisions", headers=school.headers).json()["items"]
    assert [d["decision_id"] for d in listed] == [school_decision]


def test_a_partner_filtering_by_another_partners_referral_id_finds_nothing(client, school_and_police):
    school, *_ = school_and_police
    listed = client.get("/v1/decisions", params={"referral_id": "POLICE-1"}, headers=school.headers).json()
    assert listed["items"] == []


def test_the_front_door_reads_every_partners_decisions(client, school_and_police, front_door):
    _, school_decision, _, police_decision = school_and_police
    listed = client.get("/v1/decisions", headers=front_door.headers).json()["items"]
    assert [d["decision_id"] for d in listed] == [school_decision, police_decision]


def test_an_unknown_decision_is_404_for_a_role_that_reads_everything(client, front_door):
    response = client.get(f"/v1/decisions/{UNKNOWN_ID}", headers=front_door.headers)
    assert (response.status_code, response.headers["content-type"]) == (404, PROBLEM_JSON)


# --- listing ------------------------------------------------------------------------------------


@pytest.fixture
def decided(submit, partner):
    """Four decisions by one partner: two universal_signpost/standard, two bsf/high (in that order)."""
    return [submit(partner, referral).json() for referral in (family("L-1"), bsf("L-2"), family("L-3"), bsf("L-4"))]


def listed_ids(client, caller, **params) -> list[str]:
    response = client.get("/v1/decisions", params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    return [d["referral_id"] for d in response.json()["items"]]


def test_the_list_is_in_the_order_decided(client, partner, decided):
    assert listed_ids(client, partner) == ["L-1", "L-2", "L-3", "L-4"]


def test_the_list_filters_by_route(client, partner, decided):
    assert listed_ids(client, partner, route="bsf") == ["L-2", "L-4"]


def test_the_list_filters_by_priority(client, partner, decided):
    assert listed_ids(client, partner, priority="standard") == ["L-1", "L-3"]


def test_the_list_filters_by_referral_id(client, partner, decided):
    assert listed_ids(client, partner, referral_id="L-3") == ["L-3"]


def test_the_list_combines_filters(client, partner, decided):
    assert listed_ids(client, partner, route="bsf", referral_id="L-4") == ["L-4"]


def test_the_list_filters_by_the_day_decided_inclusive_at_both_ends(client, partner, decided):
    day = date.fromisoformat(decided[0]["decided_at"][:10])  # decided now: every decision has today's UTC date
    assert {d["decided_at"][:10] for d in decided} == {day.isoformat()}
    assert listed_ids(client, partner, since=day.isoformat(), until=day.isoformat()) == ["L-1", "L-2", "L-3", "L-4"]


@pytest.mark.parametrize(("bound", "shift"), [("since", 1), ("until", -1)], ids=["since-tomorrow", "until-yesterday"])
def test_the_list_leaves_out_decisions_outside_the_days_asked(client, partner, decided, bound, shift):
    day = date.fromisoformat(decided[0]["decided_at"][:10]) + timedelta(days=shift)
    assert listed_ids(client, partner, **{bound: day.isoformat()}) == []


def test_paging_with_next_returns_every_decision_exactly_once(client, submit, partner):
    expected = [submit(partner, family(f"P-{i}")).json()["decision_id"] for i in range(7)]
    seen, url, pages = [], "/v1/decisions?limit=3", 0
    while url:
        page = client.get(url, headers=partner.headers).json()
        seen += [d["decision_id"] for d in page["items"]]
        url, pages = page["next"], pages + 1
    assert (seen, pages) == (expected, 3)


def test_paging_keeps_the_filters(client, submit, partner):
    for i in range(5):
        submit(partner, family(f"F-{i}"))
        submit(partner, bsf(f"B-{i}"))
    first = client.get("/v1/decisions", params={"route": "bsf", "limit": 2}, headers=partner.headers).json()
    second = client.get(first["next"], headers=partner.headers).json()
    assert [d["route"] for d in first["items"] + second["items"]] == ["bsf"] * 4


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 201}, {"since": "yesterday"}, {"until": "0"}, {"after": -1}, {"route": ""}],
    ids=["limit-0", "limit-201", "since-word", "until-number", "after-negative", "route-empty"],
)
def test_an_invalid_query_parameter_gets_422_naming_it(client, partner, params):
    response = client.get("/v1/decisions", params=params, headers=partner.headers)
    assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM_JSON)
    assert [e["path"] for e in response.json()["errors"]] == list(params)


# --- overrides ----------------------------------------------------------------------------------


@pytest.fixture
def decision(submit, partner) -> dict:
    """A partner's decision on the contract's example (bsf)."""
    return submit(partner, SPEC_EXAMPLE).json()


def override(client, caller, decision_id: str, body):
    return client.post(f"/v1/decisions/{decision_id}/override", json=body, headers=caller.headers)


MAST = {"route": "mast", "reason": "the family already works with the MAST team"}


def test_an_override_gets_201_and_the_record(client, front_door, decision):
    response = override(client, front_door, decision["decision_id"], MAST)
    assert response.status_code == 201
    record = response.json()
    assert (record["decision_id"], record["route"], record["previous_route"], record["reason"], record["by"]) == (
        decision["decision_id"],
        "mast",
        "bsf",
        MAST["reason"],
        "front-door-team",
    )


def test_an_overrides_location_is_the_decisions_history(client, front_door, decision):
    response = override(client, front_door, decision["decision_id"], MAST)
    assert response.headers["location"] == f"/v1/decisions/{decision['decision_id']}/history"
    assert client.get(response.headers["location"], headers=front_door.headers).status_code == 200


def test_the_history_shows_the_override_by_the_keys_name_and_the_route_now(client, front_door, decision):
    override(client, front_door, decision["decision_id"], MAST)
    history = client.get(f"/v1/decisions/{decision['decision_id']}/history", headers=front_door.headers).json()
    assert [(o["route"], o["by"], o["reason"]) for o in history["overrides"]] == [
        ("mast", "front-door-team", MAST["reason"])
    ]
    assert (history["current_route"], history["decision"], history["caller"]) == (
        "mast",
        decision,
        "hillside-school-mis",
    )


def test_the_latest_of_several_overrides_is_the_route_now(client, front_door, decision):
    override(client, front_door, decision["decision_id"], MAST)
    override(client, front_door, decision["decision_id"], {"route": "bsf", "reason": "MAST closed the case"})
    history = client.get(f"/v1/decisions/{decision['decision_id']}/history", headers=front_door.headers).json()
    assert [(o["previous_route"], o["route"]) for o in history["overrides"]] == [("bsf", "mast"), ("mast", "bsf")]
    assert history["current_route"] == "bsf"


def test_a_history_without_overrides_stands_at_the_decisions_route(client, partner, decision):
    history = client.get(f"/v1/decisions/{decision['decision_id']}/history", headers=partner.headers).json()
    assert (history["overrides"], history["current_route"]) == ([], "bsf")


def test_the_partner_sees_the_override_of_its_decision_in_the_history(client, front_door, partner, decision):
    override(client, front_door, decision["decision_id"], MAST)
    history = client.get(f"/v1/decisions/{decision['decision_id']}/history", headers=partner.headers).json()
    assert history["current_route"] == "mast"


def test_an_override_leaves_the_decision_itself_unchanged(client, front_door, partner, decision):
    override(client, front_door, decision["decision_id"], MAST)
    fetched = client.get(f"/v1/decisions/{decision['decision_id']}", headers=partner.headers).json()
    assert fetched == decision


def test_the_audit_chain_verifies_after_an_override(client, front_door, auditor, decision):
    override(client, front_door, decision["decision_id"], MAST)
    verified = client.get("/v1/audit/verify", headers=auditor.headers).json()
    assert verified["ok"] is True
    assert verified["events"] == 3  # the ruleset loaded, the decision, the override


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_an_override_without_a_reason_gets_422_naming_reason(client, front_door, decision, reason):
    response = override(client, front_door, decision["decision_id"], {"route": "mast", "reason": reason})
    assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM_JSON)
    assert [e["path"] for e in response.json()["errors"]] == ["reason"]


def test_an_override_to_a_route_not_in_the_catalogue_gets_422_naming_route(client, front_door, decision):
    response = override(client, front_door, decision["decision_id"], {"route": "the_moon", "reason": "why not"})
    assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM_JSON)
    assert [e["path"] for e in response.json()["errors"]] == ["route"]


@pytest.mark.parametrize(
    "body",
    [{"route": "mast"}, {"route": "mast", "reason": "r", "by": "someone else"}, {"route": 7, "reason": "r"}],
    ids=["no-reason", "an-extra-field", "route-not-text"],
)
def test_an_override_body_not_as_the_schema_says_gets_422(client, front_door, decision, body):
    response = override(client, front_door, decision["decision_id"], body)
    assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM_JSON)


def test_an_override_of_an_unknown_decision_gets_404(client, front_door):
    response = override(client, front_door, UNKNOWN_ID, MAST)
    assert (response.status_code, response.headers["content-type"]) == (404, PROBLEM_JSON)


def test_a_refused_override_records_nothing(client, front_door, auditor, decision):
    override(client, front_door, decision["decision_id"], {"route": "mast", "reason": " "})
    override(client, front_door, decision["decision_id"], {"route": "the_moon", "reason": "why not"})
    history = client.get(f"/v1/decisions/{decision['decision_id']}/history", headers=front_door.headers).json()
    assert history["overrides"] == []
    assert client.get("/v1/audit/verify", headers=auditor.headers).json()["events"] == 2


# --- closing a case ------------------------------------------------------------------------------


def close(client, caller, decision_id: str, reason: str = "the family is with the BSF team"):
    return client.post(f"/v1/decisions/{decision_id}/close", json={"reason": reason}, headers=caller.headers)


def test_closing_a_case_gets_201_and_shows_in_the_history(client, front_door, decision):
    response = close(client, front_door, decision["decision_id"])
    assert response.status_code == 201
    assert (response.json()["reason"], response.json()["by"]) == ("the family is with the BSF team", "front-door-team")
    history = client.get(response.headers["location"], headers=front_door.headers).json()
    assert history["closed"]["seq"] == response.json()["seq"]


def test_an_open_case_has_no_closing_in_its_history(client, front_door, decision):
    history = client.get(f"/v1/decisions/{decision['decision_id']}/history", headers=front_door.headers).json()
    assert history["closed"] is None


def test_a_case_is_closed_once(client, front_door, decision):
    close(client, front_door, decision["decision_id"])
    response = close(client, front_door, decision["decision_id"], "again")
    assert (response.status_code, response.json()["status"]) == (409, 409)


def test_closing_needs_a_reason(client, front_door, decision):
    response = close(client, front_door, decision["decision_id"], "   ")
    assert response.status_code == 422
    assert [error["path"] for error in response.json()["errors"]] == ["reason"]


def test_closing_an_unknown_decision_is_404(client, front_door):
    assert close(client, front_door, "no-such-decision").status_code == 404


def test_a_closed_case_is_not_overridden_409(client, front_door, decision):
    close(client, front_door, decision["decision_id"])
    response = override(client, front_door, decision["decision_id"], MAST)
    assert (response.status_code, response.json()["status"]) == (409, 409)


# --- what a practitioner types is recorded only if it can be -------------------------------------


def _post_raw(client, caller, url: str, body: dict):
    """POST JSON as json.dumps writes it: a lone surrogate escaped as \\\\ud83d (httpx's ``json=``
    could not encode it at all)."""
    return client.post(url, content=json.dumps(body), headers={**caller.headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("value", ["\ud83d", "A\x00B"], ids=["lone-surrogate", "nul"])
@pytest.mark.parametrize(("action", "body"), [("override", {"route": "mast"}), ("close", {})])
def test_a_reason_with_a_control_character_is_a_422_naming_reason_and_nothing_is_recorded(
    client, front_door, auditor, decision, action, body, value
):
    response = _post_raw(
        client,
        front_door,
        f"/v1/decisions/{decision['decision_id']}/{action}",
        {**body, "reason": f"known to the team {value}"},
    )
    assert (response.status_code, response.json()["errors"]) == (
        422,
        [{"path": "reason", "reason": "must not contain control characters or unpaired surrogates"}],
    )
    assert client.get("/v1/audit/verify", headers=auditor.headers).json()["events"] == 2


def test_a_route_with_a_control_character_is_a_422_naming_route(client, front_door, decision):
    response = _post_raw(
        client,
        front_door,
        f"/v1/decisions/{decision['decision_id']}/override",
        {"route": "mast\x00", "reason": "known to the team"},
    )
    assert (response.status_code, [e["path"] for e in response.json()["errors"]]) == (422, ["route"])


def test_a_reason_keeps_its_line_breaks(client, front_door, decision):
    reason = "Known to the MAST team.\r\nKey worker: see their notes."
    assert (
        override(client, front_door, decision["decision_id"], {"route": "mast", "reason": reason}).json()["reason"]
        == reason
    )


# --- decisions recorded in a form this version cannot read ------------------------------------------


def test_the_list_leaves_out_a_decision_it_cannot_read_and_says_how_many(client, app, front_door, decision):
    record_unreadable(app.state.services.store)
    page = client.get("/v1/decisions", headers=front_door.headers).json()
    assert ([d["decision_id"] for d in page["items"]], page["unreadable"]) == ([decision["decision_id"]], 1)


def test_a_decision_that_cannot_be_read_is_a_problem_saying_so(client, app, front_door):
    decision_id = record_unreadable(app.state.services.store)
    for suffix in ("", "/history"):
        response = client.get(f"/v1/decisions/{decision_id}{suffix}", headers=front_door.headers)
        assert (response.status_code, response.headers["content-type"]) == (500, PROBLEM_JSON)
        assert "recorded in a form this version of triage cannot read" in response.json()["detail"]


def test_a_decision_recorded_with_a_huge_count_is_served_whole(client, app, front_door):
    recorded = record_huge_count(app.state.services.store, app.state.services.front_door.latest)
    fetched = client.get(f"/v1/decisions/{recorded.decision_id}", headers=front_door.headers)
    assert fetched.status_code == 200
    assert HUGE in [e["value"] for e in json.loads(fetched.text)["evidence"]]


@pytest.mark.parametrize("app", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/decisions/a%00b", "decision_id"),
        ("/v1/decisions/a%00b/history", "decision_id"),
        ("/v1/decisions?referral_id=a%00b", "referral_id"),
    ],
)
def test_an_id_with_a_control_character_is_a_422_naming_it_on_either_database(client, front_door, path, field):
    """PostgreSQL refuses NUL in a query's text: such an id must be refused before the database sees it."""
    answer = client.get(path, headers=front_door.headers)
    assert (answer.status_code, [e["path"] for e in answer.json()["errors"]]) == (422, [field])
