"""``triage simulate --input FILE``: re-decide referrals from JSONL under a candidate ruleset.

The candidate (``bsf_35``) lets BSF take 2 headline problems with need score >= 35 instead of >= 40;
the input has exactly one referral it moves (``SHIFTED``: 2 problems, need score 35, MAST North ->
BSF), four it leaves where they were, and one line that is not JSON. The simulation runs once for
the module (``simulated``) and each test checks one thing in what it wrote.
"""

from __future__ import annotations

import csv
import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from triage.engine import Engine
from triage.intake import parse_referral
from triage.rulebook import Policy

from simulation.sim_support import (
    CANDIDATE_VERSION,
    NOT_JSON,
    SHIFTED,
    SHIFTED_LOCALITY,
    UNAFFECTED,
    Cli,
    copy_policy,
    report,
    team,
    transition,
    write_lines,
)

MAST_TEAM = f"mast/{SHIFTED_LOCALITY}"


class Simulated:
    """One ``triage simulate`` run and the files it wrote."""

    def __init__(self, folder: Path, result: Result) -> None:
        self.result = result
        self.json_path, self.csv_path, self.html_path = (folder / "out.json", folder / "out.csv", folder / "out.html")

    @property
    def data(self) -> dict[str, Any]:
        return report(self.json_path)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory, bsf_35: Path, cli: Callable[..., Result]) -> Simulated:
    folder = tmp_path_factory.mktemp("simulated")
    source = write_lines(folder / "referrals.jsonl", [UNAFFECTED[0], SHIFTED, *UNAFFECTED[1:], NOT_JSON])
    result = cli(
        "simulate",
        "--candidate",
        bsf_35,
        "--input",
        source,
        "--workers",
        1,
        "--json",
        folder / "out.json",
        "--csv",
        folder / "out.csv",
        "--html",
        folder / "out.html",
    )
    assert result.exit_code == 0, result.stderr
    return Simulated(folder, result)


def test_the_shifted_referral_is_what_the_tests_say(policy: Policy) -> None:
    """The input means what it claims: 2 problems and need score 35, MAST North under the shipped rules."""
    engine = Engine(policy, "python")
    decision = engine.decide(parse_referral(SHIFTED, engine.compiled.agencies))
    assert (len(decision.problems), decision.need_score, decision.route, decision.locality) == (
        2,
        35,
        "mast",
        SHIFTED_LOCALITY,
    )


# --- the JSON report -----------------------------------------------------------------------------


def test_total_counts_the_referrals_read(simulated: Simulated) -> None:
    """Six lines were read: five referrals, and a line that is not JSON, counted but not simulated."""
    assert simulated.data["total"] == 6


def test_exactly_one_decision_changes(simulated: Simulated) -> None:
    assert simulated.data["changed"] == 1


def test_the_transition_mast_to_bsf_is_counted_once(simulated: Simulated) -> None:
    assert transition(simulated.data, "mast", "bsf") == 1


def test_the_unaffected_referrals_stay_on_the_diagonal(simulated: Simulated) -> None:
    data = simulated.data
    assert (
        transition(data, "bsf", "bsf"),
        transition(data, "mast", "mast"),
        transition(data, "universal_signpost", "universal_signpost"),
    ) == (1, 2, 1)


def test_the_mast_locality_team_loses_one(simulated: Simulated) -> None:
    row = team(simulated.data, MAST_TEAM)
    assert row["after"] - row["before"] == row["change"] == -1


def test_bsf_gains_one(simulated: Simulated) -> None:
    row = team(simulated.data, "bsf")
    assert (row["before"], row["after"], row["change"]) == (1, 2, 1)


def test_teams_carry_the_candidate_capacity(simulated: Simulated) -> None:
    assert (team(simulated.data, "bsf")["capacity"], team(simulated.data, MAST_TEAM)["capacity"]) == (160, 225)


def test_the_sample_is_the_shifted_referral(simulated: Simulated) -> None:
    assert [item["referral_id"] for item in simulated.data["sample"]] == [SHIFTED["referral_id"]]


def test_the_sample_explains_the_old_decision(simulated: Simulated) -> None:
    old = simulated.data["sample"][0]["old"]
    assert (old["team"], old["priority"], old["rule"]) == (MAST_TEAM, "standard", "mast_early_help")
    assert any("need score 35" in reason for reason in old["reasons"])


def test_the_sample_explains_the_new_decision(simulated: Simulated) -> None:
    new = simulated.data["sample"][0]["new"]
    assert (new["team"], new["priority"], new["rule"]) == ("bsf", "high", "bsf_intensive")
    assert any("need score 35" in reason for reason in new["reasons"])


def test_the_line_that_is_not_json_is_counted_in_errors(simulated: Simulated) -> None:
    assert simulated.data["errors"] == {"line not valid JSON": 1}


def test_the_labels_name_both_rulesets(simulated: Simulated, bsf_35: Path) -> None:
    data = simulated.data
    assert data["baseline"] == "ruleset 2026.1"
    assert data["candidate"] == f"{CANDIDATE_VERSION} ({bsf_35})"


# --- the other outputs ---------------------------------------------------------------------------


def test_stdout_reports_the_changed_count(simulated: Simulated) -> None:
    assert "Decisions that change (route, locality or priority): 1 (16.7%)" in simulated.result.stdout


def test_csv_header_is_team_before_after_change_capacity(simulated: Simulated) -> None:
    assert simulated.csv_path.read_text(encoding="utf-8").splitlines()[0] == "team,before,after,change,capacity"


def test_csv_has_one_row_per_team(simulated: Simulated) -> None:
    with simulated.csv_path.open(encoding="utf-8", newline="") as rows:
        teams = [row["team"] for row in csv.DictReader(rows)]
    assert teams == [t["team"] for t in simulated.data["teams"]] and len(teams) == len(set(teams))


def test_csv_gives_the_shifted_figures(simulated: Simulated) -> None:
    with simulated.csv_path.open(encoding="utf-8", newline="") as rows:
        by_team = {row["team"]: row for row in csv.DictReader(rows)}
    assert (by_team["bsf"]["change"], by_team[MAST_TEAM]["change"]) == ("1", "-1")


def test_html_fetches_nothing_and_runs_no_script(simulated: Simulated) -> None:
    page = simulated.html_path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "http://" not in page and "https://" not in page and "<script" not in page.lower()


def test_html_has_the_chart_and_the_changed_count(simulated: Simulated) -> None:
    page = simulated.html_path.read_text(encoding="utf-8")
    assert "<svg" in page and "1 decisions change (16.7%)" in page


def test_html_shows_the_sampled_referral(simulated: Simulated) -> None:
    assert f"{SHIFTED['referral_id']}: {MAST_TEAM} (standard)" in simulated.html_path.read_text(encoding="utf-8")


# --- variations (one run each) -------------------------------------------------------------------


def test_a_referral_the_contract_refuses_is_counted_with_its_reason(
    tmp_path: Path, bsf_35: Path, cli: Callable[..., Result]
) -> None:
    """A line that is JSON but not a valid referral is simulated as an error, and the run goes on."""
    too_old = {
        **UNAFFECTED[1],
        "referral_id": "R-BAD",
        "household": {"postcode": "S5 7AU", "members": [{"id": "c1", "role": "child", "age": 19}]},
    }
    source = write_lines(tmp_path / "in.jsonl", [too_old, SHIFTED])
    result = cli("simulate", "--candidate", bsf_35, "--input", source, "--workers", 1, "--json", tmp_path / "o.json")
    data = report(tmp_path / "o.json")
    assert result.exit_code == 0, result.stderr
    assert (data["changed"], list(data["errors"].values())) == (1, [1])
    assert next(iter(data["errors"])).startswith("invalid referral: household.members[0].age")


def test_baseline_option_compares_against_another_policy(
    tmp_path: Path, bsf_35: Path, policy_copy: Path, cli: Callable[..., Result]
) -> None:
    """Swapped round (candidate: the shipped rules, baseline: the >= 35 draft), the move goes back."""
    source = write_lines(tmp_path / "in.jsonl", [SHIFTED, *UNAFFECTED])
    result = cli(
        "simulate",
        "--candidate",
        policy_copy,
        "--baseline",
        bsf_35,
        "--input",
        source,
        "--workers",
        1,
        "--json",
        tmp_path / "o.json",
    )
    data = report(tmp_path / "o.json")
    assert result.exit_code == 0, result.stderr
    assert (data["baseline"], transition(data, "bsf", "mast"), data["changed"]) == (
        f"ruleset {CANDIDATE_VERSION}",
        1,
        1,
    )


def test_sample_zero_shows_no_referral_but_still_counts(
    tmp_path: Path, bsf_35: Path, cli: Callable[..., Result]
) -> None:
    source = write_lines(tmp_path / "in.jsonl", [SHIFTED])
    result = cli(
        "simulate",
        "--candidate",
        bsf_35,
        "--input",
        source,
        "--workers",
        1,
        "--sample",
        0,
        "--json",
        tmp_path / "o.json",
    )
    data = report(tmp_path / "o.json")
    assert result.exit_code == 0, result.stderr
    assert (data["changed"], data["sample"]) == (1, [])


def test_an_unchanged_copy_changes_nothing(tmp_path: Path, policy_copy: Path, cli: Callable[..., Result]) -> None:
    source = write_lines(tmp_path / "in.jsonl", [SHIFTED, *UNAFFECTED])
    result = cli(
        "simulate", "--candidate", policy_copy, "--input", source, "--workers", 1, "--json", tmp_path / "o.json"
    )
    data = report(tmp_path / "o.json")
    assert result.exit_code == 0, result.stderr
    assert (data["total"], data["changed"], data["sample"]) == (5, 0, [])


def test_the_durable_engine_simulates_the_same(tmp_path: Path, bsf_35: Path, cli: Callable[..., Result]) -> None:
    source = write_lines(tmp_path / "in.jsonl", [SHIFTED, *UNAFFECTED])
    for engine in ("python", "durable"):
        result = cli(
            "simulate",
            "--candidate",
            bsf_35,
            "--input",
            source,
            "--workers",
            1,
            "--engine",
            engine,
            "--json",
            tmp_path / f"{engine}.json",
        )
        assert result.exit_code == 0, result.stderr
    assert report(tmp_path / "durable.json") == report(tmp_path / "python.json")


def test_html_escapes_a_candidate_folder_name(tmp_path: Path, cli: Callable[..., Result]) -> None:
    """The candidate label quotes the folder as typed, and a folder name may hold "<": show it as text."""
    candidate = copy_policy(tmp_path / "draft <b>v2</b>")  # Linux allows any character but "/" in a name
    source = write_lines(tmp_path / "in.jsonl", [SHIFTED])
    result = cli("simulate", "--candidate", candidate, "--input", source, "--workers", 1, "--html", tmp_path / "o.html")
    page = (tmp_path / "o.html").read_text(encoding="utf-8")
    assert result.exit_code == 0, result.stderr
    assert "<b>v2</b>" not in page and "&lt;b&gt;v2&lt;/b&gt;" in page


# --- exit codes ----------------------------------------------------------------------------------


@pytest.fixture
def one_referral(tmp_path: Path) -> Path:
    return write_lines(tmp_path / "in.jsonl", [SHIFTED])


def break_routing(folder: Path, edit: Callable[[Path, Callable[[Any], None]], None]) -> None:
    def change(data: Any) -> None:
        next(rule for rule in data["routing"] if rule["id"] == "bsf_intensive")["route"] = "bsff"

    edit(folder / "rules" / "routing.yaml", change)


def test_an_unknown_candidate_folder_exits_3(tmp_path: Path, one_referral: Path, cli: Callable[..., Result]) -> None:
    result = cli("simulate", "--candidate", tmp_path / "no-such-policy", "--input", one_referral, "--workers", 1)
    assert result.exit_code == 3


def test_an_unknown_candidate_folder_is_named(tmp_path: Path, one_referral: Path, cli: Callable[..., Result]) -> None:
    result = cli("simulate", "--candidate", tmp_path / "no-such-policy", "--input", one_referral, "--workers", 1)
    assert "folder not found" in result.stderr and "no-such-policy" in result.stderr


def test_a_broken_candidate_exits_3(
    policy_copy: Path, edit: Any, one_referral: Path, cli: Callable[..., Result]
) -> None:
    break_routing(policy_copy, edit)
    result = cli("simulate", "--candidate", policy_copy, "--input", one_referral, "--workers", 1)
    assert (result.exit_code, result.stdout) == (3, "")


def test_a_broken_candidate_names_the_file_and_the_problem(
    policy_copy: Path, edit: Any, one_referral: Path, cli: Callable[..., Result]
) -> None:
    break_routing(policy_copy, edit)
    stderr = cli("simulate", "--candidate", policy_copy, "--input", one_referral, "--workers", 1).stderr
    assert "rules/routing.yaml" in stderr and "bsff" in stderr


def test_a_broken_baseline_exits_3(
    policy_copy: Path, edit: Any, bsf_35: Path, one_referral: Path, cli: Callable[..., Result]
) -> None:
    break_routing(policy_copy, edit)
    result = cli("simulate", "--candidate", bsf_35, "--baseline", policy_copy, "--input", one_referral, "--workers", 1)
    assert result.exit_code == 3 and "bsff" in result.stderr


def test_an_unknown_engine_exits_2_naming_the_option(
    bsf_35: Path, one_referral: Path, cli: Callable[..., Result]
) -> None:
    result = cli("simulate", "--candidate", bsf_35, "--input", one_referral, "--engine", "nonsense")
    assert result.exit_code == 2 and "--engine" in result.stderr and "nonsense" in result.stderr


def test_zero_workers_is_refused(bsf_35: Path, one_referral: Path, cli: Callable[..., Result]) -> None:
    assert cli("simulate", "--candidate", bsf_35, "--input", one_referral, "--workers", 0).exit_code == 2


def test_a_missing_input_file_is_refused(tmp_path: Path, bsf_35: Path, cli: Callable[..., Result]) -> None:
    assert cli("simulate", "--candidate", bsf_35, "--input", tmp_path / "absent.jsonl").exit_code == 2


def test_an_output_that_cannot_be_written_exits_2(
    tmp_path: Path, bsf_35: Path, one_referral: Path, cli: Callable[..., Result]
) -> None:
    result = cli(
        "simulate",
        "--candidate",
        bsf_35,
        "--input",
        one_referral,
        "--workers",
        1,
        "--json",
        tmp_path / "no-such-folder" / "o.json",
    )
    assert result.exit_code == 2 and "cannot write there" in result.stderr


# --- in a terminal -------------------------------------------------------------------------------


def test_a_run_in_a_terminal_shows_progress_and_still_reports(tmp_path: Path, bsf_35: Path) -> None:
    """With stderr on a terminal a progress bar is drawn (of unknown length, fed chunk by chunk);
    it must not get in the way of the report. Its own process, with a pseudo-terminal for stderr."""
    source = write_lines(tmp_path / "in.jsonl", [SHIFTED, *UNAFFECTED])
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "triage.cli",
                "simulate",
                "--candidate",
                str(bsf_35),
                "--input",
                str(source),
                "--workers",
                "1",
                "--json",
                str(tmp_path / "o.json"),
            ],
            stdout=subprocess.PIPE,
            stderr=terminal,
            cwd=tmp_path,
            timeout=60,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    assert done.returncode == 0
    assert report(tmp_path / "o.json")["changed"] == 1


def test_since_with_an_input_file_is_refused(cli: Cli, bsf_35: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("{}\n")
    result = cli("simulate", "--candidate", bsf_35, "--input", source, "--since", "2026-01-01")
    assert (result.exit_code, "--since" in result.output) == (2, True)


def test_a_baseline_without_an_input_file_is_refused(cli: Cli, bsf_35: Path) -> None:
    result = cli("simulate", "--candidate", bsf_35, "--baseline", ".")
    assert (result.exit_code, "--baseline" in result.output) == (2, True)
