"""Routing (policy §4): the first matching rule wins; route, matched_rule, priority and locality."""

from __future__ import annotations

import pytest

from support import SPEC_EXAMPLE, child, other, parent

P = parent()
C = child()
CPP = child(9, id="c9", social_care={"child_protection_plan": True})
AT_RISK = {"immediate_risk_of_harm": True}
NO_RISK = {"immediate_risk_of_harm": False}
# three problems (school_attendance, worklessness_finance, health) with no modifiers
THREE_PROBLEMS = [
    parent(employment={"out_of_work_benefits": True}, health={"mental_health_concern": True}),
    child(12, school={"attendance_pct": 82.5}),
]
ONE_PROBLEM = [P, child(12, school={"attendance_pct": 82.5})]

RULE_ROUTE_PRIORITY = {
    "out_of_area": ("out_of_area", "standard"),
    "safeguarding": ("childrens_social_care", "immediate"),
    "adult_safeguarding": ("adult_social_care", "immediate"),
    "consent": ("consent_required", "standard"),
    "bsf_intensive": ("bsf", "high"),
    "mast_early_help": ("mast", "standard"),
    "below_threshold": ("universal_signpost", "standard"),
}


def assert_rule(decision, rule: str, route: str | None = None) -> None:
    expected_route, priority = RULE_ROUTE_PRIORITY.get(rule, (route, "standard"))
    if route is not None:
        expected_route = route
    assert (decision.matched_rule, decision.route, decision.priority) == (rule, expected_route, priority)
    if decision.route != "mast":
        assert decision.locality is None


# --- rule 1: out_of_area ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "members,changes",
    [
        pytest.param([P, C], {}, id="plain-family"),
        pytest.param([P, CPP], {}, id="beats-child-protection-plan"),
        pytest.param([P, C], {"safeguarding": AT_RISK}, id="beats-immediate-risk-with-child"),
        pytest.param([P], {"safeguarding": AT_RISK}, id="beats-adult-safeguarding"),
        pytest.param([parent(domestic_abuse={"marac_high_risk": True})], {}, id="beats-no-dependent-children"),
        pytest.param(THREE_PROBLEMS, {"consent": None}, id="beats-consent"),
        pytest.param(THREE_PROBLEMS, {}, id="beats-bsf"),
    ],
)
def test_out_of_area_comes_first(decide, referral, members, changes):
    decision = decide(referral(*members, postcode="M1 1AA", **changes))
    assert_rule(decision, "out_of_area")
    assert decision.also_refer == []


# --- rule 2: safeguarding -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "members,changes",
    [
        pytest.param([P, CPP], {}, id="child-protection-plan"),
        pytest.param([P, CPP], {"consent": None}, id="cpp-needs-no-consent"),
        pytest.param([P, CPP], {"consent": {"given": False}}, id="cpp-consent-refused"),
        pytest.param([P, child(17, social_care={"child_protection_plan": True})], {}, id="cpp-child-aged-17"),
        pytest.param([P, C], {"safeguarding": AT_RISK}, id="immediate-risk-with-child"),
        pytest.param([P, child(0)], {"safeguarding": AT_RISK, "consent": None}, id="immediate-risk-baby-no-consent"),
        pytest.param(
            [P, child(17)],
            {"safeguarding": AT_RISK, "consent": {"given": False}},
            id="immediate-risk-child-17-consent-refused",
        ),
        pytest.param(THREE_PROBLEMS + [CPP], {}, id="beats-bsf"),
        pytest.param([P, CPP], {"safeguarding": AT_RISK}, id="both-conditions"),
        # a valid attendance whose JSON form uses an exponent must not hide the child
        pytest.param(
            [P, child(9, social_care={"child_protection_plan": True}, school={"attendance_pct": 1e-05})],
            {},
            id="cpp-child-with-attendance-1e-05",
        ),
    ],
)
def test_safeguarding_routes_to_childrens_social_care(decide, referral, members, changes):
    assert_rule(decide(referral(*members, **changes)), "safeguarding")


def test_child_protection_plan_of_an_adult_is_not_safeguarding(decide, referral):
    # the condition is a dependent child with a plan; an other_adult aged 17 is not a dependent child
    decision = decide(referral(P, other(17, social_care={"child_protection_plan": True})))
    assert_rule(decision, "no_dependent_children", "universal_signpost")


def test_child_protection_plan_of_parent_in_family_is_not_safeguarding(decide, referral):
    decision = decide(referral(parent(social_care={"child_protection_plan": True}), C))
    assert_rule(decision, "below_threshold")


def test_no_immediate_risk_is_not_safeguarding(decide, referral):
    assert_rule(decide(referral(P, C, safeguarding=NO_RISK)), "below_threshold")


# --- rule 3: adult_safeguarding -----------------------------------------------------------------


@pytest.mark.parametrize(
    "members,changes",
    [
        pytest.param([P], {}, id="single-adult"),
        pytest.param([P], {"consent": None}, id="needs-no-consent"),
        pytest.param([P], {"consent": {"given": False}}, id="consent-refused"),
        pytest.param([P, other(17)], {}, id="other-adult-aged-17-is-not-a-dependent-child"),
        pytest.param(
            [parent(domestic_abuse={"marac_high_risk": True}, health={"substance_misuse": True})],
            {},
            id="beats-no-dependent-children-specialist",
        ),
    ],
)
def test_adult_safeguarding(decide, referral, members, changes):
    decision = decide(referral(*members, safeguarding=AT_RISK, **changes))
    assert_rule(decision, "adult_safeguarding")


# --- rule 4: no_dependent_children ------------------------------------------------------------

ALL_SPECIALIST = {
    "domestic_abuse": {"victim_12m": True},
    "health": {"substance_misuse": True, "mental_health_concern": True},
    "employment": {"out_of_work_benefits": True},
}


@pytest.mark.parametrize(
    "members,housing,route",
    [
        pytest.param([P], None, "universal_signpost", id="no-need"),
        pytest.param([parent(**ALL_SPECIALIST)], {"homeless": True}, "domestic_abuse_service", id="all-needs"),
        pytest.param([parent(domestic_abuse={"victim_12m": True})], None, "domestic_abuse_service", id="da-victim"),
        pytest.param(
            [parent(domestic_abuse={"perpetrator_12m": True})], None, "domestic_abuse_service", id="da-perpetrator"
        ),
        pytest.param([parent(domestic_abuse={"marac_high_risk": True})], None, "domestic_abuse_service", id="da-marac"),
        pytest.param(
            [
                parent(
                    health={"substance_misuse": True, "mental_health_concern": True},
                    employment={"out_of_work_benefits": True},
                )
            ],
            {"eviction_risk": True},
            "drug_alcohol_service",
            id="substance-beats-mental-housing-employment",
        ),
        pytest.param(
            [P, other(17, health={"substance_misuse": True})], None, "drug_alcohol_service", id="substance-any-member"
        ),
        pytest.param(
            [parent(health={"mental_health_concern": True})],
            {"rent_arrears": True},
            "adult_mental_health",
            id="mental-beats-housing",
        ),
        pytest.param(
            [parent(employment={"out_of_work_benefits": True})],
            {"rent_arrears": True},
            "housing_solutions",
            id="rent-arrears-beats-employment",
        ),
        pytest.param([P], {"eviction_risk": True}, "housing_solutions", id="eviction"),
        pytest.param([P], {"homeless": True}, "housing_solutions", id="homeless"),
        pytest.param([parent(employment={"out_of_work_benefits": True})], None, "employment_support", id="benefits"),
        pytest.param([parent(20, employment={"neet": True})], None, "employment_support", id="neet"),
        pytest.param([P], {"problem_debt": True}, "universal_signpost", id="problem-debt-not-a-specialist-need"),
        pytest.param(
            [parent(health={"physical_health_concern": True})],
            None,
            "universal_signpost",
            id="physical-health-not-a-specialist-need",
        ),
        pytest.param(
            [parent(offending={"proven_offence_12m": True})],
            None,
            "universal_signpost",
            id="offending-not-a-specialist-need",
        ),
    ],
)
def test_no_dependent_children_specialist_ranking(decide, referral, members, housing, route):
    assert_rule(decide(referral(*members, housing=housing)), "no_dependent_children", route)


@pytest.mark.parametrize(
    "consent",
    [
        pytest.param(None, id="consent-absent"),
        pytest.param({"given": False}, id="consent-refused"),
        pytest.param({}, id="consent-given-missing"),
    ],
)
@pytest.mark.parametrize(
    "members,route",
    [
        pytest.param([P], "universal_signpost", id="no-need"),
        pytest.param([parent(health={"mental_health_concern": True})], "adult_mental_health", id="mental-health"),
    ],
)
def test_no_dependent_children_comes_before_consent(decide, referral, consent, members, route):
    decision = decide(referral(*members, consent=consent))
    assert_rule(decision, "no_dependent_children", route)


def test_no_dependent_children_comes_before_bsf(decide, referral):
    members = [
        parent(
            offending={"on_probation_or_licence": True},
            domestic_abuse={"marac_high_risk": True},
            health={"substance_misuse": True},
        )
    ]
    decision = decide(referral(*members, housing={"eviction_risk": True}))
    assert len(decision.problems) == 4
    assert_rule(decision, "no_dependent_children", "domestic_abuse_service")


def test_household_of_other_adults_aged_16_17_has_no_dependent_child(decide, referral):
    decision = decide(referral(other(17), other(16, id="a2", employment={"neet": True}), consent=None))
    assert_rule(decision, "no_dependent_children", "employment_support")


# --- rule 5: consent ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "consent",
    [
        pytest.param(None, id="consent-object-missing"),
        pytest.param({}, id="given-missing"),
        pytest.param({"given": False}, id="given-false"),
        pytest.param({"given": None}, id="given-null"),
        pytest.param({"by": "parent_carer", "recorded_at": "2026-11-19T16:00:00Z"}, id="recorded-but-no-given"),
    ],
)
@pytest.mark.parametrize(
    "members",
    [
        pytest.param([P, C], id="no-problems"),
        pytest.param(ONE_PROBLEM, id="one-problem"),
        pytest.param(THREE_PROBLEMS, id="three-problems"),
    ],
)
def test_consent_not_given(decide, referral, consent, members):
    decision = decide(referral(*members, consent=consent))
    assert_rule(decision, "consent")
    assert decision.also_refer == []


def test_consent_required_keeps_no_specialist_referrals(decide, referral):
    members = [parent(domestic_abuse={"marac_high_risk": True}), child(14, health={"mental_health_concern": True})]
    decision = decide(referral(*members, housing={"homeless": True}, consent={"given": False}))
    assert_rule(decision, "consent")
    assert decision.also_refer == []


# --- rule 6: bsf_intensive -----------------------------------------------------------------


def test_three_problems_is_bsf(decide, referral):
    decision = decide(referral(*THREE_PROBLEMS))
    assert (len(decision.problems), decision.need_score) == (3, 30)
    assert_rule(decision, "bsf_intensive")


def test_two_problems_and_score_exactly_40_is_bsf(decide, referral):
    # school_attendance (+10 severe absence, +10 permanent exclusion) and health: 20 + 20
    members = [
        parent(health={"mental_health_concern": True}),
        child(12, school={"attendance_pct": 50, "permanently_excluded": True}),
    ]
    decision = decide(referral(*members))
    assert (len(decision.problems), decision.need_score) == (2, 40)
    assert_rule(decision, "bsf_intensive")


def test_two_problems_and_score_45_is_bsf(decide, referral):
    members = [parent(domestic_abuse={"marac_high_risk": True}, health={"substance_misuse": True}), C]
    decision = decide(referral(*members))
    assert (len(decision.problems), decision.need_score) == (2, 45)
    assert_rule(decision, "bsf_intensive")


def test_two_problems_and_score_35_is_mast(decide, referral):
    # 39 cannot be built (every weight is a multiple of 5): 35 is the largest score below 40
    members = [parent(domestic_abuse={"marac_high_risk": True}, health={"mental_health_concern": True}), C]
    decision = decide(referral(*members))
    assert (len(decision.problems), decision.need_score) == (2, 35)
    assert_rule(decision, "mast_early_help")


def test_two_problems_and_score_30_is_mast(decide, referral):
    members = [parent(health={"mental_health_concern": True}), C]
    decision = decide(referral(*members, housing={"eviction_risk": True}))
    assert (len(decision.problems), decision.need_score) == (2, 30)
    assert_rule(decision, "mast_early_help")


def test_one_problem_with_score_40_is_not_bsf(decide, referral):
    # school_attendance only: 10 + severe absence 10 + permanent exclusion 10 + homeless 10
    members = [P, child(12, school={"attendance_pct": 30, "permanently_excluded": True})]
    decision = decide(referral(*members, housing={"homeless": True}))
    assert (len(decision.problems), decision.need_score) == (1, 40)
    assert_rule(decision, "mast_early_help")


def test_bsf_locality_is_null(decide, referral):
    decision = decide(referral(*THREE_PROBLEMS, postcode="S10 2TN"))
    assert decision.route == "bsf"
    assert decision.locality is None


# --- rule 7: mast_early_help ---------------------------------------------------------------


@pytest.mark.parametrize(
    "postcode,locality",
    [
        pytest.param("S5 7AU", "north", id="north"),
        pytest.param("S2 4AA", "east", id="east"),
        pytest.param("S10 2TN", "west", id="west"),
    ],
)
def test_one_problem_is_mast_with_locality(decide, referral, postcode, locality):
    decision = decide(referral(*ONE_PROBLEM, postcode=postcode))
    assert_rule(decision, "mast_early_help")
    assert decision.locality == locality


# --- rule 8: below_threshold -------------------------------------------------------------


def test_no_problems_is_below_threshold(decide, referral):
    decision = decide(referral(P, C))
    assert_rule(decision, "below_threshold")
    assert decision.problems == []


def test_homeless_family_without_problems_is_below_threshold(decide, referral):
    decision = decide(referral(P, C, housing={"homeless": True}))
    assert decision.need_score == 10
    assert_rule(decision, "below_threshold")


# --- the decision echoes the referral ------------------------------------------------------


def test_referral_id_is_echoed(decide, referral):
    assert decide(referral(P, C, referral_id="R-2026-000123")).referral_id == "R-2026-000123"


def test_contract_example(decide):
    """The referral and decision shown in the wire contract (spec/referral-and-decision.md)."""
    decision = decide(SPEC_EXAMPLE)
    assert decision.referral_id == "R-2026-000123"
    assert (decision.route, decision.locality, decision.priority) == ("bsf", None, "high")
    assert decision.respond_by.isoformat() == "2026-11-27"
    assert decision.problems == ["school_attendance", "worklessness_finance", "health"]
    assert decision.need_score == 30
    assert decision.also_refer == []
    assert decision.matched_rule == "bsf_intensive"
    assert {
        "problem": "school_attendance",
        "indicator": "persistent_absence",
        "member": "c1",
        "value": 82.5,
        "definition": "persistent_absence@1",
    } in [e.model_dump() for e in decision.evidence]
    assert {(e.problem, e.member) for e in decision.evidence} == {
        ("school_attendance", "c1"),
        ("worklessness_finance", "p1"),
        ("worklessness_finance", None),
        ("health", "p1"),
    }
