"""Publishing from the command line: tests run first, the audit log records it, running servers follow."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from triage.access import Role
from triage.app import create_app
from triage.audit import RulesetConflict
from triage.audit.store import AuditStore
from triage.cli import app
from triage.publishing import PublishRefused, publish
from triage.rulebook import load_policy
from triage.settings import Settings

from support import build_referral, child, parent

EXAMPLE_2026_2 = Path(__file__).resolve().parents[1] / "examples" / "policies" / "2026.2"
# two problems and a need score of 35: MAST under 2026.1 (BSF needs 40), BSF under 2026.2
FAMILY = (parent(domestic_abuse={"marac_high_risk": True}, employment={"out_of_work_benefits": True}), child(age=9))


@pytest.fixture
def store(tmp_path: Path) -> AuditStore:
    audit = AuditStore(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    yield audit
    audit.db.dispose()


def test_a_tested_ruleset_is_published_once(store):
    first = publish(store, load_policy(EXAMPLE_2026_2), "policy-lead", "python")
    again = publish(store, load_policy(EXAMPLE_2026_2), "policy-lead", "python")
    assert (first.event.body["version"], first.tests_passed, again.event) == ("2026.2", 92, None)


def test_a_ruleset_whose_tests_fail_is_not_published(store, policy_copy):
    (policy_copy / "rules" / "routing.yaml").write_text(
        (policy_copy / "rules" / "routing.yaml")
        .read_text()
        .replace("derived.need_score, ge: 40", "derived.need_score, ge: 35")
    )
    with pytest.raises(PublishRefused, match="expected mast, got bsf"):
        publish(store, load_policy(policy_copy), "policy-lead", "python")
    assert store.archive.published() == []


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
        store.archive.publish(load_policy(policy_copy), "policy-lead")


def test_triage_publish_reports_and_records(tmp_path, monkeypatch):
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "cli.sqlite3"))
    result = CliRunner().invoke(app, ["publish", str(EXAMPLE_2026_2), "--by", "P. Lead", "--engine", "python"])
    assert (result.exit_code, "published ruleset 2026.2" in result.output, "92 rule tests passed" in result.output) == (
        0,
        True,
        True,
    )
    verified = CliRunner().invoke(app, ["audit", "verify"])
    assert (verified.exit_code, "ok: 1 events" in verified.output) == (0, True)


def test_triage_publish_refuses_a_publisher_named_with_a_control_character(tmp_path, monkeypatch):
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "cli.sqlite3"))
    result = CliRunner().invoke(app, ["publish", str(EXAMPLE_2026_2), "--by", "P.\x00Lead", "--engine", "python"])
    assert (result.exit_code, result.stderr.strip()) == (
        2,
        "--by: must not contain control characters or unpaired surrogates",
    )


def test_triage_publish_refuses_a_failing_candidate_with_exit_1(tmp_path, monkeypatch, policy_copy):
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "cli.sqlite3"))
    (policy_copy / "rules" / "routing.yaml").write_text(
        (policy_copy / "rules" / "routing.yaml")
        .read_text()
        .replace("derived.need_score, ge: 40", "derived.need_score, ge: 35")
    )
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
    assert store.archive.published() == []


# --- every way in resolves the installed versions the same way ----------------------------------


@pytest.fixture
def in_force_since_yesterday(tmp_path: Path) -> Path:
    """The example 2026.2 (BSF from two problems and a need score of 35), taking effect yesterday."""
    folder = tmp_path / "2026.2"
    shutil.copytree(EXAMPLE_2026_2, folder)
    ruleset = folder / "rules" / "ruleset.yaml"
    yesterday = (datetime.now(ZoneInfo("Europe/London")).date() - timedelta(days=1)).isoformat()
    ruleset.write_text(ruleset.read_text(encoding="utf-8").replace("2027-04-01", yesterday), encoding="utf-8")
    return folder


@pytest.fixture
def cli_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI and the API use the default log, in this test's own data folder."""
    for name in ("TRIAGE_DATABASE_URL", "TRIAGE_AUDIT_DB", "TRIAGE_RULES_DIRS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRIAGE_LOG_LEVEL", "warning")


def test_after_publishing_decide_with_and_without_audit_and_the_api_answer_with_the_same_version(
    cli_log, in_force_since_yesterday, tmp_path
):
    runner = CliRunner()
    published = runner.invoke(app, ["publish", str(in_force_since_yesterday), "--by", "P. Lead", "--engine", "python"])
    assert published.exit_code == 0, published.stderr
    referral = build_referral(*FAMILY, referral_id="SAME-1", received_at=datetime.now(UTC).isoformat())
    path = tmp_path / "referral.json"
    path.write_text(json.dumps(referral), encoding="utf-8")
    versions = [
        json.loads(runner.invoke(app, ["decide", str(path), "--engine", "python", *audit]).stdout)["ruleset"]["version"]
        for audit in (["--no-audit"], ["--audit"])
    ]
    api = create_app(Settings(engine="python"))
    try:
        _, token = api.state.services.keys.create("hillside-school-mis", Role.PARTNER)
        answered = (
            TestClient(api)
            .post(
                "/v1/referrals",
                json={**referral, "referral_id": "SAME-2"},
                headers={"Authorization": f"Bearer {token}"},
            )
            .json()
        )
    finally:
        api.state.services.store.db.dispose()
    assert [*versions, answered["ruleset"]["version"]] == ["2026.2", "2026.2", "2026.2"]


def test_rules_show_shows_the_version_in_force_today_and_lists_a_later_one_as_scheduled(cli_log):
    runner = CliRunner()
    assert runner.invoke(app, ["publish", str(EXAMPLE_2026_2), "--by", "P. Lead", "--engine", "python"]).exit_code == 0
    shown = runner.invoke(app, ["rules", "show"])
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.startswith("Ruleset 2026.1 - ")
    assert "ruleset 2026.1 in force today" in shown.stdout and "scheduled: 2026.2 from 2027-04-01" in shown.stdout


def test_rules_show_shows_a_published_version_once_it_is_in_force(cli_log, in_force_since_yesterday):
    runner = CliRunner()
    runner.invoke(app, ["publish", str(in_force_since_yesterday), "--by", "P. Lead", "--engine", "python"])
    shown = runner.invoke(app, ["rules", "show"]).stdout
    assert shown.startswith("Ruleset 2026.2 - ") and "scheduled: none" in shown


# -- what publishing requires: the coverage the ruleset sets, and its safeguarding invariants ------

ONE_CASE = """\
cases:
  - name: everyone is out of area
    referral:
      referral_id: T-1
      received_at: "2026-11-20T10:15:00Z"
      referrer: {agency: school}
      household: {postcode: S5 7AU, members: [{id: p1, role: parent_carer, age: 30}]}
    expect: {route: out_of_area}
"""
CHILD_AT_RISK = "invariant child_at_risk_goes_to_childrens_social_care"


def sends_everyone_out_of_area(root: Path, edit) -> Path:
    """The issue's attack: one routing rule sending every referral away, and one rule test for it."""
    edit(
        root / "rules" / "routing.yaml",
        lambda data: data.update(
            routing=[
                {
                    "id": "everyone_out",
                    "policy_ref": "none",
                    "otherwise": True,
                    "route": "out_of_area",
                    "priority": "standard",
                    "reason": "Not ours",
                }
            ]
        ),
    )
    for case_file in (root / "rules" / "tests").iterdir():
        case_file.unlink()
    (root / "rules" / "tests" / "only.yaml").write_text(ONE_CASE, encoding="utf-8")
    return root


def sends_a_child_on_a_protection_plan_to_mast(root: Path, edit) -> Path:
    """Safeguarding by immediate risk only, with the two rule tests about protection plans changed to match."""

    def routing(data) -> None:
        [rule] = [r for r in data["routing"] if r["id"] == "safeguarding"]
        rule["when"] = {
            "all": [
                {"field": "safeguarding.immediate_risk_of_harm", "eq": True},
                {"exists": {"who": "dependent_child"}},
            ]
        }

    def expect(referral_id: str, **expected):
        def change(data) -> None:
            [case] = [c for c in data["cases"] if c["referral"]["referral_id"] == referral_id]
            case["expect"].update(expected)

        return change

    edit(root / "rules" / "routing.yaml", routing)
    edit(
        root / "rules" / "tests" / "routing.yaml",
        expect("T-ROUTE-SG-1", route="consent_required", matched_rule="consent", priority="standard"),
    )
    edit(
        root / "rules" / "tests" / "also_refer.yaml", expect("T-ALSO-CSC", route="mast", matched_rule="mast_early_help")
    )
    return root


def test_the_shipped_rules_publish_with_their_invariants_holding(store):
    published = publish(store, load_policy(), "policy-lead", "python")
    assert (published.event is not None, published.invariants.invariants > 0, published.invariants.violations) == (
        True,
        True,
        (),
    )


def test_one_rule_sending_everyone_out_of_area_is_refused_for_its_coverage(store, policy_copy, edit):
    with pytest.raises(PublishRefused) as refused:
        publish(store, load_policy(sends_everyone_out_of_area(policy_copy, edit)), "policy-lead", "python")
    assert any("coverage 2.2% is below the 100% this ruleset requires" in p for p in refused.value.problems)
    assert store.archive.published() == []


def test_the_coverage_a_ruleset_requires_is_its_own(store, policy_copy, edit):
    sends_everyone_out_of_area(policy_copy, edit)
    edit(policy_copy / "rules" / "ruleset.yaml", lambda data: data.update(min_test_coverage=2))
    with pytest.raises(PublishRefused) as refused:  # still refused: its invariants do not hold
        publish(store, load_policy(policy_copy), "policy-lead", "python")
    assert not any("coverage" in p for p in refused.value.problems)


def test_a_child_on_a_protection_plan_sent_to_mast_is_refused_by_the_invariant(store, policy_copy, edit):
    candidate = load_policy(sends_a_child_on_a_protection_plan_to_mast(policy_copy, edit))
    with pytest.raises(PublishRefused) as refused:
        publish(store, candidate, "policy-lead", "python")
    [problem] = refused.value.problems  # its rule tests pass, with full coverage
    assert (CHILD_AT_RISK in problem, "smallest counter-example" in problem) == (True, True)
    assert store.archive.published() == []


def test_a_ruleset_without_invariants_is_not_published(store, policy_copy):
    (policy_copy / "rules" / "invariants.yaml").unlink()
    with pytest.raises(PublishRefused, match="no safeguarding invariants"):
        publish(store, load_policy(policy_copy), "policy-lead", "python")


def test_no_rule_tests_is_refused_without_naming_a_server_folder(store, policy_copy):
    for case_file in (policy_copy / "rules" / "tests").iterdir():
        case_file.unlink()
    with pytest.raises(PublishRefused) as refused:
        publish(store, load_policy(policy_copy), "policy-lead", "python")
    assert str(policy_copy) not in str(refused.value)


def test_triage_publish_refuses_a_broken_invariant_with_exit_1(tmp_path, monkeypatch, policy_copy, edit):
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "cli.sqlite3"))
    sends_a_child_on_a_protection_plan_to_mast(policy_copy, edit)
    edit(policy_copy / "rules" / "ruleset.yaml", lambda data: data.update(version="2026.9"))
    result = CliRunner().invoke(app, ["publish", str(policy_copy), "--by", "P. Lead", "--engine", "python"])
    assert (result.exit_code, CHILD_AT_RISK in result.output) == (1, True)
