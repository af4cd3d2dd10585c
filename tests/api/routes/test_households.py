"""GET /v1/search, GET /v1/households/{id}, GET /v1/decisions/{id}/matches and POST
/v1/decisions/{id}/links: for the front door team alone, and never a name in a log.

The tests of what the endpoints answer run on SQLite and PostgreSQL (``ON_EACH_DATABASE``); the
role and input checks, which never reach the database's differences, on SQLite.
"""

from __future__ import annotations

import pytest

from triage.access import Role

from support import build_referral, parent, smiths

PROBLEM_JSON = "application/problem+json"
UNKNOWN_DECISION = "0" * 32
UNKNOWN_HOUSEHOLD = "H-00000000"
ON_EACH_DATABASE = pytest.mark.parametrize("app", ["sqlite", "postgresql"], indirect=True)
NOT_FRONT_DOOR = [Role.PARTNER, Role.POLICY_LEAD, Role.AUDITOR]


@pytest.fixture
def family(submit, front_door):
    """Two referrals of the Smith family, as the front door sent them: their decision ids."""

    def send(*referral_ids: str, **changes) -> list[str]:
        decided = [submit(front_door, smiths(referral_id, **changes)) for referral_id in referral_ids]
        assert [d.status_code for d in decided] == [201] * len(referral_ids)
        return [d.json()["decision_id"] for d in decided]

    return send


@pytest.fixture
def link(client, front_door):
    """``link(decision_id, target, verdict="confirm", reason="")``: POST …/links as the front door."""

    def post(decision_id: str, target: str, verdict: str = "confirm", reason: str = ""):
        body = {"target": target, "verdict": verdict, "reason": reason}
        return client.post(f"/v1/decisions/{decision_id}/links", json=body, headers=front_door.headers)

    return post


def _requests(first: str, second: str) -> list[tuple[str, str, dict | None]]:
    """Each endpoint once (method, path, JSON body) on two Smith referrals."""
    return [
        ("GET", "/v1/search?q=Jayden+Smith", None),
        ("GET", f"/v1/decisions/{second}/matches", None),
        ("POST", f"/v1/decisions/{second}/links", {"target": first, "verdict": "confirm"}),
        ("GET", "/v1/households/{household}", None),
    ]


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", range(4), ids=["search", "matches", "links", "household"])
@pytest.mark.parametrize("role", NOT_FRONT_DOOR, ids=[r.value for r in NOT_FRONT_DOOR])
def test_every_families_endpoint_refuses_every_role_but_the_front_door(
    client, issue, family, link, endpoint, role
) -> None:
    first, second = family("R-1", "R-2")
    household = link(second, first).json()["household_id"]
    method, path, body = _requests(first, second)[endpoint]
    caller = issue(role, f"test-{role.value}")
    answer = client.request(method, path.format(household=household), json=body, headers=caller.headers)
    assert (answer.status_code, answer.headers["content-type"]) == (403, PROBLEM_JSON)
    assert "Smith" not in answer.text and "Jayden" not in answer.text


@pytest.mark.parametrize("endpoint", range(4), ids=["search", "matches", "links", "household"])
def test_every_families_endpoint_answers_the_front_door(client, front_door, family, endpoint) -> None:
    first, second = family("R-1", "R-2")
    household = client.post(
        f"/v1/decisions/{second}/links", json={"target": first, "verdict": "confirm"}, headers=front_door.headers
    ).json()["household_id"]
    third = family("R-3")[0]  # the links endpoint links a referral not linked yet
    method, path, body = _requests(household, third)[endpoint]
    answer = client.request(method, path.format(household=household), json=body, headers=front_door.headers)
    assert answer.status_code == (201 if method == "POST" else 200), answer.text


@pytest.mark.parametrize("endpoint", range(4), ids=["search", "matches", "links", "household"])
def test_every_families_endpoint_needs_a_key(client, endpoint) -> None:
    method, path, body = _requests(UNKNOWN_DECISION, UNKNOWN_DECISION)[endpoint]
    answer = client.request(method, path.format(household=UNKNOWN_HOUSEHOLD), json=body)
    assert (answer.status_code, answer.headers["content-type"]) == (401, PROBLEM_JSON)


# --- search --------------------------------------------------------------------------------------


@ON_EACH_DATABASE
def test_search_finds_a_person_by_a_misspelt_name(client, front_door, family) -> None:
    [decision_id] = family("R-1")
    answer = client.get("/v1/search", params={"q": "Jayden Smiht"}, headers=front_door.headers)
    assert answer.status_code == 200
    best = answer.json()["items"][0]
    assert {k: best[k] for k in ("decision_id", "household_id", "name", "date_of_birth", "postcode", "open")} == {
        "decision_id": decision_id,
        "household_id": None,
        "name": "Jayden Smith",
        "date_of_birth": "2014-03-02",
        "postcode": "S5 7AU",
        "open": True,
    }
    assert best["referred_on"] and 0 < best["score"] <= 1 and best["reasons"]


@ON_EACH_DATABASE
def test_search_by_a_household_id_finds_its_people(client, front_door, family, link) -> None:
    first, second = family("R-1", "R-2")
    household = link(second, first).json()["household_id"]
    found = client.get("/v1/search", params={"q": household}, headers=front_door.headers).json()["items"]
    assert len(found) == 2 and {f["household_id"] for f in found} == {household}


@pytest.mark.parametrize("q", ["", "   ", "x" * 201, "Smith\x00", "Smith\x1b[2J"])
def test_search_refuses_an_empty_too_long_or_unsafe_query_naming_q(client, front_door, q) -> None:
    answer = client.get("/v1/search", params={"q": q}, headers=front_door.headers)
    assert (answer.status_code, answer.headers["content-type"]) == (422, PROBLEM_JSON)
    assert [e["path"] for e in answer.json()["errors"]] == ["q"]


def test_search_without_a_query_is_422_naming_q(client, front_door) -> None:
    answer = client.get("/v1/search", headers=front_door.headers)
    assert (answer.status_code, [e["path"] for e in answer.json()["errors"]]) == (422, ["q"])


def test_a_search_refused_to_a_partner_says_nothing_about_the_query(client, partner) -> None:
    """A 403 comes before any check of the query: a partner learns nothing from it."""
    answer = client.get("/v1/search", params={"q": ""}, headers=partner.headers)
    assert answer.status_code == 403


def test_the_search_text_is_never_logged(client, front_door, family, log_lines) -> None:
    """The query string holds names and dates of birth: the request log has the route template only."""
    family("R-1")
    log_lines()  # the referrals' own events
    client.get("/v1/search", params={"q": "Jayden Smith 02/03/2014"}, headers=front_door.headers)
    events, raw = log_lines()
    assert [(e["event"], e["route"], e["status"]) for e in events] == [("request", "/v1/search", 200)]
    assert "Jayden" not in raw and "Smith" not in raw and "2014" not in raw and "q=" not in raw


# --- a household -----------------------------------------------------------------------------------


@ON_EACH_DATABASE
def test_a_household_has_its_people_timeline_contacts_and_address(client, front_door, family, link) -> None:
    referrer = {"agency": "school", "name": "Ms Price", "role": "head of year", "email": "price@hillside.example"}
    first, second = family("R-1", "R-2", referrer=referrer)
    closed = client.post(f"/v1/decisions/{first}/close", json={"reason": "needs met"}, headers=front_door.headers)
    assert closed.status_code == 201
    household = link(second, first).json()["household_id"]
    shown = client.get(f"/v1/households/{household}", headers=front_door.headers).json()
    assert (shown["household_id"], shown["requested_id"], shown["merged"]) == (household, household, False)
    # ages on the test apps' today, 20 November 2026
    assert [(p["name"], p["age_today"], p["date_of_birth"], p["role"]) for p in shown["people"]] == [
        ("Sarah Smith", 36, "1990-04-12", "parent_carer"),
        ("Jayden Smith", 12, "2014-03-02", "child"),
    ]
    assert [e["kind"] for e in shown["timeline"]] == ["referral", "referral", "closed", "linked"]
    referral, _, closing, linked = shown["timeline"]
    assert (referral["decision_id"], referral["route"], referral["priority"]) == (first, "mast", "standard")
    assert referral["team"].startswith("mast/")
    assert (closing["reason"], closing["by"]) == ("needs met", "front-door-team")
    assert (linked["by"], linked["linked_with"], linked["household_id"]) == ("front-door-team", first, household)
    assert any("same NHS number" in reason for reason in linked["evidence"])
    assert [(c["decision_id"], c["name"], c["email"]) for c in shown["contacts"]] == [
        (second, "Ms Price", "price@hillside.example"),
        (first, "Ms Price", "price@hillside.example"),
    ]
    assert shown["address"] == ["12 Hill Street", "Sheffield", "S5 7AU"]
    assert [(c["decision_id"], c["open"]) for c in shown["cases"]] == [(first, False), (second, True)]
    assert shown["erased"] == 0


@ON_EACH_DATABASE
def test_a_household_id_merged_into_another_leads_to_it_and_says_so(client, front_door, family, link) -> None:
    a1, a2, b1, b2 = family("R-1", "R-2", "R-3", "R-4")
    older = link(a2, a1).json()["household_id"]
    younger = link(b2, b1).json()["household_id"]
    assert link(b2, older).json()["joined"] == [younger]
    shown = client.get(f"/v1/households/{younger.lower()}", headers=front_door.headers).json()
    assert (shown["household_id"], shown["requested_id"], shown["merged"]) == (older, younger.lower(), True)
    assert len(shown["cases"]) == 4


def test_an_unknown_household_is_404(client, front_door) -> None:
    answer = client.get(f"/v1/households/{UNKNOWN_HOUSEHOLD}", headers=front_door.headers)
    assert (answer.status_code, answer.headers["content-type"]) == (404, PROBLEM_JSON)


@pytest.mark.parametrize("household_id", ["H-1234567", "H-IIIIIIII", "R-1"])
def test_a_malformed_household_id_is_422_naming_it(client, front_door, household_id) -> None:
    answer = client.get(f"/v1/households/{household_id}", headers=front_door.headers)
    assert (answer.status_code, [e["path"] for e in answer.json()["errors"]]) == (422, ["household_id"])


# --- matches ---------------------------------------------------------------------------------------


@ON_EACH_DATABASE
def test_matches_propose_the_earlier_referral_with_each_persons_match_and_why(client, front_door, family) -> None:
    first, second = family("R-1", "R-2")
    answer = client.get(f"/v1/decisions/{second}/matches", headers=front_door.headers)
    assert answer.status_code == 200
    shown = answer.json()
    assert (shown["decision_id"], shown["household_id"], shown["referred_before"]) == (second, None, None)
    [match] = shown["matches"]
    assert (match["target"], match["household_id"], match["family_name"]) == (first, None, "Smith")
    assert (match["referrals"], [c["decision_id"] for c in match["open_cases"]]) == (1, [first])
    jayden = next(p for p in match["people"] if p["incoming"] == "Jayden Smith")
    assert (jayden["strength"], jayden["earlier"]) == ("exact identifier", "Jayden Smith")
    assert "same NHS number" in jayden["reasons"]


def test_a_family_with_nothing_in_common_has_no_matches(client, front_door, submit, family) -> None:
    family("R-1")
    other = submit(front_door, build_referral(parent(given_name="Amira", family_name="Begum"), referral_id="R-2"))
    answer = client.get(f"/v1/decisions/{other.json()['decision_id']}/matches", headers=front_door.headers)
    assert answer.json()["matches"] == []


@ON_EACH_DATABASE
def test_a_linked_referral_has_its_household_and_the_re_referral_flag(client, app, front_door, family, link) -> None:
    first, second = family("R-1", "R-2")
    household = link(second, first).json()["household_id"]
    shown = client.get(f"/v1/decisions/{second}/matches", headers=front_door.headers).json()
    months = app.state.services.front_door.in_force_today.policy.rules.households.re_referral_months
    assert shown["household_id"] == household and shown["matches"] == []
    flag = shown["referred_before"]
    assert (flag["household_id"], flag["months"], flag["referrals"], flag["flagged"]) == (household, months, 2, True)
    assert [c["decision_id"] for c in flag["open_cases"]] == [first]


def test_the_re_referral_window_is_the_one_in_force_today(client, app, front_door, family, link, monkeypatch) -> None:
    """The window comes from the ruleset in force today (rules/ruleset.yaml), not a number in the code."""
    first, second = family("R-1", "R-2")
    link(second, first)
    rules = app.state.services.front_door.in_force_today.policy.rules
    monkeypatch.setattr(rules.households, "re_referral_months", 3)
    flag = client.get(f"/v1/decisions/{second}/matches", headers=front_door.headers).json()["referred_before"]
    assert flag["months"] == 3


def test_matches_of_an_unknown_decision_are_404(client, front_door) -> None:
    answer = client.get(f"/v1/decisions/{UNKNOWN_DECISION}/matches", headers=front_door.headers)
    assert (answer.status_code, answer.headers["content-type"]) == (404, PROBLEM_JSON)


def test_a_decision_id_holding_a_control_character_is_422(client, front_door) -> None:
    answer = client.get("/v1/decisions/a%00b/matches", headers=front_door.headers)
    assert (answer.status_code, [e["path"] for e in answer.json()["errors"]]) == (422, ["decision_id"])


# --- links -----------------------------------------------------------------------------------------


@ON_EACH_DATABASE
def test_confirming_a_match_links_both_referrals_into_a_household_by_the_key_holder(
    client, app, front_door, family, link
) -> None:
    first, second = family("R-1", "R-2")
    answer = link(second, first)
    assert answer.status_code == 201
    made = answer.json()
    assert (made["verdict"], made["decision_id"], made["target"], made["by"]) == (
        "confirm",
        second,
        first,
        "front-door-team",
    )
    assert (
        made["household_id"].startswith("H-") and answer.headers["location"] == f"/v1/households/{made['household_id']}"
    )
    assert any("same NHS number" in reason for reason in made["evidence"])
    households = app.state.services.households
    assert households.household_of(first) == households.household_of(second) == made["household_id"]


@ON_EACH_DATABASE
def test_rejecting_a_match_records_why_and_it_is_not_proposed_again(client, app, front_door, family, link) -> None:
    first, second = family("R-1", "R-2")
    answer = link(second, first, "reject", "a different Smith family")
    assert answer.status_code == 201
    made = answer.json()
    assert (made["verdict"], made["household_id"], made["reason"], made["by"]) == (
        "reject",
        None,
        "a different Smith family",
        "front-door-team",
    )
    assert answer.headers["location"] == f"/v1/decisions/{second}/matches"
    assert client.get(f"/v1/decisions/{second}/matches", headers=front_door.headers).json()["matches"] == []
    assert [e.kind for e in app.state.services.store.queries.history(second)] == ["decision", "link_rejected"]


def test_undoing_a_link_takes_the_referral_out_of_its_household(client, app, front_door, family, link) -> None:
    first, second = family("R-1", "R-2")
    household = link(second, first).json()["household_id"]
    answer = link(second, household, "undo", "a cousin's family")
    assert answer.status_code == 201
    assert (answer.json()["verdict"], answer.json()["target"], answer.json()["household_id"]) == (
        "undo",
        household,
        None,
    )
    assert client.get(f"/v1/decisions/{second}/matches", headers=front_door.headers).json()["household_id"] is None
    assert [e.kind for e in app.state.services.store.queries.history(second)][-1] == "unlinked"


def test_undoing_a_link_to_another_household_is_422_naming_the_target(family, link) -> None:
    first, second = family("R-1", "R-2")
    link(second, first)
    answer = link(second, "H-00000000", "undo", "mistake")
    assert (answer.status_code, [e["path"] for e in answer.json()["errors"]]) == (422, ["target"])


def test_rejecting_without_a_reason_is_422_naming_the_reason(family, link) -> None:
    first, second = family("R-1", "R-2")
    answer = link(second, first, "reject", "  ")
    assert (answer.status_code, [e["path"] for e in answer.json()["errors"]]) == (422, ["reason"])


def test_linking_a_family_matching_did_not_propose_needs_a_reason(submit, front_door, family, link) -> None:
    [smith] = family("R-1")
    other = submit(front_door, build_referral(parent(given_name="Amira", family_name="Begum"), referral_id="R-2"))
    answer = link(other.json()["decision_id"], smith)
    assert (answer.status_code, [e["path"] for e in answer.json()["errors"]]) == (422, ["reason"])
    assert link(other.json()["decision_id"], smith, reason="mother remarried").status_code == 201


def test_linking_twice_is_422_naming_the_target(family, link) -> None:
    first, second = family("R-1", "R-2")
    link(second, first)
    answer = link(second, first, reason="again")
    assert (answer.status_code, [e["path"] for e in answer.json()["errors"]]) == (422, ["target"])
    assert "already" in answer.json()["errors"][0]["reason"]


@pytest.mark.parametrize("target", ["no-such-decision", "SELF"])
def test_linking_with_no_referral_or_with_itself_is_422_naming_the_target(family, link, target) -> None:
    [decision_id] = family("R-1")
    answer = link(decision_id, decision_id if target == "SELF" else target, reason="why")
    assert (answer.status_code, [e["path"] for e in answer.json()["errors"]]) == (422, ["target"])


def test_linking_with_an_unknown_household_is_404_naming_the_target(family, link) -> None:
    [decision_id] = family("R-1")
    answer = link(decision_id, UNKNOWN_HOUSEHOLD, reason="why")
    assert (answer.status_code, answer.headers["content-type"]) == (404, PROBLEM_JSON)
    assert [e["path"] for e in answer.json()["errors"]] == ["target"]


def test_linking_an_unknown_decision_is_404(family, link) -> None:
    [decision_id] = family("R-1")
    answer = link(UNKNOWN_DECISION, decision_id, reason="why")
    assert (answer.status_code, answer.headers["content-type"]) == (404, PROBLEM_JSON)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target": "x", "verdict": "maybe"}, "verdict"),
        ({"verdict": "confirm"}, "target"),
        ({"target": "", "verdict": "confirm"}, "target"),
        ({"target": "x", "verdict": "confirm", "reason": "r" * 4001}, "reason"),
        ({"target": "x", "verdict": "confirm", "reason": "bad\x00"}, "reason"),
        ({"target": "x", "verdict": "confirm", "by": "someone else"}, "by"),
    ],
)
def test_a_malformed_link_request_is_422_naming_the_field(client, front_door, family, body, field) -> None:
    [decision_id] = family("R-1")
    answer = client.post(f"/v1/decisions/{decision_id}/links", json=body, headers=front_door.headers)
    assert (answer.status_code, [e["path"] for e in answer.json()["errors"]]) == (422, [field])


def test_a_link_body_that_is_not_json_is_415(client, front_door, family) -> None:
    [decision_id] = family("R-1")
    answer = client.post(f"/v1/decisions/{decision_id}/links", content=b"target=x", headers=front_door.headers)
    assert answer.status_code == 415
