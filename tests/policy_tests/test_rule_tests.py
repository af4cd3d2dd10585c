"""Rule tests beside the rules: reading cases, running them, explaining failures, coverage, ``triage test``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli import app
from triage.engine import BACKENDS, Engine
from triage.policy_tests import load_rule_tests, measure_coverage, run_rule_tests
from triage.policy_tests.cases import TESTS_FOLDER, merged
from triage.rulebook import PolicyInvalid, load_policy

BASE = """\
base:
  received_at: "2026-11-20T10:15:00Z"
  referrer: {agency: school}
  consent: {given: true}
cases:
"""
BSF_CASE = """\
  - name: three headline problems make a family eligible for BSF
    referral:
      referral_id: T-1
      household:
        postcode: S5 7AU
        members:
          - {id: p1, role: parent_carer, age: 36, employment: {out_of_work_benefits: true},
             domestic_abuse: {victim_12m: true}}
          - {id: c1, role: child, age: 14, school: {attendance_pct: 78.0}}
    expect:
      route: %s
      need_score: 30
"""


def _write_tests(root: Path, text: str) -> Path:
    folder = root / TESTS_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "cases.yaml").write_text(text, encoding="utf-8")
    return root


def test_a_case_is_merged_over_the_files_base_referral():
    assert merged(
        {"consent": {"given": True, "by": "parent_carer"}, "referral_id": "A"},
        {"consent": {"given": False}, "household": {"members": []}},
    ) == {"consent": {"given": False, "by": "parent_carer"}, "referral_id": "A", "household": {"members": []}}


def test_cases_are_read_with_their_base_and_their_line(policy_copy):
    [case] = load_rule_tests(_write_tests(policy_copy, BASE + BSF_CASE % "bsf"))
    assert (case.referral["referrer"], case.source, case.expect.checked()) == (
        {"agency": "school"},
        "rules/tests/cases.yaml:6",
        {"route": "bsf", "need_score": 30},
    )


def test_a_misspelt_expectation_is_refused_with_its_file_and_line(policy_copy):
    text = BASE + (BSF_CASE % "bsf").replace("need_score: 30", "need_scor: 30")
    with pytest.raises(PolicyInvalid, match=r"rules/tests/cases.yaml:17: cases\[0\]\.expect\.need_scor: Extra inputs"):
        load_rule_tests(_write_tests(policy_copy, text))


def test_a_duplicate_key_in_a_test_file_is_refused(policy_copy):
    with pytest.raises(PolicyInvalid, match="cases.yaml"):
        load_rule_tests(_write_tests(policy_copy, BASE + BSF_CASE % "bsf" + "cases: []\n"))


def test_rule_tests_do_not_change_the_rulesets_hash(policy_copy):
    before = load_policy(policy_copy).sha256
    _write_tests(policy_copy, BASE + BSF_CASE % "bsf")
    assert load_policy(policy_copy).sha256 == before


def test_a_matching_case_passes(policy_copy):
    policy = load_policy(policy_copy)
    [outcome] = run_rule_tests(
        Engine(policy, "python"), load_rule_tests(_write_tests(policy_copy, BASE + BSF_CASE % "bsf"))
    )
    assert outcome.passed


def test_a_failing_case_says_what_was_expected_what_was_decided_and_why(policy_copy):
    policy = load_policy(policy_copy)
    [outcome] = run_rule_tests(
        Engine(policy, "python"), load_rule_tests(_write_tests(policy_copy, BASE + BSF_CASE % "mast"))
    )
    explanation = outcome.explain()
    assert not outcome.passed
    assert "route: expected mast, got bsf" in explanation
    assert "because (rule bsf_intensive)" in explanation and "persistent absence" in explanation


def test_a_case_whose_referral_is_invalid_fails_naming_the_field(policy_copy):
    text = BASE + (BSF_CASE % "bsf").replace("age: 14", "age: 140")
    [outcome] = run_rule_tests(
        Engine(load_policy(policy_copy), "python"), load_rule_tests(_write_tests(policy_copy, text))
    )
    assert (outcome.passed, "household.members[1].age" in outcome.explain()) == (False, True)


def test_coverage_lists_what_no_case_exercised(policy_copy):
    policy = load_policy(policy_copy)
    outcomes = run_rule_tests(
        Engine(policy, "python"), load_rule_tests(_write_tests(policy_copy, BASE + BSF_CASE % "bsf"))
    )
    coverage = measure_coverage(policy, [o.decision for o in outcomes])
    assert "routing rule: bsf_intensive" not in coverage.missed
    assert "indicator: school_attendance/persistent_absence" not in coverage.missed
    assert {"routing rule: mast_early_help", "modifier: homeless"} <= set(coverage.missed)
    assert 0 < coverage.percent < 100


def test_triage_test_exits_1_on_a_failing_case(policy_copy):
    result = CliRunner().invoke(app, ["test", str(_write_tests(policy_copy, BASE + BSF_CASE % "mast"))])
    assert (result.exit_code, "0 passed, 1 failed" in result.output) == (1, True)


def test_triage_test_exits_1_below_the_minimum_coverage(policy_copy):
    result = CliRunner().invoke(
        app, ["test", str(_write_tests(policy_copy, BASE + BSF_CASE % "bsf")), "--min-coverage", "90"]
    )
    assert (result.exit_code, "below --min-coverage 90%" in result.output) == (1, True)


def test_triage_test_without_tests_says_where_to_put_them(policy_copy):
    shutil.rmtree(policy_copy / TESTS_FOLDER)
    result = CliRunner().invoke(app, ["test", str(policy_copy)])
    assert (result.exit_code, "rules/tests" in result.output) == (1, True)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_the_shipped_rules_pass_their_own_tests_with_full_coverage(backend):
    """The project's rules/tests/*.yaml, as `triage test --min-coverage 100` runs them."""
    policy = load_policy()
    outcomes = run_rule_tests(Engine(policy, backend), load_rule_tests(policy.root))
    assert [o.explain() for o in outcomes if not o.passed] == []
    assert measure_coverage(policy, [o.decision for o in outcomes]).missed == ()
