"""Need score (policy §3): 10 x problems met + each severity modifier that holds, once per household."""

from __future__ import annotations

from typing import Any

import pytest

from support import child, other, parent

P = parent()


def case(
    case_id: str, members: list[dict[str, Any]], problems: int, score: int, housing: dict[str, bool] | None = None
):
    return pytest.param(members, housing, problems, score, id=case_id)


MARAC = {"domestic_abuse": {"marac_high_risk": True}}
PARENT_SUBSTANCE = {"health": {"substance_misuse": True}}

CASES = [
    case("nothing", [P, child()], 0, 0),
    # marac_high_risk: 15, once per household
    case("marac-one-member", [parent(**MARAC)], 1, 25),
    case("marac-two-members-counted-once", [parent(**MARAC), other(40, **MARAC)], 1, 25),
    case("marac-child", [P, child(14, **MARAC)], 1, 25),
    case("victim-only-no-modifier", [parent(domestic_abuse={"victim_12m": True})], 1, 10),
    # severe absence: school-age child with attendance <= 50
    case("severe-absence-50.0", [P, child(12, school={"attendance_pct": 50.0})], 1, 20),
    case("severe-absence-49.9", [P, child(12, school={"attendance_pct": 49.9})], 1, 20),
    case("severe-absence-1e-05", [P, child(12, school={"attendance_pct": 1e-05})], 1, 20),
    case("severe-absence-50.1-not", [P, child(12, school={"attendance_pct": 50.1})], 1, 10),
    case(
        "severe-absence-two-children-once",
        [P, child(12, school={"attendance_pct": 20}), child(9, id="c2", school={"attendance_pct": 30})],
        1,
        20,
    ),
    case("severe-absence-age-16-not", [P, child(16, school={"attendance_pct": 20})], 0, 0),
    case("severe-absence-age-4-not", [P, child(4, school={"attendance_pct": 20})], 0, 0),
    case("severe-absence-age-5", [P, child(5, school={"attendance_pct": 20})], 1, 20),
    # permanent exclusion of a school-age child
    case("permanently-excluded", [P, child(12, school={"permanently_excluded": True})], 1, 20),
    case(
        "permanently-excluded-two-children-once",
        [
            P,
            child(12, school={"permanently_excluded": True}),
            child(13, id="c2", school={"permanently_excluded": True}),
        ],
        1,
        20,
    ),
    case("permanently-excluded-age-16-not", [P, child(16, school={"permanently_excluded": True})], 0, 0),
    # household eviction risk
    case("eviction-risk", [P], 1, 20, {"eviction_risk": True}),
    case("rent-arrears-no-modifier", [P], 1, 10, {"rent_arrears": True}),
    # proven offence of a dependent child
    case("child-proven-offence", [P, child(15, offending={"proven_offence_12m": True})], 1, 20),
    case(
        "child-proven-offence-two-children-once",
        [
            P,
            child(15, offending={"proven_offence_12m": True}),
            child(16, id="c2", offending={"proven_offence_12m": True}),
        ],
        1,
        20,
    ),
    case("adult-proven-offence-no-modifier", [parent(offending={"proven_offence_12m": True})], 1, 10),
    case("other-adult-17-proven-offence-no-modifier", [P, other(17, offending={"proven_offence_12m": True})], 1, 10),
    # parent_carer substance misuse
    case("parent-substance", [parent(**PARENT_SUBSTANCE)], 1, 20),
    case("two-parents-substance-once", [parent(**PARENT_SUBSTANCE), parent(36, id="p2", **PARENT_SUBSTANCE)], 1, 20),
    case("other-adult-substance-no-modifier", [P, other(40, **PARENT_SUBSTANCE)], 1, 10),
    case("child-substance-no-modifier", [P, child(15, **PARENT_SUBSTANCE)], 1, 10),
    case("parent-aged-17-substance-role-decides", [parent(17, **PARENT_SUBSTANCE)], 1, 20),
    # missing episodes >= 3 for a dependent child
    case("missing-3", [P, child(14, social_care={"missing_episodes_12m": 3})], 1, 20),
    case("missing-2-problem-only", [P, child(14, social_care={"missing_episodes_12m": 2})], 1, 10),
    case("missing-1-nothing", [P, child(14, social_care={"missing_episodes_12m": 1})], 0, 0),
    case(
        "missing-3-two-children-once",
        [
            P,
            child(14, social_care={"missing_episodes_12m": 3}),
            child(15, id="c2", social_care={"missing_episodes_12m": 7}),
        ],
        1,
        20,
    ),
    case("missing-3-other-adult-17-not", [P, other(17, social_care={"missing_episodes_12m": 3})], 0, 0),
    # household homeless: a modifier without a problem
    case("homeless", [P], 0, 10, {"homeless": True}),
    case("homeless-and-eviction", [P], 1, 30, {"homeless": True, "eviction_risk": True}),
]


@pytest.mark.parametrize("members,housing,problems,score", CASES)
def test_modifier_boundary(decide, referral, members, housing, problems, score):
    decision = decide(referral(*members, housing=housing))
    assert len(decision.problems) == problems
    assert decision.need_score == score


def test_every_modifier_at_once(decide, referral):
    members = [
        parent(health={"substance_misuse": True}, domestic_abuse={"marac_high_risk": True}),
        child(
            12,
            school={"attendance_pct": 40, "permanently_excluded": True},
            offending={"proven_offence_12m": True},
            social_care={"missing_episodes_12m": 3},
        ),
    ]
    decision = decide(referral(*members, housing={"eviction_risk": True, "homeless": True}))
    assert decision.problems == [
        "crime_asb",
        "school_attendance",
        "children_need_help",
        "worklessness_finance",
        "domestic_abuse",
        "health",
    ]
    # 6 problems x 10 + 15 + 7 x 10
    assert decision.need_score == 60 + 15 + 70


@pytest.mark.parametrize("n_problems", range(0, 7))
def test_score_is_ten_per_problem_without_modifiers(decide, referral, n_problems):
    indicators = [
        other(40, id="a1", offending={"on_probation_or_licence": True}),
        child(10, id="c1", school={"not_on_roll": True}),
        child(8, id="c2", social_care={"young_carer": True}),
        other(30, id="a2", employment={"out_of_work_benefits": True}),
        other(50, id="a3", domestic_abuse={"victim_12m": True}),
        other(60, id="a4", health={"mental_health_concern": True}),
    ]
    decision = decide(referral(P, *indicators[:n_problems]))
    assert len(decision.problems) == n_problems
    assert decision.need_score == 10 * n_problems


def test_modifiers_explain_the_score(decide, referral):
    members = [parent(**MARAC), other(40, **MARAC), child(12, school={"attendance_pct": 45})]
    decision = decide(referral(*members, housing={"homeless": True}))
    assert decision.need_score == 2 * 10 + 15 + 10 + 10
    assert sum(m.points for m in decision.modifiers) == decision.need_score - 10 * len(decision.problems)
    names = [m.modifier for m in decision.modifiers]
    assert len(names) == len(set(names)) == 3  # each modifier once per household
    marac = [m for m in decision.modifiers if m.points == 15]
    assert len(marac) == 1
    assert set(marac[0].members) == {"p1", "a1"}


def test_no_modifiers_reported_when_none_hold(decide, referral):
    decision = decide(referral(parent(domestic_abuse={"victim_12m": True})))
    assert decision.modifiers == []
