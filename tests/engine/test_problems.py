"""Headline problems (policy §1, §2): every indicator at its boundary, the evidence it leaves.

Each case names the household (the default parent ``p1`` aged 34 plus one subject member) and the
exact ``problems`` list the policy requires. A case that "does not hold" expects ``[]``.
"""

from __future__ import annotations

from typing import Any

import pytest

from support import POLICY_ORDER, child, other, parent

P = parent()  # the plain parent: no indicator holds for them


def case(case_id: str, members: list[dict[str, Any]], expected: list[str], housing: dict[str, bool] | None = None):
    return pytest.param(members, housing, expected, id=case_id)


CRIME_ASB = [
    case("adult-proven-offence", [parent(offending={"proven_offence_12m": True})], ["crime_asb"]),
    case("child-proven-offence", [P, child(14, offending={"proven_offence_12m": True})], ["crime_asb"]),
    case("asb-intervention", [parent(offending={"asb_intervention_12m": True})], ["crime_asb"]),
    case("asb-incidents-3-holds", [parent(offending={"asb_incidents_12m": 3})], ["crime_asb"]),
    case("asb-incidents-4-holds", [parent(offending={"asb_incidents_12m": 4})], ["crime_asb"]),
    case("asb-incidents-2-not", [parent(offending={"asb_incidents_12m": 2})], []),
    case("asb-incidents-0-not", [parent(offending={"asb_incidents_12m": 0})], []),
    case("child-asb-incidents-3", [P, child(15, offending={"asb_incidents_12m": 3})], ["crime_asb"]),
    case("on-probation", [parent(offending={"on_probation_or_licence": True})], ["crime_asb"]),
    case(
        "all-offending-false",
        [
            parent(
                offending={
                    "proven_offence_12m": False,
                    "asb_intervention_12m": False,
                    "on_probation_or_licence": False,
                    "exploitation_risk": False,
                }
            )
        ],
        [],
    ),
    # exploitation_risk: crime_asb for any member, children_need_help only for a dependent child
    case("exploitation-adult-crime-only", [parent(offending={"exploitation_risk": True})], ["crime_asb"]),
    case(
        "exploitation-child-both",
        [P, child(15, offending={"exploitation_risk": True})],
        ["crime_asb", "children_need_help"],
    ),
    case(
        "exploitation-other-adult-17-crime-only", [P, other(17, offending={"exploitation_risk": True})], ["crime_asb"]
    ),
]

SCHOOL_ATTENDANCE = [
    case("attendance-90.0-holds", [P, child(12, school={"attendance_pct": 90.0})], ["school_attendance"]),
    case("attendance-90-int-holds", [P, child(12, school={"attendance_pct": 90})], ["school_attendance"]),
    case("attendance-just-above-90-not", [P, child(12, school={"attendance_pct": 90.00000000000001})], []),
    case("attendance-90.1-not", [P, child(12, school={"attendance_pct": 90.1})], []),
    case("attendance-82.5-holds", [P, child(12, school={"attendance_pct": 82.5})], ["school_attendance"]),
    case("attendance-0-holds", [P, child(12, school={"attendance_pct": 0})], ["school_attendance"]),
    # a valid number whose JSON form uses an exponent ("1e-05")
    case("attendance-1e-05-holds", [P, child(12, school={"attendance_pct": 1e-05})], ["school_attendance"]),
    case("attendance-100-not", [P, child(12, school={"attendance_pct": 100})], []),
    case("attendance-age-4-not-school-age", [P, child(4, school={"attendance_pct": 80})], []),
    case("attendance-age-5-school-age", [P, child(5, school={"attendance_pct": 80})], ["school_attendance"]),
    case("attendance-age-15-school-age", [P, child(15, school={"attendance_pct": 80})], ["school_attendance"]),
    case("attendance-age-16-not-school-age", [P, child(16, school={"attendance_pct": 80})], []),
    case("attendance-other-adult-aged-12-not-dependent", [P, other(12, school={"attendance_pct": 80})], []),
    case("attendance-parent-not", [parent(school={"attendance_pct": 10})], []),
    case("fixed-term-3-holds", [P, child(12, school={"fixed_term_exclusions_3_terms": 3})], ["school_attendance"]),
    case("fixed-term-2-not", [P, child(12, school={"fixed_term_exclusions_3_terms": 2})], []),
    case("fixed-term-3-age-16-not", [P, child(16, school={"fixed_term_exclusions_3_terms": 3})], []),
    case("permanently-excluded", [P, child(10, school={"permanently_excluded": True})], ["school_attendance"]),
    case("permanently-excluded-age-16-not", [P, child(16, school={"permanently_excluded": True})], []),
    case("alternative-provision", [P, child(10, school={"alternative_provision": True})], ["school_attendance"]),
    case("alternative-provision-age-4-not", [P, child(4, school={"alternative_provision": True})], []),
    case("not-on-roll", [P, child(10, school={"not_on_roll": True})], ["school_attendance"]),
    case("not-on-roll-age-16-not", [P, child(16, school={"not_on_roll": True})], []),
    case("school-section-empty", [P, child(12, school={})], []),
]

CHILDREN_NEED_HELP = [
    case("child-in-need-age-17", [P, child(17, social_care={"child_in_need": True})], ["children_need_help"]),
    case("child-in-need-age-0", [P, child(0, social_care={"child_in_need": True})], ["children_need_help"]),
    case("child-in-need-other-adult-17-not", [P, other(17, social_care={"child_in_need": True})], []),
    case("child-in-need-parent-not", [parent(social_care={"child_in_need": True})], []),
    case("young-carer", [P, child(13, social_care={"young_carer": True})], ["children_need_help"]),
    case("young-carer-adult-not", [parent(social_care={"young_carer": True})], []),
    case("missing-2-holds", [P, child(14, social_care={"missing_episodes_12m": 2})], ["children_need_help"]),
    case("missing-1-not", [P, child(14, social_care={"missing_episodes_12m": 1})], []),
    case("missing-0-not", [P, child(14, social_care={"missing_episodes_12m": 0})], []),
    case("missing-adult-not", [parent(social_care={"missing_episodes_12m": 5})], []),
    case("development-age-4-holds", [P, child(4, health={"development_concern_under5": True})], ["children_need_help"]),
    case("development-age-0-holds", [P, child(0, health={"development_concern_under5": True})], ["children_need_help"]),
    case("development-age-5-not", [P, child(5, health={"development_concern_under5": True})], []),
    case("development-adult-not", [parent(health={"development_concern_under5": True})], []),
    case("child-protection-plan-is-not-an-indicator", [P, child(8, social_care={"child_protection_plan": True})], []),
]

WORKLESSNESS_FINANCE = [
    case("benefits-parent", [parent(employment={"out_of_work_benefits": True})], ["worklessness_finance"]),
    case(
        "benefits-other-adult-18", [P, other(18, employment={"out_of_work_benefits": True})], ["worklessness_finance"]
    ),
    case("benefits-other-adult-17-not", [P, other(17, employment={"out_of_work_benefits": True})], []),
    case("benefits-child-17-not", [P, child(17, employment={"out_of_work_benefits": True})], []),
    case("benefits-parent-17-not-adult", [parent(17, employment={"out_of_work_benefits": True})], []),
    case("neet-child-16", [P, child(16, employment={"neet": True})], ["worklessness_finance"]),
    case("neet-child-15-not", [P, child(15, employment={"neet": True})], []),
    case("neet-other-adult-24", [P, other(24, employment={"neet": True})], ["worklessness_finance"]),
    case("neet-other-adult-25-not", [P, other(25, employment={"neet": True})], []),
    case("neet-parent-20", [parent(20, employment={"neet": True})], ["worklessness_finance"]),
    case("neet-parent-34-not", [parent(34, employment={"neet": True})], []),
    case("rent-arrears", [P], ["worklessness_finance"], {"rent_arrears": True}),
    case("problem-debt", [P], ["worklessness_finance"], {"problem_debt": True}),
    case("eviction-risk", [P], ["worklessness_finance"], {"eviction_risk": True}),
    case("homeless-is-not-an-indicator", [P], [], {"homeless": True}),
    case(
        "housing-all-false",
        [P],
        [],
        {"rent_arrears": False, "problem_debt": False, "eviction_risk": False, "homeless": False},
    ),
    case("housing-empty", [P], [], {}),
]

DOMESTIC_ABUSE = [
    case("victim-adult", [parent(domestic_abuse={"victim_12m": True})], ["domestic_abuse"]),
    case("victim-child", [P, child(10, domestic_abuse={"victim_12m": True})], ["domestic_abuse"]),
    case("perpetrator-adult", [parent(domestic_abuse={"perpetrator_12m": True})], ["domestic_abuse"]),
    case("perpetrator-young-person", [P, child(16, domestic_abuse={"perpetrator_12m": True})], ["domestic_abuse"]),
    case("marac-adult", [parent(domestic_abuse={"marac_high_risk": True})], ["domestic_abuse"]),
    case(
        "all-false",
        [parent(domestic_abuse={"victim_12m": False, "perpetrator_12m": False, "marac_high_risk": False})],
        [],
    ),
]

HEALTH = [
    case("mental-health-adult", [parent(health={"mental_health_concern": True})], ["health"]),
    case("mental-health-child", [P, child(10, health={"mental_health_concern": True})], ["health"]),
    case("substance-adult", [parent(health={"substance_misuse": True})], ["health"]),
    case("substance-child", [P, child(15, health={"substance_misuse": True})], ["health"]),
    case("physical-parent", [parent(health={"physical_health_concern": True})], ["health"]),
    case("physical-other-adult-18", [P, other(18, health={"physical_health_concern": True})], ["health"]),
    case("physical-other-adult-17-not", [P, other(17, health={"physical_health_concern": True})], []),
    case("physical-child-17-not", [P, child(17, health={"physical_health_concern": True})], []),
    case("physical-parent-17-not", [parent(17, health={"physical_health_concern": True})], []),
]

ABSENT = [
    case("no-sections", [P, child(12)], []),
    case(
        "empty-sections",
        [P, child(12, school={}, offending={}, employment={}, domestic_abuse={}, health={}, social_care={})],
        [],
    ),
]


@pytest.mark.parametrize(
    "members,housing,expected",
    CRIME_ASB + SCHOOL_ATTENDANCE + CHILDREN_NEED_HELP + WORKLESSNESS_FINANCE + DOMESTIC_ABUSE + HEALTH + ABSENT,
)
def test_indicator_boundary(decide, referral, members, housing, expected):
    decision = decide(referral(*members, housing=housing))
    assert decision.problems == expected


def test_problems_are_listed_in_policy_table_order(decide, referral):
    # members named in the reverse of the policy's order: the decision must still use table order
    members = [
        parent(health={"mental_health_concern": True}),
        other(40, domestic_abuse={"victim_12m": True}),
        other(30, id="a2", employment={"out_of_work_benefits": True}),
        child(9, social_care={"young_carer": True}),
        child(11, id="c2", school={"not_on_roll": True}),
        other(50, id="a3", offending={"on_probation_or_licence": True}),
    ]
    assert decide(referral(*members)).problems == POLICY_ORDER


def test_problems_subset_keeps_policy_order(decide, referral):
    members = [parent(health={"substance_misuse": True}), child(8, school={"attendance_pct": 70})]
    assert decide(referral(*members, housing={"problem_debt": True})).problems == [
        "school_attendance",
        "worklessness_finance",
        "health",
    ]


def test_problem_met_by_two_members_is_counted_once(decide, referral):
    members = [parent(domestic_abuse={"victim_12m": True}), other(40, domestic_abuse={"perpetrator_12m": True})]
    decision = decide(referral(*members))
    assert decision.problems == ["domestic_abuse"]
    assert decision.need_score == 10


# --- evidence -----------------------------------------------------------------------------


def test_persistent_absence_evidence(decide, referral):
    decision = decide(referral(P, child(12, school={"attendance_pct": 82.5})))
    assert [e.model_dump() for e in decision.evidence] == [
        {
            "problem": "school_attendance",
            "indicator": "persistent_absence",
            "member": "c1",
            "value": 82.5,
            "definition": "persistent_absence@1",
        }
    ]


def test_evidence_names_every_member_an_indicator_holds_for(decide, referral):
    members = [parent(domestic_abuse={"victim_12m": True}), other(40, domestic_abuse={"victim_12m": True})]
    evidence = decide(referral(*members)).evidence
    assert {e.member for e in evidence if e.problem == "domestic_abuse"} == {"p1", "a1"}


def test_evidence_lists_each_indicator_that_holds_for_one_member(decide, referral):
    evidence = decide(referral(P, child(12, school={"attendance_pct": 60, "not_on_roll": True}))).evidence
    school = [e for e in evidence if e.problem == "school_attendance"]
    assert {e.member for e in school} == {"c1"}
    assert len({e.indicator for e in school}) == 2
    assert "persistent_absence" in {e.indicator for e in school}


@pytest.mark.parametrize(
    "section,field,value,problem",
    [
        pytest.param("offending", "asb_incidents_12m", 3, "crime_asb", id="asb-incidents"),
        pytest.param("social_care", "missing_episodes_12m", 2, "children_need_help", id="missing-episodes"),
        pytest.param("school", "fixed_term_exclusions_3_terms", 4, "school_attendance", id="fixed-term"),
    ],
)
def test_numeric_evidence_carries_the_value(decide, referral, section, field, value, problem):
    decision = decide(referral(P, child(12, **{section: {field: value}})))
    matches = [e for e in decision.evidence if e.problem == problem]
    assert len(matches) == 1
    assert matches[0].member == "c1"
    assert matches[0].value == value


def test_household_indicator_evidence_has_no_member(decide, referral):
    evidence = decide(referral(P, housing={"rent_arrears": True})).evidence
    assert [(e.problem, e.member) for e in evidence] == [("worklessness_finance", None)]


def test_exploitation_risk_of_a_child_is_evidence_for_both_problems(decide, referral):
    evidence = decide(referral(P, child(15, offending={"exploitation_risk": True}))).evidence
    assert {(e.problem, e.member) for e in evidence} == {("crime_asb", "c1"), ("children_need_help", "c1")}


def test_no_evidence_when_no_indicator_holds(decide, referral):
    decision = decide(referral(P, child(16, school={"attendance_pct": 80}), other(17, employment={"neet": False})))
    assert decision.evidence == []
    assert decision.problems == []


def test_indicators_that_do_not_hold_leave_no_evidence(decide, referral):
    members = [parent(offending={"asb_incidents_12m": 2}), child(12, school={"attendance_pct": 82.5})]
    decision = decide(referral(*members))
    assert {(e.problem, e.member) for e in decision.evidence} == {("school_attendance", "c1")}


def test_reasons_name_the_member(decide, referral):
    decision = decide(referral(P, child(12, school={"attendance_pct": 82.5})))
    assert any("c1" in reason for reason in decision.reasons)


# --- computed whatever the route (§4 last paragraph) -------------------------------------------


@pytest.mark.parametrize(
    "changes,route",
    [
        pytest.param({"postcode": "M1 1AA"}, "out_of_area", id="out-of-area"),
        pytest.param({"consent": None}, "consent_required", id="consent-required"),
        pytest.param({"safeguarding": {"immediate_risk_of_harm": True}}, "childrens_social_care", id="safeguarding"),
    ],
)
def test_problems_and_score_reported_for_every_route(decide, referral, changes, route):
    members = [parent(domestic_abuse={"marac_high_risk": True}), child(12, school={"attendance_pct": 82.5})]
    decision = decide(referral(*members, **changes))
    assert decision.route == route
    assert decision.problems == ["school_attendance", "domestic_abuse"]
    assert decision.need_score == 35
    assert decision.evidence != []
