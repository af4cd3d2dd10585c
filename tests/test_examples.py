"""The examples/ folder and its README table can never drift apart, nor from what the engines decide.

Every row of the table in ``examples/README.md`` is checked against the decision each engine
(``durable`` and ``python``) gives for that file, through the real command line
(``triage decide FILE --engine NAME``). Each decision runs in its own process: durable-rules' C core
can abort the interpreter, and a crash must fail one example, not take the whole suite down.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from triage.engine import BACKENDS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
README = EXAMPLES / "README.md"
REFERRAL_SUFFIXES = (".json", ".yaml", ".yml")
TABLE_HEADER = ["file", "what it shows", "expected route", "priority", "respond_by", "matched_rule"]


@dataclass(frozen=True)
class Row:
    file: str
    shows: str
    route: str
    locality: str | None
    priority: str
    respond_by: str
    matched_rule: str


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_table(text: str) -> list[Row]:
    """The rows of the README's examples table (the one whose header is TABLE_HEADER)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|") and _cells(line) == TABLE_HEADER)
    rows = []
    for line in lines[start + 2 :]:  # skip the header and the |---| line
        if not line.startswith("|"):
            break
        file, shows, route, priority, respond_by, matched_rule = _cells(line)
        route_ticks = _ticked(route)
        locality = route_ticks[1] if "locality" in route and len(route_ticks) > 1 else None
        rows.append(
            Row(
                _ticked(file)[0],
                shows,
                route_ticks[0],
                locality,
                _ticked(priority)[0],
                _ticked(respond_by)[0],
                _ticked(matched_rule)[0],
            )
        )
    return rows


ROWS = parse_table(README.read_text(encoding="utf-8"))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage.cli", *args], capture_output=True, text=True, timeout=120, check=False
    )


def decide_file(path: Path, engine: str) -> dict[str, Any]:
    result = run_cli("decide", str(path), "--engine", engine)
    assert result.returncode == 0, f"{path.name} --engine {engine}: exit {result.returncode}\n{result.stderr[-2000:]}"
    decision: dict[str, Any] = json.loads(result.stdout)
    return decision


def test_table_has_at_least_ten_examples() -> None:
    assert len(ROWS) >= 10


def test_table_lists_each_file_once() -> None:
    names = [row.file for row in ROWS]
    assert len(names) == len(set(names))


def test_every_example_file_is_in_the_table() -> None:
    on_disk = {p.name for p in EXAMPLES.iterdir() if p.suffix in REFERRAL_SUFFIXES}
    assert on_disk == {row.file for row in ROWS}


def test_examples_include_yaml() -> None:
    assert any(row.file.endswith((".yaml", ".yml")) for row in ROWS)


@pytest.mark.parametrize(
    "route",
    [
        "mast",
        "bsf",
        "childrens_social_care",
        "adult_social_care",
        "consent_required",
        "out_of_area",
        "universal_signpost",
    ],
)
def test_every_primary_route_has_an_example(route: str) -> None:
    assert any(row.route == route for row in ROWS)


def test_a_rule_four_specialist_route_has_an_example() -> None:
    assert any(row.matched_rule == "no_dependent_children" and row.route != "universal_signpost" for row in ROWS)


def test_mast_rows_name_a_locality() -> None:
    assert all(row.locality for row in ROWS if row.route == "mast")


@pytest.mark.parametrize("engine_name", sorted(BACKENDS))
@pytest.mark.parametrize("row", ROWS, ids=[row.file for row in ROWS])
def test_example_decision_matches_readme(row: Row, engine_name: str) -> None:
    decision = decide_file(EXAMPLES / row.file, engine_name)
    got = (
        decision["route"],
        decision["locality"],
        decision["priority"],
        decision["respond_by"],
        decision["matched_rule"],
    )
    assert got == (row.route, row.locality, row.priority, row.respond_by, row.matched_rule)


# --- batch.jsonl: the two invalid lines the README describes ------------------------------------

BATCH = EXAMPLES / "batch.jsonl"
BATCH_ERROR_LINES = {4: None, 9: "EX-BATCH-INVALID"}


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def batch_output(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp(f"batch-{request.param}") / "decisions.jsonl"
    result = run_cli("batch", str(BATCH), "-o", str(out), "--engine", request.param)
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_batch_example_has_about_twelve_lines() -> None:
    assert len(BATCH.read_text(encoding="utf-8").splitlines()) == 12


def test_batch_example_gives_one_result_per_line(batch_output: list[dict[str, Any]]) -> None:
    assert len(batch_output) == 12


def test_batch_example_error_records_are_where_the_readme_says(batch_output: list[dict[str, Any]]) -> None:
    errors = {record["line"]: record["referral_id"] for record in batch_output if "error" in record}
    assert errors == BATCH_ERROR_LINES


def test_batch_example_line_9_names_both_bad_fields(batch_output: list[dict[str, Any]]) -> None:
    error = batch_output[8]["error"]
    assert "household.members[1].age" in error and "household.members[1].school.attendence_pct" in error


def test_batch_example_valid_lines_match_their_source_examples(batch_output: list[dict[str, Any]]) -> None:
    """Each valid batch line is a copy of a README example (id prefixed EX-BATCH-): same decision."""
    by_id = {}
    for row in ROWS:
        if row.file.endswith(".json"):
            referral_id = json.loads((EXAMPLES / row.file).read_text(encoding="utf-8"))["referral_id"]
            by_id[referral_id.replace("EX-", "EX-BATCH-", 1)] = row
    decisions = [d for d in batch_output if "error" not in d]
    assert len(decisions) == 10
    for decision in decisions:
        row = by_id[decision["referral_id"]]
        assert (
            decision["route"],
            decision["locality"],
            decision["priority"],
            decision["respond_by"],
            decision["matched_rule"],
        ) == (row.route, row.locality, row.priority, row.respond_by, row.matched_rule)
