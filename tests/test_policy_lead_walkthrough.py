"""The README's policy-lead walkthrough, end to end on the command line: copy the rules, change the
BSF threshold, test, diff, simulate against the decisions in the store, publish, and see new
decisions stamped with the new version while old ones replay under the old one."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from triage.cli import app

from support import build_referral, child, parent

EXAMPLE_2026_2 = Path(__file__).resolve().parents[1] / "examples" / "policies" / "2026.2"
# two problems and a need score of 35: MAST under 2026.1 (BSF from 40), BSF once the threshold is 35
FAMILY = (parent(domestic_abuse={"marac_high_risk": True}, employment={"out_of_work_benefits": True}), child(age=9))


def _run(*args: str):
    result = CliRunner().invoke(app, [*args])
    assert result.exit_code == 0, result.output
    return result


def _decide(tmp_path: Path, referral_id: str, received_at: str) -> dict:
    source = tmp_path / f"{referral_id}.json"
    source.write_text(json.dumps(build_referral(*FAMILY, referral_id=referral_id, received_at=received_at)))
    return json.loads(_run("decide", str(source), "--audit", "--engine", "python").stdout)


def test_the_policy_leads_walkthrough(tmp_path, monkeypatch, policy_copy, edit):
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(tmp_path / "audit.sqlite3"))
    old = _decide(tmp_path, "W-OLD", "2026-11-20T10:00:00Z")
    assert (old["ruleset"]["version"], old["route"]) == ("2026.1", "mast")

    # the change: BSF from a need score of 35, as version 2026.2 in force from 1 December 2026
    routing = policy_copy / "rules" / "routing.yaml"
    routing.write_text(routing.read_text().replace("derived.need_score, ge: 40", "derived.need_score, ge: 35"))

    def new_version(data):
        data["version"], data["effective_from"] = "2026.2", date(2026, 12, 1)
        data["changelog"].insert(
            0,
            {
                "version": "2026.2",
                "date": date(2026, 12, 1),
                "summary": "BSF from two problems with a need score of 35.",
            },
        )

    edit(policy_copy / "rules" / "ruleset.yaml", new_version)
    # the rule test written for the old boundary fails, as it should; the case is updated with the change
    assert CliRunner().invoke(app, ["test", str(policy_copy)]).exit_code == 1
    shutil.copy(EXAMPLE_2026_2 / "rules" / "tests" / "routing.yaml", policy_copy / "rules" / "tests" / "routing.yaml")
    _run("test", str(policy_copy), "--min-coverage", "100")

    assert "rule bsf_intensive: when:" in _run("diff", ".", str(policy_copy)).stdout
    report = tmp_path / "what-if.json"
    _run("simulate", "--candidate", str(policy_copy), "--workers", "1", "--json", str(report))
    assert json.loads(report.read_text())["changed"] == 1

    _run("publish", str(policy_copy), "--by", "P. Lead", "--engine", "python")
    new = _decide(tmp_path, "W-NEW", "2026-12-07T10:00:00Z")
    assert (new["ruleset"]["version"], new["route"]) == ("2026.2", "bsf")
    assert "identical" in _run("audit", "replay", old["decision_id"], "--engine", "python").stdout.lower()
    _run("audit", "verify")
