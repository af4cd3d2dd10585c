"""triage diff: changes between two rulesets named in policy terms."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

from triage.cli import app
from triage.rulebook import load_policy
from triage.rulebook.diff import Change, diff_policies


def _changes(policy, policy_copy) -> list[str]:
    return [str(c) for c in diff_policies(policy, load_policy(policy_copy))]


def _replace(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_identical_rulesets_have_no_changes(policy, policy_copy):
    assert _changes(policy, policy_copy) == []


def test_a_threshold_change_is_shown_in_the_rules_words(policy, policy_copy):
    _replace(
        policy_copy / "rules" / "routing.yaml",
        "{field: derived.need_score, ge: 40}",
        "{field: derived.need_score, ge: 35}",
    )
    [change] = _changes(policy, policy_copy)
    assert change.startswith("routing: rule bsf_intensive: when: ")
    assert "derived.need_score ≥ 40" in change and change.endswith("derived.need_score ≥ 35))")


def test_a_district_moved_to_another_locality_is_named(policy, policy_copy):
    _replace(policy_copy / "service_catalogue" / "localities.yaml", "[S3, S5, S6, S35, S36]", "[S3, S5, S6, S35]")
    _replace(
        policy_copy / "service_catalogue" / "localities.yaml",
        "[S1, S7, S8, S10, S11, S17]",
        "[S1, S7, S8, S10, S11, S17, S36]",
    )
    assert _changes(policy, policy_copy) == ["localities: district S36: locality: north → west"]


def test_a_modifiers_weight_change_is_a_points_change(policy, policy_copy, edit):
    def heavier(data):
        data["need_score"]["modifiers"][0]["points"] += 5

    edit(policy_copy / "rules" / "need_score.yaml", heavier)
    first = policy.rules.need_score.modifiers[0]
    assert _changes(policy, policy_copy) == [
        f"need score: modifier {first.id}: points: {first.points} → {first.points + 5}"
    ]


def test_routing_rules_swapped_are_reported_as_an_order_change(policy, policy_copy, edit):
    def swap(data):
        rules = data["routing"]
        rules[5], rules[6] = rules[6], rules[5]

    edit(policy_copy / "rules" / "routing.yaml", swap)
    [change] = _changes(policy, policy_copy)
    assert change.startswith("routing: rule order: ") and "bsf_intensive, mast_early_help" in change


def test_a_removed_indicator_and_a_new_definition_are_named(policy, policy_copy, edit):
    removed = policy.rules.problems[0].indicators[-1]

    def drop(data):
        data["problems"][0]["indicators"].pop()

    edit(policy_copy / "rules" / "problems.yaml", drop)

    def add(data):
        data["definitions"].append(
            {
                "id": "lone_parent",
                "label": "Lone parent",
                "version": 1,
                "applies_to": "prose",
                "policy_ref": "§2",
                "text": "A household with one parent or carer.",
            }
        )

    edit(policy_copy / "definitions" / "terms.yaml", add)
    changes = _changes(policy, policy_copy)
    assert f"problems: indicator {policy.rules.problems[0].id}/{removed.id}: removed" in changes
    assert "definitions: definition lone_parent: added" in changes


def test_triage_diff_prints_changes_grouped_by_section(policy_copy):
    _replace(policy_copy / "rules" / "ruleset.yaml", 'version: "2026.1"', 'version: "2026.2"')
    result = CliRunner().invoke(app, ["diff", ".", str(policy_copy)])
    assert (result.exit_code, result.output) == (0, "ruleset:\n  ruleset: version: 2026.1 → 2026.2\n")


def test_triage_diff_json_gives_one_object_per_change(policy_copy):
    _replace(policy_copy / "rules" / "ruleset.yaml", 'version: "2026.1"', 'version: "2026.2"')
    result = CliRunner().invoke(app, ["diff", ".", str(policy_copy), "--json"])
    assert [Change(**json.loads(line)) for line in result.output.splitlines()] == [
        Change("ruleset", "ruleset", "version: 2026.1 → 2026.2")
    ]


def test_a_removed_safeguarding_invariant_is_named(policy, policy_copy, edit):
    edit(
        policy_copy / "rules" / "invariants.yaml",
        lambda data: data.update(
            invariants=[x for x in data["invariants"] if x["id"] != "no_key_worker_without_consent"]
        ),
    )
    assert _changes(policy, policy_copy) == ["invariants: invariant no_key_worker_without_consent: removed"]


def test_a_weakened_safeguarding_invariant_shows_what_it_no_longer_requires(policy, policy_copy, edit):
    def weaker(data):
        [invariant] = [x for x in data["invariants"] if x["id"] == "child_at_risk_goes_to_childrens_social_care"]
        del invariant["then"]["priority"]

    edit(policy_copy / "rules" / "invariants.yaml", weaker)
    weakened = (
        "invariants: invariant child_at_risk_goes_to_childrens_social_care: then: "
        "route childrens_social_care, priority immediate → route childrens_social_care"
    )
    assert _changes(policy, policy_copy) == [weakened]


def test_a_lower_coverage_requirement_is_a_change(policy, policy_copy, edit):
    edit(policy_copy / "rules" / "ruleset.yaml", lambda data: data.update(min_test_coverage=50))
    assert _changes(policy, policy_copy) == ["ruleset: ruleset: min_test_coverage: 100.0 → 50.0"]


def test_a_changed_intake_window_is_named(policy, policy_copy):
    _replace(policy_copy / "rules" / "ruleset.yaml", "received_within_days: 90", "received_within_days: 30")
    assert _changes(policy, policy_copy) == ["intake: intake: received within days: 90 → 30"]


def test_a_routing_rule_removed_is_not_an_order_change(policy, policy_copy, edit):
    removed = policy.rules.routing[5].id

    def drop(data):
        del data["routing"][5]

    edit(policy_copy / "rules" / "routing.yaml", drop)
    assert _changes(policy, policy_copy) == [f"routing: rule {removed}: removed"]


def test_a_definitions_new_version_is_named(policy, policy_copy):
    _replace(
        policy_copy / "definitions" / "terms.yaml",
        "label: Dependent child\n    version: 1",
        "label: Dependent child\n    version: 2",
    )
    assert _changes(policy, policy_copy) == ["definitions: definition dependent_child: version: 1 → 2"]


def test_a_definitions_changed_test_is_shown_in_the_rules_words(policy, policy_copy):
    _replace(policy_copy / "definitions" / "terms.yaml", "{field: age, lt: 18}", "{field: age, lt: 19}")
    assert _changes(policy, policy_copy) == [
        "definitions: definition dependent_child: test: (role = child and age < 18) → (role = child and age < 19)"
    ]


def _set(*path: Any) -> Callable[[Any], None]:
    """An edit that sets one value: ``_set("routing", 0, "priority", "high")``."""
    *keys, last, value = path

    def change(data: Any) -> None:
        for key in keys:
            data = data[key]
        data[last] = value

    return change


def _swap(section: str, first: int, second: int) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        items = data[section]
        items[first], items[second] = items[second], items[first]

    return change


def _append(section: str, item: dict[str, Any]) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        data[section].append(item)

    return change


def _drop(section: str, index: int) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        del data[section][index]

    return change


# each part of the policy, changed on its own, and the one change the diff names for it
EACH_PART = {
    "problem-label": (
        "rules/problems.yaml",
        _set("problems", 0, "label", "Crime and ASB"),
        "problems: problem crime_asb: label: Crime and anti-social behaviour → Crime and ASB",
    ),
    "indicator-test": (
        "rules/problems.yaml",
        _set("problems", 0, "indicators", 0, "when", {"field": "offending.proven_offence_12m", "eq": False}),
        "problems: indicator crime_asb/proven_offence_12m: test: any_member: offending.proven_offence_12m = true"
        " → any_member: offending.proven_offence_12m = false",
    ),
    "points-per-problem": (
        "rules/need_score.yaml",
        _set("need_score", "points_per_problem", 12),
        "need score: need score: points per problem: 10 → 12",
    ),
    "modifier-test": (
        "rules/need_score.yaml",
        _set("need_score", "modifiers", 0, "when", {"field": "domestic_abuse.victim_12m", "eq": True}),
        "need score: modifier marac_high_risk: test: any_member: domestic_abuse.marac_high_risk = true"
        " → any_member: domestic_abuse.victim_12m = true",
    ),
    "routing-priority": (
        "rules/routing.yaml",
        _set("routing", 0, "priority", "high"),
        "routing: rule out_of_area: priority: standard → high",
    ),
    "specialist-need-test": (
        "rules/routing.yaml",
        _set("specialist_needs", 1, "when", {"field": "health.substance_misuse", "eq": False}),
        "specialist needs: need for drug_alcohol_service: test: any_member: health.substance_misuse = true"
        " → any_member: health.substance_misuse = false",
    ),
    "specialist-need-removed": (
        "rules/routing.yaml",
        _drop("specialist_needs", 1),
        "specialist needs: need for drug_alcohol_service: removed",
    ),
    "specialist-ranking": (
        "rules/routing.yaml",
        _swap("specialist_needs", 0, 1),
        "specialist needs: ranking order: domestic_abuse_service, drug_alcohol_service, adult_mental_health,"
        " housing_solutions, employment_support → drug_alcohol_service, domestic_abuse_service,"
        " adult_mental_health, housing_solutions, employment_support",
    ),
    "also-refer-not-for-routes": (
        "rules/also_refer.yaml",
        _set("also_refer", "except_routes", ["out_of_area"]),
        "also refer: also refer: not for routes: [consent_required, out_of_area] → [out_of_area]",
    ),
    "also-refer-service": (
        "rules/also_refer.yaml",
        _set("also_refer", "rules", 0, "service", "drug_alcohol_service"),
        "also refer: rule also_refer_domestic_abuse: service: domestic_abuse_service → drug_alcohol_service",
    ),
    "also-refer-test": (
        "rules/also_refer.yaml",
        _set("also_refer", "rules", 0, "when", {"field": "domestic_abuse.victim_12m", "eq": True}),
        "also refer: rule also_refer_domestic_abuse: test: any_member: domestic_abuse.marac_high_risk = true"
        " → any_member: domestic_abuse.victim_12m = true",
    ),
    "invariant-statement": (
        "rules/invariants.yaml",
        _set("invariants", 0, "statement", "Out of area first."),
        "invariants: invariant out_of_area_first: statement: A household whose postcode district the city's"
        " services do not cover is returned to the referrer to refer to its home authority, whatever else the"
        " referral says. → Out of area first.",
    ),
    "invariant-when": (
        "rules/invariants.yaml",
        _set("invariants", 0, "when", {"field": "consent.given", "eq": False}),
        "invariants: invariant out_of_area_first: when: derived.in_area = false → consent.given = false",
    ),
    "invariant-then": (
        "rules/invariants.yaml",
        _set("invariants", 0, "then", {"route": "out_of_area", "priority": "standard"}),
        "invariants: invariant out_of_area_first: then: route out_of_area → route out_of_area, priority standard",
    ),
    "priority-working-days": (
        "rules/ruleset.yaml",
        _set("priorities", 1, "working_days", 6),
        "priorities: priority high: working days: 5 → 6",
    ),
    "intake-window": (
        "rules/ruleset.yaml",
        _set("intake", "received_within_days", 60),
        "intake: intake: received within days: 90 → 60",
    ),
    "locality-name": (
        "service_catalogue/localities.yaml",
        _set("localities", 0, "name", "MAST Northern"),
        "localities: locality north: name: MAST North → MAST Northern",
    ),
    "district-added": (
        "service_catalogue/localities.yaml",
        _set("localities", 0, "districts", ["S3", "S5", "S6", "S35", "S36", "S99"]),
        "localities: district S99: locality: none → north",
    ),
    "service-name": (
        "service_catalogue/services.yaml",
        _set("services", 0, "name", "MAST"),
        "services: service mast: name: Multi-Agency Support Team (MAST) → MAST",
    ),
    "service-unit-cost": (
        "service_catalogue/services.yaml",
        _set("services", 0, "unit_cost_gbp", 3600),
        "services: service mast: unit_cost_gbp: 3500.0 → 3600.0",
    ),
    "agency-added": (
        "service_catalogue/agencies.yaml",
        _append("partner_agencies", {"id": "probation", "name": "Probation Service"}),
        "agencies: agency probation: added",
    ),
}


@pytest.mark.parametrize("part", list(EACH_PART))
def test_each_part_of_the_policy_is_named_when_it_changes(policy, policy_copy, edit, part):
    file, change, expected = EACH_PART[part]
    edit(policy_copy / file, change)
    assert _changes(policy, policy_copy) == [expected]
