"""A policy lead changes what the engine decides by editing YAML only.

Each test decides one referral with the shipped policy, makes one edit to a private copy of the
policy folders, loads it, and decides the same referral again: the decision follows the edit, in
both backends.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from triage.engine import Engine
from triage.intake import parse_referral
from triage.models import Decision
from triage.rulebook import Policy, load_policy

CHILD_AT_88_PCT = {"id": "c1", "role": "child", "age": 12, "school": {"attendance_pct": 88}}


@pytest.fixture(params=["durable", "python"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def _decide(policy: Policy, backend: str, data: dict[str, Any]) -> Decision:
    engine = Engine(policy, backend)
    return engine.decide(parse_referral(data, engine.compiled.agencies))


def _by_id(items: list[dict[str, Any]], wanted: str) -> dict[str, Any]:
    [item] = [item for item in items if item["id"] == wanted]
    return item


# -- a threshold --------------------------------------------------------------------------


def _persistent_absence_at(percent: int, version: int = 1):
    def change(data: dict[str, Any]) -> None:
        term = _by_id(data["definitions"], "persistent_absence")
        [attendance] = [c for c in term["test"]["all"] if c.get("field") == "school.attendance_pct"]
        attendance["le"] = percent
        term["version"] = version

    return change


def test_lowering_the_persistent_absence_threshold(policy, policy_copy, edit, backend, referral):
    data = referral(CHILD_AT_88_PCT)
    assert "school_attendance" in _decide(policy, backend, data).problems

    edit(policy_copy / "definitions" / "terms.yaml", _persistent_absence_at(85))
    after = _decide(load_policy(policy_copy), backend, data)

    assert after.problems == []
    assert after.route == "universal_signpost"


def test_a_child_below_the_new_threshold_cites_the_new_definition_version(policy_copy, edit, backend, referral):
    edit(policy_copy / "definitions" / "terms.yaml", _persistent_absence_at(85, version=2))
    decision = _decide(
        load_policy(policy_copy), backend, referral({**CHILD_AT_88_PCT, "school": {"attendance_pct": 84}})
    )
    assert [(e.indicator, e.definition) for e in decision.evidence] == [("persistent_absence", "persistent_absence@2")]


# -- a weight -----------------------------------------------------------------------------


def test_raising_a_modifier_weight_changes_the_need_score(policy, policy_copy, edit, backend, referral):
    data = referral({"id": "p1", "role": "parent_carer", "age": 34, "domestic_abuse": {"marac_high_risk": True}})
    before = _decide(policy, backend, data)
    assert before.need_score == 10 + 15

    edit(
        policy_copy / "rules" / "need_score.yaml",
        lambda d: _by_id(d["need_score"]["modifiers"], "marac_high_risk").update(points=30),
    )
    after = _decide(load_policy(policy_copy), backend, data)

    assert after.need_score == 10 + 30
    assert [(m.modifier, m.points) for m in after.modifiers] == [("marac_high_risk", 30)]


# -- a route's order ----------------------------------------------------------------------


def _bsf_before_consent(data: dict[str, Any]) -> None:
    routing = data["routing"]
    bsf = routing.pop(routing.index(_by_id(routing, "bsf_intensive")))
    routing.insert(routing.index(_by_id(routing, "consent")), bsf)


def test_moving_bsf_before_consent_routes_a_no_consent_family_to_bsf(policy, policy_copy, edit, backend, referral):
    data = referral(
        {
            "id": "p1",
            "role": "parent_carer",
            "age": 34,
            "employment": {"out_of_work_benefits": True},
            "health": {"mental_health_concern": True},
        },
        {"id": "c1", "role": "child", "age": 12, "school": {"attendance_pct": 80}},
        consent={"given": False},
    )
    before = _decide(policy, backend, data)
    assert (len(before.problems), before.route) == (3, "consent_required")

    edit(policy_copy / "rules" / "routing.yaml", _bsf_before_consent)
    after = _decide(load_policy(policy_copy), backend, data)

    assert (after.route, after.matched_rule, after.priority) == ("bsf", "bsf_intensive", "high")


# -- a locality's districts ---------------------------------------------------------------


def _move_district(district: str, to: str, source: str | None = None):
    def change(data: dict[str, Any]) -> None:
        if source:
            _by_id(data["localities"], source)["districts"].remove(district)
        _by_id(data["localities"], to)["districts"].append(district)

    return change


def test_moving_a_district_to_another_locality(policy, policy_copy, edit, backend, referral):
    data = referral(CHILD_AT_88_PCT, postcode="S5 7AU")
    before = _decide(policy, backend, data)
    assert (before.route, before.locality) == ("mast", "north")

    edit(policy_copy / "service_catalogue" / "localities.yaml", _move_district("S5", to="east", source="north"))
    after = _decide(load_policy(policy_copy), backend, data)

    assert (after.route, after.locality) == ("mast", "east")
    assert "MAST east team" in after.reasons[0]


def test_adding_a_district_brings_it_into_area(policy, policy_copy, edit, backend, referral):
    data = referral(CHILD_AT_88_PCT, postcode="S40 1AA")
    assert _decide(policy, backend, data).route == "out_of_area"

    edit(policy_copy / "service_catalogue" / "localities.yaml", _move_district("S40", to="west"))
    after = _decide(load_policy(policy_copy), backend, data)

    assert (after.route, after.locality) == ("mast", "west")


# -- a timescale --------------------------------------------------------------------------


def test_longer_standard_timescale_moves_respond_by(policy, policy_copy, edit, backend, referral):
    data = referral(CHILD_AT_88_PCT)  # received Friday 20 November 2026, no bank holidays near
    before = _decide(policy, backend, data)
    assert before.priority == "standard"

    edit(policy_copy / "rules" / "ruleset.yaml", lambda d: _by_id(d["priorities"], "standard").update(working_days=15))
    after = _decide(load_policy(policy_copy), backend, data)

    assert after.priority == "standard"
    assert after.respond_by == before.respond_by + dt.timedelta(days=7)  # five more working days


# -- the version ----------------------------------------------------------------------------


def _bump_version(data: dict[str, Any]) -> None:
    data["version"] = "2026.2"
    data["changelog"].append({"version": "2026.2", "date": dt.date(2026, 1, 5), "summary": "Test bump."})


def test_version_bump_is_cited_by_decisions(policy, policy_copy, edit, backend, referral):
    data = referral(CHILD_AT_88_PCT)
    before = _decide(policy, backend, data)
    assert before.ruleset.version == "2026.1"

    edit(policy_copy / "rules" / "ruleset.yaml", _bump_version)
    edited = load_policy(policy_copy)
    after = _decide(edited, backend, data)

    assert after.ruleset.version == "2026.2"
    assert after.ruleset.sha256 == edited.sha256 != before.ruleset.sha256
    assert after.route == before.route


def test_an_edited_copy_leaves_the_shipped_policy_alone(policy, policy_copy, edit, backend, referral):
    edit(
        policy_copy / "rules" / "need_score.yaml",
        lambda d: _by_id(d["need_score"]["modifiers"], "marac_high_risk").update(points=30),
    )
    load_policy(policy_copy)
    data = referral({"id": "p1", "role": "parent_carer", "age": 34, "domestic_abuse": {"marac_high_risk": True}})
    assert _decide(policy, backend, data).need_score == 25
