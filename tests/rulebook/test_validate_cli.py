"""``triage validate DIR``: what a policy lead runs before handing rule changes over."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from triage.cli import app
from triage.rulebook import default_policy_dir

runner = CliRunner()


def test_default_policy_is_valid_and_shows_version_and_hash(policy):
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert f"ruleset {policy.version}" in result.output
    assert f"sha256 {policy.sha256}" in result.output


def test_explicit_default_folder_is_valid(policy):
    result = runner.invoke(app, ["validate", str(default_policy_dir())])
    assert result.exit_code == 0, result.output
    assert policy.sha256 in result.output


def test_an_untouched_copy_is_valid_with_the_same_hash(policy, policy_copy):
    result = runner.invoke(app, ["validate", str(policy_copy)])
    assert result.exit_code == 0, result.output
    assert policy.sha256 in result.output
    assert "2026.1" in result.output


def test_the_rules_folder_itself_is_accepted(policy, policy_copy):
    result = runner.invoke(app, ["validate", str(policy_copy / "rules")])
    assert result.exit_code == 0, result.output
    assert policy.sha256 in result.output


def test_broken_copy_exits_non_zero_with_file_and_line(policy_copy, replace):
    line = replace(policy_copy, "rules/routing.yaml", "route: bsf\n", "route: bsff\n")
    result = runner.invoke(app, ["validate", str(policy_copy)])
    assert result.exit_code != 0
    assert f"rules/routing.yaml:{line}: routing[5].route: unknown service id 'bsff'" in result.output
    assert "sha256" not in result.output


def test_broken_copy_lists_every_problem(policy_copy, replace):
    routing = replace(policy_copy, "rules/routing.yaml", "priority: high", "priority: urgent")
    terms = replace(policy_copy, "definitions/terms.yaml", "test: {field: age, ge: 18}", "test: {definition: adult}")
    result = runner.invoke(app, ["validate", str(policy_copy)])
    assert result.exit_code != 0
    assert "2 problem(s)" in result.output
    assert f"rules/routing.yaml:{routing}:" in result.output
    assert f"definitions/terms.yaml:{terms}:" in result.output


def test_missing_folder_exits_non_zero(tmp_path: Path):
    result = runner.invoke(app, ["validate", str(tmp_path / "nowhere")])
    assert result.exit_code != 0
    assert "rules/: (top level): folder not found" in result.output


def test_installed_command_exits_non_zero_for_a_broken_copy(policy_copy, replace):
    line = replace(policy_copy, "rules/need_score.yaml", "points: 15", "points: ten")
    triage = Path(sys.executable).with_name("triage")
    done = subprocess.run([str(triage), "validate", str(policy_copy)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert f"rules/need_score.yaml:{line}: need_score.modifiers[0].points" in done.stderr


def test_installed_command_exits_zero_for_the_default_policy(policy):
    triage = Path(sys.executable).with_name("triage")
    done = subprocess.run([str(triage), "validate"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"ok: ruleset {policy.version} (sha256 {policy.sha256})" in done.stdout
