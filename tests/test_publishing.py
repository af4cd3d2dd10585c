"""Publishing from the command line: tests run first, the audit log records it, running servers follow."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.audit import RulesetConflict
from triage.audit.store import AuditStore
from triage.cli import app
from triage.publishing import PublishRefused, installed, publish
from triage.rulebook import load_policy

EXAMPLE_2026_2 = Path(__file__).resolve().parents[1] / "examples" / "policies" / "2026.2"


@pytest.fixture
def store(tmp_path: Path) -> AuditStore:
    audit = AuditStore(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    yield audit
    audit.engine.dispose()


def test_a_tested_ruleset_is_published_once(store):
    first = publish(store, load_policy(EXAMPLE_2026_2), "policy-lead", "python")
    again = publish(store, load_policy(EXAMPLE_2026_2), "policy-lead", "python")
    assert (first.event.body["version"], first.tests_passed, again.event) == ("2026.2", 92, None)


def test_a_ruleset_whose_tests_fail_is_not_published(store, policy_copy):
    (policy_copy / "rules" / "routing.yaml").write_text(
        (policy_copy / "rules" / "routing.yaml").read_text().replace("derived.need_score, ge: 40",
                                                                      "derived.need_score, ge: 35"))
    with pytest.raises(PublishRefused, match="expected mast, got bsf"):
        publish(store, load_policy(policy_copy), "policy-lead", "python")
    assert store.published_rulesets() == []


def test_a_ruleset_without_tests_is_not_published(store, policy_copy):
    for case_file in (policy_copy / "rules" / "tests").iterdir():
        case_file.unlink()
    with pytest.raises(PublishRefused, match="no rule tests"):
        publish(store, load_policy(policy_copy), "policy-lead", "python")


def test_a_published_version_number_cannot_be_reused_for_other_content(store, tmp_path, policy_copy):
    publish(store, load_policy(EXAMPLE_2026_2), "policy-lead", "python")
    ruleset = policy_copy / "rules" / "ruleset.yaml"
    ruleset.write_text(ruleset.read_text().replace('version: "2026.1"', 'version: "2026.2"', 1))
    with pytest.raises(RulesetConflict, match="published before with other content"):
        store.publish(load_policy(policy_copy), "policy-lead")


def test_an_instance_installs_its_folders_and_every_published_version(store):
    publish(store, load_policy(EXAMPLE_2026_2), "policy-lead", "python")
    assert installed([None], store, "python").versions() == ["2026.1", "2026.2"]


def test_triage_publish_reports_and_records(tmp_path, monkeypatch):
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "cli.sqlite3"))
    result = CliRunner().invoke(app, ["publish", str(EXAMPLE_2026_2), "--by", "P. Lead", "--engine", "python"])
    assert (result.exit_code, "published ruleset 2026.2" in result.output, "92 rule tests passed" in result.output) == (
        0, True, True)
    verified = CliRunner().invoke(app, ["audit", "verify"])
    assert (verified.exit_code, "ok: 1 events" in verified.output) == (0, True)


def test_triage_publish_refuses_a_publisher_named_with_a_control_character(tmp_path, monkeypatch):
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "cli.sqlite3"))
    result = CliRunner().invoke(app, ["publish", str(EXAMPLE_2026_2), "--by", "P.\x00Lead", "--engine", "python"])
    assert (result.exit_code, result.stderr.strip()) == (2, "--by: must not contain control characters or unpaired surrogates")


def test_triage_publish_refuses_a_failing_candidate_with_exit_1(tmp_path, monkeypatch, policy_copy):
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "cli.sqlite3"))
    (policy_copy / "rules" / "routing.yaml").write_text(
        (policy_copy / "rules" / "routing.yaml").read_text().replace("derived.need_score, ge: 40",
                                                                      "derived.need_score, ge: 35"))
    ruleset = policy_copy / "rules" / "ruleset.yaml"
    ruleset.write_text(ruleset.read_text().replace('version: "2026.1"', 'version: "2026.9"', 1))
    result = CliRunner().invoke(app, ["publish", str(policy_copy), "--by", "P. Lead", "--engine", "python"])
    assert (result.exit_code, "not published" in result.output) == (1, True)


def test_other_content_under_a_version_installed_from_a_folder_is_refused(store, policy_copy):
    definitions = policy_copy / "definitions" / "terms.yaml"
    definitions.write_text(definitions.read_text().replace("version: 1", "version: 2", 1))
    project = load_policy()
    with pytest.raises(RulesetConflict, match="installed from a rule folder"):
        publish(store, load_policy(policy_copy), "policy-lead", "python", {project.version: project.sha256})
    assert store.published_rulesets() == []
