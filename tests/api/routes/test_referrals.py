"""POST /v1/referrals and /v1/referrals/batch: decisions recorded and returned, idempotent per
caller, agency-bound keys, and a batch answered item by item."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from triage.access import Role
from triage.api.schemas import BATCH_LIMIT
from triage.app import create_app
from triage.settings import Settings

from support import SPEC_EXAMPLE, TEST_NOW, build_referral, child, parent

PROBLEM_JSON = "application/problem+json"


def family(referral_id: str, **changes) -> dict:
    """A valid referral: a parent and a child, no problems (routed to universal_signpost)."""
    return build_referral(parent(), child(), referral_id=referral_id, **changes)


# --- one referral -------------------------------------------------------------------------------


def test_a_new_referral_gets_201_and_the_policys_decision(submit, partner):
    response = submit(partner, SPEC_EXAMPLE)
    assert response.status_code == 201
    decision = response.json()
    assert (decision["referral_id"], decision["route"], decision["priority"], decision["matched_rule"]) == (
        "R-2026-000123",
        "bsf",
        "high",
        "bsf_intensive",
    )


def test_the_location_header_is_the_decisions_url_and_serves_the_same_decision(client, submit, partner):
    created = submit(partner, SPEC_EXAMPLE)
    assert created.headers["location"] == f"/v1/decisions/{created.json()['decision_id']}"
    fetched = client.get(created.headers["location"], headers=partner.headers)
    assert (fetched.status_code, fetched.json()) == (200, created.json())


def test_the_same_referral_again_gets_200_and_the_recorded_decision(submit, partner):
    first = submit(partner, SPEC_EXAMPLE)
    again = submit(partner, SPEC_EXAMPLE)
    assert (again.status_code, again.json()) == (200, first.json())


def test_the_same_payload_with_its_keys_in_another_order_is_the_same_referral(submit, partner):
    first = submit(partner, SPEC_EXAMPLE)
    reordered = dict(reversed(list(copy.deepcopy(SPEC_EXAMPLE).items())))
    again = submit(partner, reordered)
    assert (again.status_code, again.json()["decision_id"]) == (200, first.json()["decision_id"])


def test_a_different_payload_under_a_referral_id_already_used_gets_409(submit, partner):
    submit(partner, SPEC_EXAMPLE)
    changed = {**SPEC_EXAMPLE, "narrative": "a different referral under the same id"}
    response = submit(partner, changed)
    assert (response.status_code, response.headers["content-type"]) == (409, PROBLEM_JSON)
    assert "R-2026-000123" in response.json()["detail"]


def test_a_conflicting_payload_does_not_replace_the_recorded_decision(client, submit, partner):
    first = submit(partner, SPEC_EXAMPLE).json()
    submit(partner, {**SPEC_EXAMPLE, "narrative": "a different referral under the same id"})
    listed = client.get("/v1/decisions", params={"referral_id": "R-2026-000123"}, headers=partner.headers).json()
    assert [d["decision_id"] for d in listed["items"]] == [first["decision_id"]]


def test_two_partners_may_use_the_same_referral_id_and_each_gets_its_own_decision(client, submit, issue):
    school, police = issue(Role.PARTNER, "hillside-school-mis"), issue(Role.PARTNER, "police-niche")
    for_school = submit(school, SPEC_EXAMPLE)
    for_police = submit(police, {**SPEC_EXAMPLE, "narrative": "the police's own referral"})
    assert (for_school.status_code, for_police.status_code) == (201, 201)
    assert for_school.json()["decision_id"] != for_police.json()["decision_id"]
    mine = client.get("/v1/decisions", headers=police.headers).json()["items"]
    assert [d["decision_id"] for d in mine] == [for_police.json()["decision_id"]]


# --- agency-bound keys --------------------------------------------------------------------------


def test_a_key_bound_to_an_agency_may_refer_as_that_agency(submit, issue):
    school = issue(Role.PARTNER, "hillside-school-mis", agency="school")
    assert submit(school, family("AG-1", referrer={"agency": "school"})).status_code == 201


def test_a_key_bound_to_an_agency_may_not_refer_as_another(submit, issue):
    school = issue(Role.PARTNER, "hillside-school-mis", agency="school")
    response = submit(school, family("AG-1", referrer={"agency": "police"}))
    assert (response.status_code, response.headers["content-type"]) == (403, PROBLEM_JSON)
    assert [e["path"] for e in response.json()["errors"]] == ["referrer.agency"]


def test_a_refused_agency_records_nothing(client, submit, issue, front_door):
    school = issue(Role.PARTNER, "hillside-school-mis", agency="school")
    submit(school, family("AG-1", referrer={"agency": "police"}))
    assert client.get("/v1/decisions", headers=front_door.headers).json()["items"] == []


def test_a_key_bound_to_an_agency_sent_a_referral_without_one_gets_the_validation_error(submit, issue):
    school = issue(Role.PARTNER, "hillside-school-mis", agency="school")
    response = submit(school, family("AG-1", referrer={"name": "A. Teacher"}))
    assert (response.status_code, [e["path"] for e in response.json()["errors"]]) == (422, ["referrer.agency"])


@pytest.mark.parametrize("agency", ["school", "police", "health"])
def test_a_key_without_an_agency_may_refer_as_any_agency(submit, partner, agency):
    assert submit(partner, family(f"ANY-{agency}", referrer={"agency": agency})).status_code == 201


# --- batches ------------------------------------------------------------------------------------


def batch(client, caller, referrals):
    return client.post("/v1/referrals/batch", json={"referrals": referrals}, headers=caller.headers)


def test_a_batch_answers_each_referral_in_its_place(client, submit, partner):
    submit(partner, family("B-OLD"))
    items = [
        family("B-NEW"),
        family("B-BAD", household={"postcode": "S5 7AU", "members": [parent(age=-1)]}),
        family("B-NEW", narrative="same id as the first, another payload"),
        family("B-OLD"),
    ]
    response = batch(client, partner, items)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [(0, 201), (1, 422), (2, 409), (3, 200)]


def test_a_batch_item_refused_names_its_fields_and_others_carry_decisions(client, partner):
    items = [family("B-1"), family("B-2", household={"postcode": "S5 7AU", "members": [parent(age=-1)]})]
    decided, refused = batch(client, partner, items).json()["results"]
    assert (decided["decision"]["referral_id"], decided["problem"]) == ("B-1", None)
    assert decided["decision"] is not None and refused["decision"] is None
    assert [e["path"] for e in refused["problem"]["errors"]] == ["household.members[0].age"]


def test_a_batch_item_already_decided_returns_the_recorded_decision(client, submit, partner):
    recorded = submit(partner, family("B-OLD")).json()
    [result] = batch(client, partner, [family("B-OLD")]).json()["results"]
    assert result["decision"] == recorded


def test_a_batch_decision_is_readable_afterwards(client, partner):
    [result] = batch(client, partner, [family("B-1")]).json()["results"]
    fetched = client.get(f"/v1/decisions/{result['decision']['decision_id']}", headers=partner.headers)
    assert fetched.json() == result["decision"]


def test_a_batch_from_an_agency_bound_key_refuses_only_the_other_agencys_items(client, issue):
    school = issue(Role.PARTNER, "hillside-school-mis", agency="school")
    items = [family("B-1", referrer={"agency": "school"}), family("B-2", referrer={"agency": "police"})]
    results = batch(client, school, items).json()["results"]
    assert [r["status"] for r in results] == [201, 403]


@pytest.mark.parametrize("count", [0, BATCH_LIMIT + 1], ids=["empty", "over-the-limit"])
def test_a_batch_of_the_wrong_size_is_refused_whole(client, partner, front_door, count):
    response = batch(client, partner, [family(f"B-{i}") for i in range(count)])
    assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM_JSON)
    assert [e["path"] for e in response.json()["errors"]] == ["referrals"]
    assert client.get("/v1/decisions", headers=front_door.headers).json()["items"] == []


def test_a_batch_of_exactly_the_limit_is_accepted(client, partner):
    response = batch(client, partner, [family(f"B-{i}") for i in range(BATCH_LIMIT)])
    assert response.status_code == 200
    assert {r["status"] for r in response.json()["results"]} == {201}


@pytest.mark.parametrize(
    "body",
    [
        [family("B-1")],
        {"referrals": family("B-1")},
        {"items": [family("B-1")]},
        {"referrals": [family("B-1")], "extra": True},
        "referrals",
    ],
    ids=["a-list", "referrals-not-a-list", "no-referrals-key", "an-extra-key", "a-string"],
)
def test_a_batch_body_that_is_not_an_object_with_a_referrals_list_gets_422(client, partner, body):
    response = client.post("/v1/referrals/batch", json=body, headers=partner.headers)
    assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM_JSON)


def test_a_referral_twice_in_one_batch_is_decided_once_then_returned_as_recorded(client, partner):
    response = batch(client, partner, [family("TWICE-1"), family("TWICE-1")])
    first, second = response.json()["results"]
    assert (first["status"], second["status"]) == (201, 200)
    assert first["decision"]["decision_id"] == second["decision"]["decision_id"]


def test_the_front_door_may_pin_the_installed_ruleset_version(client, front_door):
    response = client.post("/v1/referrals?ruleset=2026.1", json=family("PIN-1"), headers=front_door.headers)
    assert (response.status_code, response.json()["ruleset_selection"]) == (201, "version 2026.1 pinned by the caller")


def test_pinning_a_version_not_installed_is_a_422_naming_the_installed_ones(client, front_door):
    response = client.post("/v1/referrals?ruleset=1999.1", json=family("PIN-2"), headers=front_door.headers)
    assert (response.status_code, "installed: 2026.1" in response.json()["detail"]) == (422, True)


def test_a_partner_may_not_pin_a_ruleset_and_gets_403_naming_the_parameter(client, partner, front_door):
    """A partner must not choose the policy its referral is decided by: nothing is decided or recorded."""
    response = client.post("/v1/referrals?ruleset=2026.1", json=family("PIN-3"), headers=partner.headers)
    assert (response.status_code, response.headers["content-type"]) == (403, PROBLEM_JSON)
    assert [e["path"] for e in response.json()["errors"]] == ["ruleset"] and "'ruleset'" in response.json()["detail"]
    assert client.get("/v1/decisions", headers=front_door.headers).json()["items"] == []


def test_a_partner_may_not_pin_a_ruleset_for_a_batch_either(client, partner):
    response = client.post(
        "/v1/referrals/batch?ruleset=2026.1", json={"referrals": [family("PIN-4")]}, headers=partner.headers
    )
    assert (response.status_code, response.json()["errors"][0]["path"]) == (403, "ruleset")


# --- strings a partner's bug can break: refused before anything is recorded ---------------------

UNSAFE = "must not contain control characters or unpaired surrogates"
STRING_FIELDS = [
    ("referrer", "name"),
    ("referrer", "role"),
    ("consent", "by"),
    ("narrative",),
    ("household", "postcode"),
    ("household", "members", 0, "id"),
    ("referral_id",),
]


def _with(path: tuple, value: str) -> dict:
    data = family("S-1", referrer={"agency": "school"}, consent={"given": True})
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


def _path(path: tuple) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")


def _post(client, url: str, caller, body) -> object:
    """POST JSON as a partner's system writes it: json.dumps escapes a lone surrogate as \\ud83d
    (httpx's ``json=`` would fail to encode it before sending anything)."""
    return client.post(url, content=json.dumps(body), headers={**caller.headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("value", ["\ud83d", "A\x00B"], ids=["lone-surrogate", "nul"])
@pytest.mark.parametrize("path", STRING_FIELDS, ids=_path)
def test_a_control_character_or_lone_surrogate_is_a_422_naming_the_field_and_nothing_is_recorded(
    client, partner, front_door, path, value
):
    response = _post(client, "/v1/referrals", partner, _with(path, value))
    assert (response.status_code, response.json()["errors"]) == (422, [{"path": _path(path), "reason": UNSAFE}])
    assert client.get("/v1/decisions", headers=front_door.headers).json()["items"] == []


def test_a_batch_with_a_lone_surrogate_in_one_item_decides_and_records_the_others(client, partner, front_door):
    items = [family("G-1"), _with(("referrer", "name"), "\ud83d"), family("G-2")]
    results = _post(client, "/v1/referrals/batch", partner, {"referrals": items}).json()["results"]
    assert [r["status"] for r in results] == [201, 422, 201]
    assert results[1]["problem"]["errors"] == [{"path": "referrer.name", "reason": UNSAFE}]
    recorded = client.get("/v1/decisions", headers=front_door.headers).json()["items"]
    assert [d["referral_id"] for d in recorded] == ["G-1", "G-2"]


def test_a_count_beyond_a_thousand_is_a_422_and_nothing_is_recorded(client, submit, partner, front_door):
    response = submit(
        partner, build_referral(parent(), child(school={"fixed_term_exclusions_3_terms": 10**309}), referral_id="BIG-1")
    )
    assert (response.status_code, [e["path"] for e in response.json()["errors"]]) == (
        422,
        ["household.members[1].school.fixed_term_exclusions_3_terms"],
    )
    assert client.get("/v1/decisions", headers=front_door.headers).json()["items"] == []


# --- received_at: a referral arriving now was received lately (rules/ruleset.yaml, intake) -------
# The test app's clock reads support.TEST_NOW (2026-11-20T10:20:00Z).


@pytest.mark.parametrize(
    ("received_at", "status"),
    [
        ("2026-11-20T10:26:00Z", 422),
        ("2026-11-20T10:24:00Z", 201),  # 6 and 4 minutes ahead of the clock
        ("2026-08-21T10:19:00Z", 422),
        ("2026-08-23T10:20:00Z", 201),  # 91 days and a minute, and 89 days, ago
        ("2000-01-03T09:00:00Z", 422),
        ("2099-01-05T09:00:00Z", 422),
    ],
    ids=["6-minutes-ahead", "4-minutes-ahead", "91-days-ago", "89-days-ago", "in-2000", "in-2099"],
)
def test_received_at_must_be_within_the_last_90_days_and_not_in_the_future(submit, partner, received_at, status):
    assert submit(partner, family("W-1", received_at=received_at)).status_code == status


def test_a_received_at_outside_the_window_is_named_with_the_window_in_words(client, submit, partner, front_door):
    response = submit(partner, family("W-1", received_at="2000-01-03T09:00:00Z"))
    assert response.json()["errors"] == [
        {
            "path": "received_at",
            "reason": (
                "must be within the last 90 days and no more than 5 minutes ahead of now: "
                "between 2026-08-22T10:20:00Z and 2026-11-20T10:25:00Z"
            ),
        }
    ]
    assert client.get("/v1/decisions", headers=front_door.headers).json()["items"] == []


def test_a_batch_refuses_only_the_item_received_too_long_ago(client, partner):
    items = [family("W-1"), family("W-2", received_at="2000-01-03T09:00:00Z"), family("W-3")]
    results = batch(client, partner, items).json()["results"]
    assert [(r["status"], [e["path"] for e in (r["problem"] or {}).get("errors", [])]) for r in results] == [
        (201, []),
        (422, ["received_at"]),
        (201, []),
    ]


def test_the_window_is_the_rulesets(policy_copy, tmp_path, edit):
    """A policy lead who sets intake.received_within_days to 30 narrows the API's window to 30 days."""
    edit(policy_copy / "rules" / "ruleset.yaml", lambda data: data["intake"].update(received_within_days=30))
    app = create_app(Settings(audit_db=tmp_path / "w.sqlite3", engine="python", rules_dirs=[policy_copy]))
    app.state.services.front_door.clock = lambda: TEST_NOW
    key = app.state.services.keys.create("w", Role.PARTNER)[1]
    client = TestClient(app, raise_server_exceptions=False)
    statuses = [
        client.post(
            "/v1/referrals",
            json=family(f"W-{days}", received_at=f"2026-10-{day}T10:30:00Z"),
            headers={"Authorization": f"Bearer {key}"},
        ).status_code
        for days, day in ((29, 22), (31, 20))
    ]
    app.state.services.store.db.dispose()
    assert statuses == [201, 422]


def test_the_servers_own_clock_takes_a_referral_received_now(settings):
    app = create_app(settings)  # its own clock, not the tests' TEST_NOW
    key = app.state.services.keys.create("w", Role.PARTNER)[1]
    client = TestClient(app, raise_server_exceptions=False)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    statuses = [
        client.post(
            "/v1/referrals", json=family(f"N-{n}", received_at=when), headers={"Authorization": f"Bearer {key}"}
        ).status_code
        for n, when in enumerate((now, "2000-01-03T09:00:00Z"))
    ]
    app.state.services.store.db.dispose()
    assert statuses == [201, 422]
