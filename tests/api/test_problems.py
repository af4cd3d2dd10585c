"""Every error is an RFC 9457 problem detail (application/problem+json) that says what went wrong
and for which field, and never what the referral said, nor where in the code it failed."""

from __future__ import annotations

import json

import pytest

from triage.access import Role

from support import SPEC_EXAMPLE, parent

PROBLEM_JSON = "application/problem+json"
MARKER = "NARRATIVE-9c41e7-do-not-repeat"
WITH_MARKER = {**SPEC_EXAMPLE, "narrative": f"The family told us: {MARKER}"}
LEAKS = (MARKER, "Traceback", 'File "')


def assert_problem(response, status: int) -> dict:
    assert (response.status_code, response.headers["content-type"]) == (status, PROBLEM_JSON)
    body = response.json()
    assert (body["status"], body["type"]) == (status, "about:blank")
    assert body["title"]
    return body


def assert_no_leak(response) -> None:
    assert [leak for leak in LEAKS if leak in response.text] == []


def test_an_unknown_path_gets_a_404_problem(client):
    assert_problem(client.get("/v1/nothing-here"), 404)


def test_a_method_a_path_does_not_take_gets_a_405_problem_with_allow(client, partner):
    response = client.delete("/v1/decisions", headers=partner.headers)
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET"


def test_an_invalid_query_parameter_gets_a_422_problem_naming_it(client, auditor):
    body = assert_problem(client.get("/v1/audit/events", params={"limit": 0}, headers=auditor.headers), 422)
    assert [e["path"] for e in body["errors"]] == ["limit"]


def test_an_invalid_query_parameter_is_not_quoted_back(client, partner):
    response = client.get("/v1/decisions", params={"since": MARKER}, headers=partner.headers)
    assert_problem(response, 422)
    assert_no_leak(response)


def test_a_forbidden_request_gets_a_403_problem_naming_the_role(client, issue):
    policy_lead = issue(Role.POLICY_LEAD)
    body = assert_problem(client.post("/v1/referrals", json=SPEC_EXAMPLE, headers=policy_lead.headers), 403)
    assert "policy_lead" in body["detail"]


# --- nothing personal, nothing internal ---------------------------------------------------------


def test_an_invalid_referral_is_refused_without_its_narrative(submit, partner):
    response = submit(partner, {**WITH_MARKER, "household": {"postcode": "S5 7AU", "members": [parent(age=-1)]}})
    assert_problem(response, 422)
    assert_no_leak(response)


def test_a_narrative_over_the_limit_is_refused_without_quoting_it(submit, partner):
    response = submit(partner, {**SPEC_EXAMPLE, "narrative": MARKER * 1000})
    body = assert_problem(response, 422)
    assert [e["path"] for e in body["errors"]] == ["narrative"]
    assert_no_leak(response)


def test_a_conflicting_referral_is_refused_without_its_narrative(submit, partner):
    submit(partner, SPEC_EXAMPLE)
    response = submit(partner, WITH_MARKER)
    assert_problem(response, 409)
    assert_no_leak(response)


def test_a_referral_with_a_repeated_key_is_refused_without_its_narrative(client, partner):
    text = json.dumps(WITH_MARKER)[:-1] + ', "narrative": "again"}'
    response = client.post(
        "/v1/referrals", content=text, headers={**partner.headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 400)
    assert_no_leak(response)


def test_a_referral_for_the_wrong_agency_is_refused_without_its_narrative(submit, issue):
    police = issue(Role.PARTNER, "police-niche", agency="police")
    response = submit(police, WITH_MARKER)
    assert_problem(response, 403)
    assert_no_leak(response)


def test_a_batch_with_a_refused_item_does_not_repeat_any_narrative(client, partner):
    items = [WITH_MARKER, {**WITH_MARKER, "referral_id": "X-2", "household": {"postcode": "S5 7AU", "members": []}}]
    response = client.post("/v1/referrals/batch", json={"referrals": items}, headers=partner.headers)
    assert [r["status"] for r in response.json()["results"]] == [201, 422]
    assert_no_leak(response)


@pytest.fixture
def failing_engine(app, monkeypatch):
    """The engine fails on every referral with an error that quotes it (as a bug might)."""

    def fail(referral, decided_at=None):
        raise RuntimeError(f"cannot decide {referral.narrative}")

    monkeypatch.setattr(app.state.services.front_door.latest, "decide", fail)


def test_a_referral_the_engine_cannot_decide_gets_a_500_problem_without_its_narrative(submit, partner, failing_engine):
    response = submit(partner, WITH_MARKER)
    assert_problem(response, 500)
    assert_no_leak(response)


def test_a_referral_the_engine_cannot_decide_is_not_recorded(client, submit, partner, auditor, failing_engine):
    submit(partner, WITH_MARKER)
    assert client.get("/v1/audit/verify", headers=auditor.headers).json()["events"] == 1  # the ruleset load only


def test_a_batch_item_the_engine_cannot_decide_gets_its_500_in_place(client, partner, failing_engine):
    response = client.post("/v1/referrals/batch", json={"referrals": [WITH_MARKER]}, headers=partner.headers)
    [result] = response.json()["results"]
    assert (response.status_code, result["status"], result["problem"]["status"]) == (200, 500, 500)
    assert_no_leak(response)


@pytest.fixture
def failing_store(app, monkeypatch):
    """Reading a decision's history fails with an unexpected error that quotes personal data."""

    def fail(decision_id):
        raise RuntimeError(f"database said: {MARKER}")

    monkeypatch.setattr(app.state.services.store.queries, "history", fail)


def test_an_unexpected_error_gets_a_500_problem_naming_only_the_request_id(client, front_door, failing_store):
    response = client.get("/v1/decisions/abc", headers={**front_door.headers, "X-Request-ID": "req-500"})
    body = assert_problem(response, 500)
    assert "req-500" in body["detail"]
    assert_no_leak(response)
