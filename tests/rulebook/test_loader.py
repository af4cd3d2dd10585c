"""The loaded policy's own questions (which locality covers a postcode, which services work by
locality) and where the loader looks for the bundle."""

from __future__ import annotations

from datetime import date

import pytest

from triage.rulebook import load_policy
from triage.rulebook.conditions import Compare
from triage.rulebook.loader import resolve_policy_dir


def test_a_postcode_is_in_the_locality_that_covers_its_district(policy):
    assert policy.locality_of("S5 7AU") == "north"


def test_a_postcode_outside_the_city_is_in_no_locality(policy):
    assert policy.locality_of("LS1 4AP") is None


@pytest.mark.parametrize(("route", "by_locality"), [("mast", True), ("bsf", False), ("out_of_area", False)])
def test_only_a_service_with_teams_by_locality_serves_by_locality(policy, route, by_locality):
    assert policy.serves_by_locality(route) is by_locality


def test_a_folder_without_rules_is_taken_as_given(tmp_path):
    """Not mistaken for a bundle's rules/ folder: the loader then says what is missing there."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert resolve_policy_dir(elsewhere) == elsewhere.resolve()


def test_an_invariant_knows_the_file_and_line_it_is_written_on(policy, line_of):
    where = f"rules/invariants.yaml:{line_of(policy.root, 'rules/invariants.yaml', '  - id: out_of_area_first')}"
    assert policy.rules.invariants[0].where == where


def test_an_invariant_may_test_the_scores(policy_copy, replace):
    """Invariants are checked on decisions, after scoring, as routing rules are."""
    replace(
        policy_copy,
        "rules/invariants.yaml",
        "{field: derived.in_area, eq: false}",
        "{field: derived.need_score, ge: 40}",
    )
    assert load_policy(policy_copy).rules.invariants[0].condition == Compare("derived.need_score", "ge", 40)


def test_a_version_may_be_in_force_for_a_single_day(policy_copy, replace):
    replace(
        policy_copy,
        "rules/ruleset.yaml",
        "effective_from: 2025-04-01\n",
        "effective_from: 2025-04-01\neffective_to: 2025-04-01\n",
    )
    assert load_policy(policy_copy).rules.effective_to == date(2025, 4, 1)
