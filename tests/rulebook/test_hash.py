"""The ruleset hash: a fingerprint of what the policy says, not of how the files are written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from triage.engine import Engine
from triage.intake import parse_referral
from triage.rulebook import load_policy


def _reversed_keys(data: Any) -> Any:
    """The same data with every mapping's keys in reverse order (lists keep their order)."""
    if isinstance(data, dict):
        return {key: _reversed_keys(data[key]) for key in reversed(list(data))}
    if isinstance(data, list):
        return [_reversed_keys(item) for item in data]
    return data


def _rewrite(path: Path, **dump_options: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump(data, allow_unicode=True, **dump_options), encoding="utf-8")


def test_hash_is_64_lowercase_hex(policy):
    assert re.fullmatch(r"[0-9a-f]{64}", policy.sha256)


def test_hash_does_not_depend_on_where_the_folder_is(policy, policy_copy):
    assert load_policy(policy_copy).sha256 == policy.sha256


def test_loading_twice_gives_the_same_hash(policy_copy):
    assert load_policy(policy_copy).sha256 == load_policy(policy_copy).sha256


def test_hash_ignores_key_order(policy, policy_copy):
    path = policy_copy / "rules" / "routing.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump(_reversed_keys(data), sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert path.read_text(encoding="utf-8").startswith("specialist_needs:")  # the rewrite really reordered
    assert load_policy(policy_copy).sha256 == policy.sha256


def test_hash_ignores_flow_style(policy, policy_copy):
    path = policy_copy / "service_catalogue" / "services.yaml"
    _rewrite(path, default_flow_style=True, width=100000)
    assert path.read_text(encoding="utf-8").count("\n") <= 2  # one long {...} line
    assert load_policy(policy_copy).sha256 == policy.sha256


def test_hash_ignores_block_style(policy, policy_copy):
    path = policy_copy / "rules" / "need_score.yaml"  # written with {field: ..., eq: ...}
    _rewrite(path, default_flow_style=False, sort_keys=True)
    assert "{field:" not in path.read_text(encoding="utf-8")  # conditions are now block mappings
    assert load_policy(policy_copy).sha256 == policy.sha256


def test_hash_ignores_comments_and_blank_lines(policy, policy_copy):
    path = policy_copy / "rules" / "ruleset.yaml"
    text = path.read_text(encoding="utf-8")
    text = "# A new note at the top.\n\n\n" + text.replace("calendar:\n", "calendar:   # trailing comment\n\n")
    path.write_text(text + "\n# and one at the end\n", encoding="utf-8")
    assert load_policy(policy_copy).sha256 == policy.sha256


def test_hash_ignores_quoting_style(policy, policy_copy, replace):
    replace(policy_copy, "definitions/terms.yaml", "label: Dependent child", "label: 'Dependent child'")
    replace(policy_copy, "rules/ruleset.yaml", 'version: "2026.1"\neffective', "version: '2026.1'\neffective")
    assert load_policy(policy_copy).sha256 == policy.sha256


def test_hash_ignores_which_file_holds_a_section(policy, policy_copy):
    rules = policy_copy / "rules"
    moved = (rules / "need_score.yaml").read_text(encoding="utf-8")
    (rules / "need_score.yaml").unlink()
    (rules / "problems.yaml").write_text(
        (rules / "problems.yaml").read_text(encoding="utf-8") + "\n" + moved, encoding="utf-8"
    )
    assert load_policy(policy_copy).sha256 == policy.sha256


def test_changing_one_number_changes_the_hash(policy, policy_copy, replace):
    replace(policy_copy, "rules/need_score.yaml", "points: 15", "points: 16")
    assert load_policy(policy_copy).sha256 != policy.sha256


def test_changing_a_threshold_changes_the_hash(policy, policy_copy, replace):
    replace(
        policy_copy,
        "definitions/terms.yaml",
        "{field: school.attendance_pct, le: 90}",
        "{field: school.attendance_pct, le: 89}",
    )
    assert load_policy(policy_copy).sha256 != policy.sha256


def test_changing_a_reason_changes_the_hash(policy, policy_copy, replace):
    replace(policy_copy, "rules/problems.yaml", '"{member} is a young carer"', '"{member} is a young carer at home"')
    assert load_policy(policy_copy).sha256 != policy.sha256


def test_changing_the_order_of_routing_rules_changes_the_hash(policy, policy_copy, edit):
    def swap_consent_and_bsf(data):
        routing = data["routing"]
        routing[4], routing[5] = routing[5], routing[4]

    edit(policy_copy / "rules" / "routing.yaml", swap_consent_and_bsf)
    assert load_policy(policy_copy).sha256 != policy.sha256


def test_moving_a_district_changes_the_hash(policy, policy_copy, replace):
    replace(policy_copy, "service_catalogue/localities.yaml", "[S3, S5, S6,", "[S3, S6,")
    replace(policy_copy, "service_catalogue/localities.yaml", "[S2, S4,", "[S2, S5, S4,")
    assert load_policy(policy_copy).sha256 != policy.sha256


def test_decisions_cite_the_hash(policy_copy, replace, referral):
    replace(policy_copy, "rules/need_score.yaml", "points: 15", "points: 16")
    edited = load_policy(policy_copy)
    engine = Engine(edited, "python")
    decision = engine.decide(parse_referral(referral(), engine.compiled.agencies))
    assert decision.ruleset.sha256 == edited.sha256
