"""triage diff: changes between two rulesets named in policy terms."""

from __future__ import annotations

import json

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
