"""Property tests over generated valid referrals (hypothesis), plus a policy oracle.

The oracle below is written from the policy text (§1-§5, §7) alone; it is compared with the engine
on every generated referral, as are the structural properties the contract promises.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.intake import parse_referral

from support import (
    BOOL_FIELDS,
    COUNT_FIELDS,
    HOUSING_FIELDS,
    MEMBER_COUNTS,
    MEMBER_FLAGS,
    POLICY_ORDER,
    RULE_4_ROUTES,
    set_consent_and_risk,
)

SETTINGS = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

CATALOGUE = {
    "mast",
    "bsf",
    "childrens_social_care",
    "adult_social_care",
    "domestic_abuse_service",
    "youth_justice_service",
    "drug_alcohol_service",
    "adult_mental_health",
    "camhs",
    "housing_solutions",
    "employment_support",
    "universal_signpost",
}
OUTCOMES = CATALOGUE | {"out_of_area", "consent_required"}
LOCALITIES = {
    "north": {"S3", "S5", "S6", "S35", "S36"},
    "east": {"S2", "S4", "S9", "S12", "S13", "S14", "S20"},
    "west": {"S1", "S7", "S8", "S10", "S11", "S17"},
}
RULE_PRIORITY = {
    "out_of_area": "standard",
    "safeguarding": "immediate",
    "adult_safeguarding": "immediate",
    "no_dependent_children": "standard",
    "consent": "standard",
    "bsf_intensive": "high",
    "mast_early_help": "standard",
    "below_threshold": "standard",
}
RULE_ROUTE = {
    "out_of_area": "out_of_area",
    "safeguarding": "childrens_social_care",
    "adult_safeguarding": "adult_social_care",
    "consent": "consent_required",
    "bsf_intensive": "bsf",
    "mast_early_help": "mast",
    "below_threshold": "universal_signpost",
}

COVERED_POSTCODES = [
    "S5 7AU",
    "s57au",
    "S5",
    " s5 7au ",
    "s12bx",
    "S12 2BX",
    "S35 1AA",
    "S20",
    "S10 2TN",
    "S3 8AA",
    "S2",
    "s4 7qq",
    "S9 3HU",
    "S13 8AB",
    "S14 1AA",
    "S6 2AA",
    "S36 4HG",
    "S7 1AA",
    "S8 0ZZ",
    "S11 8AA",
    "S17 3AA",
    "S1 2BX",
]
UNCOVERED_POSTCODES = ["S40 1AA", "M1 1AA", "S18 1AA", "S21", "s401aa", "DN1 1AA", "SW1A 1AA", "LS1 4AP"]


# --- strategies -----------------------------------------------------------------------------

# 997: the largest count the contract takes (1,000) less the most referral_and_escalation adds (3)
counts = st.one_of(st.sampled_from([0, 1, 2, 3, 4, 997]), st.integers(0, 30))
attendance = st.one_of(
    st.sampled_from([0, 1e-05, 49.9, 50, 50.0, 50.1, 89.9, 90, 90.0, 90.1, 100]),
    st.floats(0, 100, allow_nan=False, allow_infinity=False),
)


def section(name: str) -> st.SearchStrategy[dict[str, Any]]:
    optional: dict[str, st.SearchStrategy[Any]] = {field: st.booleans() for field in BOOL_FIELDS[name]}
    optional.update({field: counts for field in COUNT_FIELDS.get(name, [])})
    if name == "school":
        optional["attendance_pct"] = attendance
    return st.fixed_dictionaries({}, optional=optional)


@st.composite
def a_member(draw: st.DrawFn, member_id: str) -> dict[str, Any]:
    role = draw(st.sampled_from(["parent_carer", "child", "other_adult"]))
    if role == "child":
        age = draw(st.one_of(st.sampled_from([0, 4, 5, 15, 16, 17]), st.integers(0, 17)))
    else:
        age = draw(st.one_of(st.sampled_from([15, 16, 17, 18, 24, 25]), st.integers(0, 120)))
    data: dict[str, Any] = {"id": member_id, "role": role, "age": age}
    for name in BOOL_FIELDS:
        if draw(st.booleans()):
            data[name] = draw(section(name))
    return data


@st.composite
def referrals(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 6))
    members = [draw(a_member(f"m{i}")) for i in range(n)]
    household: dict[str, Any] = {
        "postcode": draw(st.one_of(st.sampled_from(COVERED_POSTCODES), st.sampled_from(UNCOVERED_POSTCODES))),
        "members": members,
    }
    if draw(st.booleans()):
        household["housing"] = draw(st.fixed_dictionaries({}, optional={f: st.booleans() for f in HOUSING_FIELDS}))
    data: dict[str, Any] = {
        "referral_id": "H-1",
        "received_at": draw(
            st.sampled_from(
                [
                    "2026-11-20T10:15:00Z",
                    "2026-05-23T09:00:00Z",
                    "2026-06-30T23:30:00Z",
                    "2026-12-24T16:00:00+00:00",
                    "2026-04-02T08:00:00+01:00",
                ]
            )
        ),
        "referrer": {"agency": draw(st.sampled_from(["school", "police", "health", "self_referral"]))},
        "household": household,
    }
    consent = draw(st.sampled_from(["absent", "empty", "true", "true", "true", "false", "null"]))
    risk = draw(st.sampled_from(["absent", "empty", "false", "false", "true"]))
    set_consent_and_risk(data, consent, risk)
    return data


# --- an oracle written from the policy text -----------------------------------------------------


def flag(m: dict[str, Any], sec: str, field: str) -> bool:
    return m.get(sec, {}).get(field) is True


def number(m: dict[str, Any], sec: str, field: str) -> float | None:
    return m.get(sec, {}).get(field)


def at_least(m: dict[str, Any], sec: str, field: str, threshold: float) -> bool:
    value = number(m, sec, field)
    return value is not None and value >= threshold


def dependent_child(m: dict[str, Any]) -> bool:
    return m["role"] == "child" and m["age"] < 18


def school_age(m: dict[str, Any]) -> bool:
    return dependent_child(m) and 5 <= m["age"] <= 15


def adult(m: dict[str, Any]) -> bool:
    return m["age"] >= 18


def young_person(m: dict[str, Any]) -> bool:
    return 16 <= m["age"] <= 24


def attendance_at_most(m: dict[str, Any], pct: float) -> bool:
    value = number(m, "school", "attendance_pct")
    return value is not None and value <= pct


def outward(postcode: str) -> str:
    text = postcode.strip().upper()
    if " " in text:
        return text.split(" ")[0]
    if len(text) >= 5:
        return text[:-3]
    return text


def oracle(data: dict[str, Any]) -> dict[str, Any]:
    hh = data["household"]
    ms = hh["members"]
    housing = hh.get("housing", {})
    h = {f: housing.get(f) is True for f in HOUSING_FIELDS}
    children = [m for m in ms if dependent_child(m)]
    school = [m for m in ms if school_age(m)]

    met = {
        "crime_asb": any(
            flag(m, "offending", f)
            for m in ms
            for f in ("proven_offence_12m", "asb_intervention_12m", "on_probation_or_licence", "exploitation_risk")
        )
        or any(at_least(m, "offending", "asb_incidents_12m", 3) for m in ms),
        "school_attendance": any(
            attendance_at_most(m, 90)
            or at_least(m, "school", "fixed_term_exclusions_3_terms", 3)
            or flag(m, "school", "permanently_excluded")
            or flag(m, "school", "alternative_provision")
            or flag(m, "school", "not_on_roll")
            for m in school
        ),
        "children_need_help": any(
            flag(m, "social_care", "child_in_need")
            or flag(m, "social_care", "young_carer")
            or at_least(m, "social_care", "missing_episodes_12m", 2)
            or (flag(m, "health", "development_concern_under5") and m["age"] < 5)
            or flag(m, "offending", "exploitation_risk")
            for m in children
        ),
        "worklessness_finance": any(adult(m) and flag(m, "employment", "out_of_work_benefits") for m in ms)
        or any(young_person(m) and flag(m, "employment", "neet") for m in ms)
        or h["rent_arrears"]
        or h["problem_debt"]
        or h["eviction_risk"],
        "domestic_abuse": any(
            flag(m, "domestic_abuse", f) for m in ms for f in ("victim_12m", "perpetrator_12m", "marac_high_risk")
        ),
        "health": any(flag(m, "health", "mental_health_concern") or flag(m, "health", "substance_misuse") for m in ms)
        or any(adult(m) and flag(m, "health", "physical_health_concern") for m in ms),
    }
    problems = [p for p in POLICY_ORDER if met[p]]
    marac = any(flag(m, "domestic_abuse", "marac_high_risk") for m in ms)
    modifiers = [
        15 if marac else 0,
        10 if any(attendance_at_most(m, 50) for m in school) else 0,
        10 if any(flag(m, "school", "permanently_excluded") for m in school) else 0,
        10 if h["eviction_risk"] else 0,
        10 if any(flag(m, "offending", "proven_offence_12m") for m in children) else 0,
        10 if any(m["role"] == "parent_carer" and flag(m, "health", "substance_misuse") for m in ms) else 0,
        10 if any(at_least(m, "social_care", "missing_episodes_12m", 3) for m in children) else 0,
        10 if h["homeless"] else 0,
    ]
    need_score = 10 * len(problems) + sum(modifiers)

    district = outward(hh["postcode"])
    locality = next((name for name, districts in LOCALITIES.items() if district in districts), None)
    risk = data.get("safeguarding", {}).get("immediate_risk_of_harm") is True
    consent = (data.get("consent") or {}).get("given") is True
    specialist = {
        "domestic_abuse_service": any(
            flag(m, "domestic_abuse", f) for m in ms for f in ("victim_12m", "perpetrator_12m", "marac_high_risk")
        ),
        "drug_alcohol_service": any(flag(m, "health", "substance_misuse") for m in ms),
        "adult_mental_health": any(flag(m, "health", "mental_health_concern") for m in ms),
        "housing_solutions": h["eviction_risk"] or h["homeless"] or h["rent_arrears"],
        "employment_support": any(flag(m, "employment", f) for m in ms for f in ("out_of_work_benefits", "neet")),
    }
    if locality is None:
        rule, route = "out_of_area", "out_of_area"
    elif any(flag(m, "social_care", "child_protection_plan") for m in children) or (risk and children):
        rule, route = "safeguarding", "childrens_social_care"
    elif risk:
        rule, route = "adult_safeguarding", "adult_social_care"
    elif not children:
        rule = "no_dependent_children"
        route = next((service for service, present in specialist.items() if present), "universal_signpost")
    elif not consent:
        rule, route = "consent", "consent_required"
    elif len(problems) >= 3 or (len(problems) >= 2 and need_score >= 40):
        rule, route = "bsf_intensive", "bsf"
    elif problems:
        rule, route = "mast_early_help", "mast"
    else:
        rule, route = "below_threshold", "universal_signpost"

    also: set[str] = set()
    if route not in ("out_of_area", "consent_required"):
        if marac:
            also.add("domestic_abuse_service")
        if any(flag(m, "offending", "proven_offence_12m") for m in children):
            also.add("youth_justice_service")
        if any(adult(m) and flag(m, "health", "substance_misuse") for m in ms):
            also.add("drug_alcohol_service")
        if any(flag(m, "health", "mental_health_concern") for m in children):
            also.add("camhs")
        if h["eviction_risk"] or h["homeless"]:
            also.add("housing_solutions")
        also.discard(route)
    return {
        "route": route,
        "matched_rule": rule,
        "priority": RULE_PRIORITY[rule],
        "locality": locality if route == "mast" else None,
        "problems": problems,
        "need_score": need_score,
        "also_refer": sorted(also),
    }


def run(engine, data: dict[str, Any]):
    return engine.decide(parse_referral(data, engine.compiled.agencies))


# --- properties ---------------------------------------------------------------------------


@SETTINGS
@given(data=referrals())
def test_engine_agrees_with_policy_oracle(engine, data):
    decision = run(engine, data)
    got = {
        key: getattr(decision, key)
        for key in ("route", "matched_rule", "priority", "locality", "problems", "need_score", "also_refer")
    }
    assert got == oracle(data)


@SETTINGS
@given(data=referrals())
def test_route_is_one_known_outcome_consistent_with_rule(engine, data):
    decision = run(engine, data)
    assert isinstance(decision.route, str)
    assert decision.route in OUTCOMES
    assert decision.matched_rule in RULE_PRIORITY
    assert decision.priority == RULE_PRIORITY[decision.matched_rule]
    if decision.matched_rule == "no_dependent_children":
        assert decision.route in RULE_4_ROUTES
    else:
        assert decision.route == RULE_ROUTE[decision.matched_rule]


@SETTINGS
@given(data=referrals())
def test_locality_set_iff_route_is_mast(engine, data):
    decision = run(engine, data)
    if decision.route == "mast":
        assert decision.locality in LOCALITIES
        assert outward(data["household"]["postcode"]) in LOCALITIES[decision.locality]
    else:
        assert decision.locality is None


@SETTINGS
@given(data=referrals())
def test_also_refer_sorted_unique_and_never_the_route(engine, data):
    decision = run(engine, data)
    also = decision.also_refer
    assert also == sorted(also)
    assert len(also) == len(set(also))
    assert decision.route not in also
    assert set(also) <= CATALOGUE
    if decision.route in ("out_of_area", "consent_required"):
        assert also == []


@SETTINGS
@given(data=referrals())
def test_need_score_is_ten_per_problem_plus_modifiers(engine, data):
    decision = run(engine, data)
    extra = decision.need_score - 10 * len(decision.problems)
    assert extra >= 0
    assert extra <= 15 + 7 * 10
    assert extra % 5 == 0
    assert sum(m.points for m in decision.modifiers) == extra


@SETTINGS
@given(data=referrals())
def test_problems_in_policy_order_and_backed_by_evidence(engine, data):
    decision = run(engine, data)
    assert decision.problems == [p for p in POLICY_ORDER if p in decision.problems]
    assert {e.problem for e in decision.evidence} == set(decision.problems)
    member_ids = {m["id"] for m in data["household"]["members"]}
    assert all(e.member is None or e.member in member_ids for e in decision.evidence)


@SETTINGS
@given(data=referrals())
def test_respond_by_is_a_weekday_not_before_the_london_date(engine, data):
    decision = run(engine, data)
    received = datetime.fromisoformat(data["received_at"].replace("Z", "+00:00"))
    london_date: date = received.astimezone(ZoneInfo("Europe/London")).date()
    assert decision.respond_by >= london_date
    assert decision.respond_by.weekday() < 5
    if decision.priority != "immediate":
        assert decision.respond_by > london_date


@st.composite
def referral_and_escalation(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A referral and a copy in which one more indicator is made to hold."""
    data = draw(referrals())
    more = copy.deepcopy(data)
    members = more["household"]["members"]
    kind = draw(st.sampled_from(["flag", "flag", "flag", "housing", "count", "attendance"]))
    if kind == "housing":
        more["household"].setdefault("housing", {})[draw(st.sampled_from(HOUSING_FIELDS))] = True
    else:
        m = members[draw(st.integers(0, len(members) - 1))]
        if kind == "flag":
            sec, field = draw(st.sampled_from(MEMBER_FLAGS))
            m.setdefault(sec, {})[field] = True
        elif kind == "count":
            sec, field = draw(st.sampled_from(MEMBER_COUNTS))
            target = m.setdefault(sec, {})
            target[field] = (target.get(field) or 0) + draw(st.integers(1, 3))
        else:
            current = m.get("school", {}).get("attendance_pct", 100)
            m.setdefault("school", {})["attendance_pct"] = draw(st.floats(0, current, allow_nan=False))
    return data, more


@SETTINGS
@given(pair=referral_and_escalation())
def test_adding_an_indicator_never_lowers_need_score(engine, pair):
    data, more = pair
    before, after = run(engine, data), run(engine, more)
    assert after.need_score >= before.need_score
    assert set(before.problems) <= set(after.problems)
