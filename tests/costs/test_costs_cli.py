"""``triage costs``: the report for a scenario or the audit log, its files, and its exit codes
(2 bad options or scenario, 3 invalid cost data, 1 no decisions in the period)."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from triage.audit.store import AuditStore
from triage.cli import app
from triage.costs.loader import default_cost_dir
from triage.engine import Engine

from databases import record_decision
from legacy_rows import record_huge_count, record_unreadable
from support import SPEC_EXAMPLE

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "costs" / "bsf_complex_needs.yaml"

runner = CliRunner()


def costs(*args: object) -> Result:
    return runner.invoke(app, ["costs", *map(str, args)])


def report_of(result: Result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(autouse=True)
def audit_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's audit log is its own empty SQLite file."""
    path = tmp_path / "audit.sqlite3"
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_AUDIT_DB", str(path))
    return path


# --- the report ------------------------------------------------------------------------------


def test_the_example_scenario_prints_a_fiscal_benefit_cost_ratio():
    out = report_of(costs("--scenario", EXAMPLE, "--draws", 0))
    assert "100 BSF families with complex needs" in out
    assert re.search(r"^Benefit-cost ratio, fiscal \(£ per £1\) +\d+\.\d\d$", out, re.MULTILINE), out


def test_the_html_report_has_svg_charts_and_no_script(tmp_path):
    target = tmp_path / "report.html"
    report_of(costs("--scenario", EXAMPLE, "--draws", 0, "--html", target))
    page = target.read_text(encoding="utf-8")
    assert "<svg" in page and "<script" not in page.lower()


def test_a_scenario_name_cannot_put_a_script_into_the_html_report(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        'scenario:\n  name: "<script>alert(1)</script>"\n'
        "  groups: [{route: bsf, families: 2, problems: [crime_asb]}]\n",
        encoding="utf-8",
    )
    report_of(costs("--scenario", scenario, "--draws", 0, "--html", tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "&lt;script&gt;" in page


def test_csv_writes_the_five_tables_each_with_a_header(tmp_path):
    folder = tmp_path / "tables"
    report_of(costs("--scenario", EXAMPLE, "--draws", 0, "--csv", folder))
    headers = {}
    for name in ("summary", "years", "agencies", "outcomes", "sensitivity"):
        with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as table:
            rows = list(csv.reader(table))
        assert len(rows) >= 2, name  # a header and at least one row
        headers[name] = rows[0]
    assert headers["summary"] == ["measure", "value"]
    assert headers["years"][:2] == ["year", "discount_factor"]
    assert {"agency", "fiscal_benefit", "proposed_contribution"} <= set(headers["agencies"])
    assert headers["outcomes"][0] == "outcome" and headers["sensitivity"][0] == "assumption"


def test_csv_quotes_text_a_spreadsheet_would_run_but_writes_a_negative_npv_as_a_number(tmp_path):
    """An agency's name that reads as a formula is written as text; the example intake's negative
    fiscal net present value stays a number that a finance officer's spreadsheet adds up."""
    data = tmp_path / "cost_benefit"
    shutil.copytree(default_cost_dir(), data)
    agencies = data / "agencies.yaml"
    agencies.write_text(
        agencies.read_text(encoding="utf-8").replace('name: "Police"', 'name: "=HYPERLINK(1)"'), encoding="utf-8"
    )
    folder = tmp_path / "tables"
    report_of(costs("--scenario", EXAMPLE, "--draws", 0, "--data", data, "--csv", folder))
    with (folder / "agencies.csv").open(encoding="utf-8", newline="") as table:
        names = [row["name"] for row in csv.DictReader(table)]
    with (folder / "summary.csv").open(encoding="utf-8", newline="") as table:
        summary = {row["measure"]: row["value"] for row in csv.DictReader(table)}
    assert "'=HYPERLINK(1)" in names and "=HYPERLINK(1)" not in names
    assert float(summary["npv_fiscal"]) < 0


def test_the_json_report_reads_back_with_a_ratio_of_benefit_to_cost(tmp_path):
    target = tmp_path / "report.json"
    out = report_of(costs("--scenario", EXAMPLE, "--draws", 0, "--json", target))
    summary = json.loads(target.read_text(encoding="utf-8"))["summary"]
    assert summary["bcr_fiscal"] == pytest.approx(summary["fiscal_benefit"] / summary["cost"], rel=1e-12)
    assert f"{summary['bcr_fiscal']:.2f}" in re.search(r"^Benefit-cost ratio, fiscal.*$", out, re.MULTILINE).group()


def test_draws_zero_leaves_the_monte_carlo_out(tmp_path):
    report_of(costs("--scenario", EXAMPLE, "--draws", 0, "--json", tmp_path / "r.json"))
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["monte_carlo"] is None


def test_the_same_seed_gives_the_same_report_twice(tmp_path):
    for name in ("a.json", "b.json"):
        report_of(costs("--scenario", EXAMPLE, "--draws", 40, "--seed", 7, "--json", tmp_path / name))
    first = (tmp_path / "a.json").read_text(encoding="utf-8")
    assert first == (tmp_path / "b.json").read_text(encoding="utf-8")
    assert json.loads(first)["monte_carlo"]["draws"] == 40


def test_another_seed_gives_another_monte_carlo(tmp_path):
    for seed, name in ((7, "a.json"), (8, "b.json")):
        report_of(costs("--scenario", EXAMPLE, "--draws", 40, "--seed", seed, "--json", tmp_path / name))
    first, second = (
        json.loads((tmp_path / name).read_text(encoding="utf-8"))["monte_carlo"] for name in ("a.json", "b.json")
    )
    assert first["fiscal"] != second["fiscal"]


def test_too_few_monte_carlo_draws_are_refused_naming_the_option(tmp_path):
    result = costs("--scenario", EXAMPLE, "--draws", 1)
    assert result.exit_code == 2, repr(result.exception)
    assert "--draws: give 0 (no Monte Carlo) or at least 10" in result.stderr


def test_a_scenario_with_no_key_working_family_is_refused_saying_why(tmp_path):
    scenario = tmp_path / "elsewhere.yaml"
    scenario.write_text(
        "scenario:\n  name: Elsewhere\n  groups:\n"
        "    - {route: childrens_social_care, families: 5, problems: [children_need_help]}\n",
        encoding="utf-8",
    )
    result = costs("--scenario", scenario)
    assert result.exit_code == 1
    assert "no family in the cohort is on a key working route" in result.stderr


def test_the_audit_cohort_appraises_the_decisions_recorded(tmp_path, audit_db, policy):
    store = AuditStore(f"sqlite:///{audit_db}")
    record_decision(store, policy, SPEC_EXAMPLE)
    store.db.dispose()
    report_of(costs("--cohort", "audit", "--draws", 0, "--json", tmp_path / "r.json"))
    families = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["families"]
    assert [(f["route"], f["families"]) for f in families] == [("bsf", 1)]


# --- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "names"),
    [
        ((), ["--scenario", "--cohort"]),
        (("--scenario", EXAMPLE, "--cohort", "audit"), ["--scenario", "--cohort"]),
        (("--cohort", "other"), ["--cohort", "'other'"]),
        (("--scenario", EXAMPLE, "--since", "2026-04-01"), ["--since"]),
        (("--scenario", EXAMPLE, "--until", "2026-04-30"), ["--until"]),
        (("--cohort", "audit", "--since", "2026-13-01"), ["--since", "'2026-13-01'"]),
        (("--cohort", "audit", "--until", "30/04/2026"), ["--until", "'30/04/2026'"]),
    ],
    ids=["neither", "both", "unknown cohort", "since with scenario", "until with scenario", "bad since", "bad until"],
)
def test_a_bad_option_exits_2_naming_it(args, names):
    result = costs(*args)
    assert result.exit_code == 2, result.stdout
    assert all(name in result.stderr for name in names), result.stderr


def test_an_invalid_scenario_file_exits_2_naming_its_line(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "scenario:\n  name: t\n  groups:\n    - {route: nowhere, families: 1, problems: []}\n", encoding="utf-8"
    )
    result = costs("--scenario", scenario, "--draws", 0)
    assert result.exit_code == 2
    assert "s.yaml:4: scenario.groups[0].route: 'nowhere' is not a route" in result.stderr


def test_invalid_cost_data_exits_3_naming_the_file(tmp_path):
    broken = Path(shutil.copytree(default_cost_dir(), tmp_path / "cost_benefit"))
    appraisal = broken / "appraisal.yaml"
    appraisal.write_text(
        appraisal.read_text(encoding="utf-8").replace("discount_rate: 0.035", "discount_rate: 1.5"), encoding="utf-8"
    )
    result = costs("--scenario", EXAMPLE, "--data", broken, "--draws", 0)
    assert result.exit_code == 3
    assert "cost_benefit/appraisal.yaml:" in result.stderr and "appraisal.discount_rate" in result.stderr


def test_an_audit_log_with_no_decisions_exits_1(audit_db):
    AuditStore(f"sqlite:///{audit_db}").db.dispose()
    result = costs("--cohort", "audit", "--draws", 0)
    assert result.exit_code == 1
    assert "no decisions" in result.stderr


def test_a_period_with_no_decisions_exits_1(audit_db, policy):
    store = AuditStore(f"sqlite:///{audit_db}")
    record_decision(store, policy, SPEC_EXAMPLE)
    store.db.dispose()
    result = costs("--cohort", "audit", "--since", "2000-01-01", "--until", "2000-01-31", "--draws", 0)
    assert result.exit_code == 1


# --- a log holding decisions that cannot be read ------------------------------------------------

LEFT_OUT = "1 recorded decision could not be read and was left out"


@pytest.fixture
def legacy_log(audit_db, policy):
    """The audit log holds a decision with a count of 10^309 (bsf, read in full) and one that cannot be read."""
    store = AuditStore(f"sqlite:///{audit_db}")
    record_huge_count(store, Engine(policy, "python"))
    record_unreadable(store)
    store.db.dispose()


def test_the_audit_cohort_report_says_how_many_decisions_were_left_out(legacy_log):
    out = report_of(costs("--cohort", "audit", "--draws", 0))
    assert f"{LEFT_OUT}." in out.splitlines()
    assert re.search(r"\[bsf\] +1 +yes$", out, re.MULTILINE), out


def test_the_json_and_html_reports_say_it_too(tmp_path, legacy_log):
    report_of(costs("--cohort", "audit", "--draws", 0, "--json", tmp_path / "r.json", "--html", tmp_path / "r.html"))
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert (data["unreadable"], data["unreadable_note"]) == (1, LEFT_OUT)
    assert LEFT_OUT in (tmp_path / "r.html").read_text(encoding="utf-8")
