"""Safeguarding invariants: read off each referral, checked over rule tests and generated referrals,
a broken one reported with the smallest referral that breaks it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from triage.cli import app
from triage.engine import BACKENDS
from triage.intake import parse_referral
from triage.policy_tests import load_rule_tests
from triage.policy_tests.invariants import check_invariants, decider, reading, shrink
from triage.rulebook import load_policy

from support import build_referral, child, parent

CHILD_AT_RISK = "child_at_risk_goes_to_childrens_social_care"


def _protection_plans_to_mast(policy_copy, edit):
    """The candidate of the issue: safeguarding by immediate risk only (a child on a plan gets MAST)."""

    def routing(data) -> None:
        [rule] = [r for r in data["routing"] if r["id"] == "safeguarding"]
        rule["when"] = {
            "all": [
                {"field": "safeguarding.immediate_risk_of_harm", "eq": True},
                {"exists": {"who": "dependent_child"}},
            ]
        }

    edit(policy_copy / "rules" / "routing.yaml", routing)
    return load_policy(policy_copy)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_the_shipped_invariants_hold_over_the_rule_tests_and_generated_referrals(policy, backend):
    cases = [(case.source, case.referral) for case in load_rule_tests(policy.root)]
    check = check_invariants(policy, backend, cases, referrals=2000)
    assert (check.invariants, check.cases, check.generated, check.violations) == (6, len(cases), 2000, ())


def test_a_broken_invariant_is_reported_with_a_one_member_counter_example(policy_copy, edit):
    check = check_invariants(_protection_plans_to_mast(policy_copy, edit), "python", [], referrals=2000)
    [violation] = check.violations
    [member] = violation.counter_example["household"]["members"]
    assert (violation.invariant.id, member["role"], member["social_care"]) == (
        CHILD_AT_RISK,
        "child",
        {"child_protection_plan": True},
    )
    assert set(member) == {"id", "role", "age", "social_care"}


def test_a_counter_example_names_the_invariants_file_line_and_statement(policy_copy, edit):
    [violation] = check_invariants(_protection_plans_to_mast(policy_copy, edit), "python", [], 2000).violations
    text = (policy_copy / "rules" / "invariants.yaml").read_text(encoding="utf-8")
    line = text[: text.index(f"- id: {CHILD_AT_RISK}")].count("\n") + 1
    assert violation.explain().startswith(
        f"BROKEN rules/invariants.yaml:{line}: invariant {CHILD_AT_RISK}: "
        "In the city's area, a dependent child on a child protection plan"
    )


def test_the_check_is_the_same_every_time(policy_copy, edit):
    candidate = _protection_plans_to_mast(policy_copy, edit)
    first, second = (check_invariants(candidate, "python", [], 500) for _ in range(2))
    assert [v.explain() for v in first.violations] == [v.explain() for v in second.violations] != []


def test_a_rule_test_that_breaks_an_invariant_is_named_before_any_generated_referral(policy_copy, edit):
    at_risk = build_referral(parent(), child(age=6, social_care={"child_protection_plan": True}))
    check = check_invariants(
        _protection_plans_to_mast(policy_copy, edit),
        "python",
        [("rule test rules/tests/x.yaml:3 (a child on a plan)", at_risk)],
        referrals=100,
    )
    [violation] = check.violations
    assert (violation.found_in, violation.how) == (
        "rule test rules/tests/x.yaml:3 (a child on a plan)",
        "route universal_signpost instead of childrens_social_care",
    )


def test_an_invariant_without_when_is_about_every_referral(policy_copy, edit):
    def bsf_localities(data) -> None:
        [invariant] = [x for x in data["invariants"] if x["id"] == "locality_only_for_mast"]
        invariant["then"]["locality_for_routes"] = ["bsf"]

    edit(policy_copy / "rules" / "invariants.yaml", bsf_localities)
    [violation] = check_invariants(load_policy(policy_copy), "python", [], 200).violations
    assert violation.invariant.id == "locality_only_for_mast"


def test_an_absent_consent_is_not_consent(policy):
    """`not {field: consent.given, eq: true}` holds when the referrer recorded no consent at all."""
    [invariant] = [x for x in policy.rules.invariants if x.id == "no_key_worker_without_consent"]
    data = build_referral(parent(), child())
    del data["consent"]
    referral, decision = decider(policy, "python")(data)
    terms = {d.id: d.condition for d in policy.definitions.definitions}
    assert reading(policy, terms, referral, decision).holds(invariant.condition)


def test_a_member_test_reads_the_members_own_fields(policy):
    [invariant] = [x for x in policy.rules.invariants if x.id == CHILD_AT_RISK]
    terms = {d.id: d.condition for d in policy.definitions.definitions}
    run = decider(policy, "python")
    on_a_plan = build_referral(parent(social_care={"child_protection_plan": True}), child())  # the parent, not a child
    assert not reading(policy, terms, *run(on_a_plan)).holds(invariant.condition)


def test_shrinking_takes_away_everything_not_needed():
    data = {"a": 1, "b": {"c": 2, "d": 3}, "items": [1, 2, 3]}
    assert shrink(data, lambda d: d.get("b", {}).get("d") == 3 and 2 in d.get("items", [])) == {
        "b": {"d": 3},
        "items": [2],
    }


def test_a_shrunk_counter_example_is_a_valid_referral(policy_copy, edit):
    [violation] = check_invariants(_protection_plans_to_mast(policy_copy, edit), "python", [], 2000).violations
    assert parse_referral(violation.counter_example, None).referral_id.startswith("GEN-")


def test_triage_test_reports_the_invariants_holding():
    result = CliRunner().invoke(app, ["test", "--engine", "python", "--referrals", "500"])
    assert (
        result.exit_code,
        "invariants: all 6 hold over 90 rule tests and 500 generated referrals" in result.output,
    ) == (0, True)


def test_triage_test_exits_1_on_a_broken_invariant_with_its_counter_example(policy_copy, edit):
    _protection_plans_to_mast(policy_copy, edit)
    result = CliRunner().invoke(app, ["test", str(policy_copy), "--engine", "python"])
    assert (
        result.exit_code,
        f"invariant {CHILD_AT_RISK}" in result.output,
        "smallest counter-example" in result.output,
    ) == (1, True, True)


def test_triage_test_requires_the_coverage_the_ruleset_sets(policy_copy, edit):
    def one_test_file_only(path) -> None:
        for other in path.iterdir():
            if other.name != "routing.yaml":
                other.unlink()

    one_test_file_only(policy_copy / "rules" / "tests")
    result = CliRunner().invoke(app, ["test", str(policy_copy), "--engine", "python", "--referrals", "100"])
    assert (result.exit_code, "below the 100% this ruleset requires" in result.output) == (1, True)
