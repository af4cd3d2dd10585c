"""Also-refer (policy §5): specialist referrals alongside the primary route."""

from __future__ import annotations

from typing import Any

import pytest

from support import child, other, parent

P = parent()
C = child()
MARAC = {"domestic_abuse": {"marac_high_risk": True}}
SUBSTANCE = {"health": {"substance_misuse": True}}
MENTAL = {"health": {"mental_health_concern": True}}
OFFENCE = {"offending": {"proven_offence_12m": True}}


def case(case_id: str, members: list[dict[str, Any]], expected: list[str], housing: dict[str, bool] | None = None):
    return pytest.param(members, housing, expected, id=case_id)


# families with consent: the route is mast / bsf / universal_signpost, never a specialist service
CONDITIONS = [
    case("marac-parent", [parent(**MARAC), C], ["domestic_abuse_service"]),
    case("marac-child", [P, child(14, **MARAC)], ["domestic_abuse_service"]),
    case("da-victim-not-marac", [parent(domestic_abuse={"victim_12m": True}), C], []),
    case("child-offence", [P, child(15, **OFFENCE)], ["youth_justice_service"]),
    case("child-17-offence", [P, child(17, **OFFENCE)], ["youth_justice_service"]),
    case("adult-offence-not", [parent(**OFFENCE), C], []),
    case("other-adult-17-offence-not", [P, C, other(17, **OFFENCE)], []),
    case("parent-substance", [parent(**SUBSTANCE), C], ["drug_alcohol_service"]),
    case("other-adult-18-substance", [P, C, other(18, **SUBSTANCE)], ["drug_alcohol_service"]),
    case("child-substance-not", [P, child(15, **SUBSTANCE)], []),
    case("other-adult-17-substance-not", [P, C, other(17, **SUBSTANCE)], []),
    case("parent-17-substance-not-adult", [parent(17, **SUBSTANCE), C], []),
    case("child-mental-health", [P, child(10, **MENTAL)], ["camhs"]),
    case("child-17-mental-health", [P, child(17, **MENTAL)], ["camhs"]),
    case("adult-mental-health-not", [parent(**MENTAL), C], []),
    case("other-adult-17-mental-health-not", [P, C, other(17, **MENTAL)], []),
    case("eviction-risk", [P, C], ["housing_solutions"], {"eviction_risk": True}),
    case("homeless", [P, C], ["housing_solutions"], {"homeless": True}),
    case("eviction-and-homeless-once", [P, C], ["housing_solutions"], {"eviction_risk": True, "homeless": True}),
    case("rent-arrears-not", [P, C], [], {"rent_arrears": True}),
    case("problem-debt-not", [P, C], [], {"problem_debt": True}),
    case("two-maracs-once", [parent(**MARAC), other(30, **MARAC), C], ["domestic_abuse_service"]),
    case("nothing", [P, C], []),
]


@pytest.mark.parametrize("members,housing,expected", CONDITIONS)
def test_also_refer_condition(decide, referral, members, housing, expected):
    decision = decide(referral(*members, housing=housing))
    assert decision.route in {"mast", "bsf", "universal_signpost"}
    assert decision.also_refer == expected


def test_all_conditions_sorted_alphabetically(decide, referral):
    members = [
        parent(**MARAC, health={"substance_misuse": True}),
        child(14, offending={"proven_offence_12m": True}, health={"mental_health_concern": True}),
    ]
    decision = decide(referral(*members, housing={"homeless": True}))
    assert decision.route == "bsf"
    assert decision.also_refer == [
        "camhs",
        "domestic_abuse_service",
        "drug_alcohol_service",
        "housing_solutions",
        "youth_justice_service",
    ]


def test_out_of_area_gets_no_also_refer(decide, referral):
    members = [parent(**MARAC, health={"substance_misuse": True}), child(14, **OFFENCE)]
    decision = decide(referral(*members, housing={"homeless": True}, postcode="M1 1AA"))
    assert decision.route == "out_of_area"
    assert decision.also_refer == []


@pytest.mark.parametrize("consent", [None, {}, {"given": False}])
def test_consent_required_gets_no_also_refer(decide, referral, consent):
    members = [parent(**MARAC, health={"substance_misuse": True}), child(14, **OFFENCE, **MENTAL)]
    decision = decide(referral(*members, housing={"eviction_risk": True}, consent=consent))
    assert decision.route == "consent_required"
    assert decision.also_refer == []


def test_childrens_social_care_gets_also_refer(decide, referral):
    members = [parent(**MARAC), child(14, social_care={"child_protection_plan": True}, **MENTAL)]
    decision = decide(referral(*members, consent=None))
    assert decision.route == "childrens_social_care"
    assert decision.also_refer == ["camhs", "domestic_abuse_service"]


def test_adult_social_care_gets_also_refer(decide, referral):
    decision = decide(
        referral(
            parent(**MARAC, **SUBSTANCE),
            housing={"homeless": True},
            safeguarding={"immediate_risk_of_harm": True},
            consent=None,
        )
    )
    assert decision.route == "adult_social_care"
    assert decision.also_refer == ["domestic_abuse_service", "drug_alcohol_service", "housing_solutions"]


def test_rule_4_specialist_route_gets_other_referrals(decide, referral):
    decision = decide(referral(parent(**MARAC, **SUBSTANCE), housing={"homeless": True}, consent=None))
    assert (decision.matched_rule, decision.route) == ("no_dependent_children", "domestic_abuse_service")
    assert decision.also_refer == ["drug_alcohol_service", "housing_solutions"]


def test_rule_4_drug_alcohol_route_not_duplicated(decide, referral):
    decision = decide(referral(parent(**SUBSTANCE)))
    assert (decision.matched_rule, decision.route) == ("no_dependent_children", "drug_alcohol_service")
    assert decision.also_refer == []


def test_rule_4_housing_route_not_duplicated(decide, referral):
    decision = decide(referral(parent(**MENTAL), housing={"eviction_risk": True, "homeless": True}))
    assert decision.route == "adult_mental_health"
    assert decision.also_refer == ["housing_solutions"]
    decision = decide(referral(P, housing={"eviction_risk": True, "homeless": True}))
    assert decision.route == "housing_solutions"
    assert decision.also_refer == []


def test_rule_4_domestic_abuse_route_not_duplicated(decide, referral):
    decision = decide(referral(parent(**MARAC), housing={"homeless": True}))
    assert decision.route == "domestic_abuse_service"
    assert decision.also_refer == ["housing_solutions"]


def test_rule_4_lower_ranked_drug_alcohol_appears_in_also_refer(decide, referral):
    # domestic abuse ranks first; the adult's substance misuse still reaches the decision via §5
    decision = decide(referral(parent(domestic_abuse={"victim_12m": True}, **SUBSTANCE)))
    assert decision.route == "domestic_abuse_service"
    assert decision.also_refer == ["drug_alcohol_service"]


def test_rule_4_universal_signpost_has_no_also_refer_without_a_condition(decide, referral):
    decision = decide(referral(parent(health={"physical_health_concern": True}), consent=None))
    assert (decision.matched_rule, decision.route) == ("no_dependent_children", "universal_signpost")
    assert decision.also_refer == []


def test_rule_4_substance_of_other_adult_17_routes_but_not_also_refers(decide, referral):
    # specialist routing counts any member; the §5 drug_alcohol referral counts only adults
    decision = decide(referral(P, other(17, **SUBSTANCE), housing={"homeless": True}))
    assert decision.route == "drug_alcohol_service"
    assert decision.also_refer == ["housing_solutions"]


def test_below_threshold_universal_signpost_gets_also_refer(decide, referral):
    decision = decide(referral(P, C, housing={"homeless": True}))
    assert (decision.matched_rule, decision.route) == ("below_threshold", "universal_signpost")
    assert decision.also_refer == ["housing_solutions"]


def test_mast_gets_also_refer(decide, referral):
    decision = decide(referral(P, child(10, **MENTAL)))
    assert decision.route == "mast"
    assert decision.also_refer == ["camhs"]
