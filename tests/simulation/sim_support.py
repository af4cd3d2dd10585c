"""Plain data and helpers for the simulation tests (import as ``simulation.sim_support``:
``tests`` is on the path, so this folder is the namespace package ``simulation``).

- ``SHIFTED`` and ``UNAFFECTED``: a small input where exactly one decision changes when BSF takes
  2 problems with need score >= 35 instead of >= 40 (worked out below from rules/problems.yaml
  and rules/need_score.yaml).
- ``copy_policy`` / ``lower_bsf_need_score``: make a candidate policy folder.
- ``write_lines``, ``report``, ``transition``, ``team``: write JSONL input, read the JSON report.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from typer.testing import Result

from triage.rulebook import default_policy_dir

from support import SPEC_EXAMPLE, build_referral, child, parent

POLICY_FOLDERS = ("definitions", "rules", "service_catalogue")
CANDIDATE_VERSION = "2026.2-candidate"

# --- the input of the end-to-end tests -----------------------------------------------------------
# The shift: 2 headline problems (domestic_abuse: MARAC high risk; worklessness_finance: out-of-work
# benefits) -> need score 10 x 2 + 15 (marac_high_risk modifier) = 35. Shipped policy: 35 < 40, so
# not bsf_intensive -> mast_early_help, MAST North (S5 is a North district), standard. Candidate
# (>= 35): bsf_intensive -> bsf, high. A dependent child keeps it past rule 4, consent is given.
SHIFTED = build_referral(
    parent(domestic_abuse={"marac_high_risk": True}, employment={"out_of_work_benefits": True}),
    child(),
    referral_id="R-SHIFT",
)
SHIFTED_LOCALITY = "north"

UNAFFECTED = [
    SPEC_EXAMPLE,  # 3 problems -> bsf under both
    # 2 problems (worklessness, attendance 85% <= 90), score 20: mast under both (20 < 35)
    build_referral(
        parent(employment={"out_of_work_benefits": True}),
        child(school={"attendance_pct": 85.0}),
        referral_id="R-MAST-20",
    ),
    # 1 problem (attendance), MAST East (S2): mast/east under both
    build_referral(parent(), child(school={"attendance_pct": 85.0}), postcode="S2 4AB", referral_id="R-MAST-EAST"),
    # no dependent child, no specialist need: universal_signpost under both
    build_referral(referral_id="R-SIGNPOST"),
]
NOT_JSON = "this line is not JSON {"

Cli = Callable[..., Result]  # the cli fixture: runs `triage` with these arguments


def copy_policy(folder: Path) -> Path:
    """A private copy of the shipped policy folders (what ``policy_copy`` makes in tmp_path)."""
    for name in POLICY_FOLDERS:
        shutil.copytree(default_policy_dir() / name, folder / name)
    return folder


def lower_bsf_need_score(folder: Path, need_score: int) -> None:
    """Edit rules/routing.yaml: bsf_intensive takes 2 problems with need score >= ``need_score``."""
    path = folder / "rules" / "routing.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rule = next(r for r in data["routing"] if r["id"] == "bsf_intensive")
    threshold = rule["when"]["any"][1]["all"][1]
    assert threshold == {"field": "derived.need_score", "ge": 40}, "the shipped rule changed: update this helper"
    threshold["ge"] = need_score
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    ruleset = folder / "rules" / "ruleset.yaml"
    meta = yaml.safe_load(ruleset.read_text(encoding="utf-8"))
    meta["version"] = CANDIDATE_VERSION
    day = meta["effective_from"]  # a copy: one object twice is dumped as a YAML alias, which policy files refuse
    meta["changelog"].append(
        {
            "version": CANDIDATE_VERSION,
            "date": type(day)(day.year, day.month, day.day),
            "summary": f"BSF takes 2 problems with need score >= {need_score}",
        }
    )
    ruleset.write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")


def write_lines(path: Path, items: Iterable[dict[str, Any] | str]) -> Path:
    """A JSONL file: dicts as JSON, strings written as they are (to make bad lines)."""
    with path.open("w", encoding="utf-8") as out:
        for item in items:
            out.write((item if isinstance(item, str) else json.dumps(item)) + "\n")
    return path


def report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def transition(data: dict[str, Any], old: str, new: str) -> int:
    """The count in the JSON report's transition matrix for old route -> new route (0 if absent)."""
    matrix = data["transitions"]
    if old not in matrix["rows"] or new not in matrix["columns"]:
        return 0
    count: int = matrix["counts"][matrix["rows"].index(old)][matrix["columns"].index(new)]
    return count


def team(data: dict[str, Any], name: str) -> dict[str, Any]:
    """The JSON report's row for one team."""
    [row] = [t for t in data["teams"] if t["team"] == name]
    return row
