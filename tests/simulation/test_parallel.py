"""``triage simulate --workers N``: worker processes change nothing in the report.

1,200 generated referrals (benchmarks/generate.py, seed 7) make three chunks of ``CHUNK`` (500);
the candidate lets BSF take 2 problems with need score >= 30, which moves a few dozen of them,
spread over the chunks. Each run is its own ``python -m triage.cli`` process, as an operator's is.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from triage.engine import Engine
from triage.intake import parse_referral
from triage.rulebook import load_policy
from triage.simulation.run import CHUNK, Routed

from simulation.sim_support import report, transition, write_lines

ROOT = Path(__file__).resolve().parents[2]
COUNT = 1200


def benchmarks_generate() -> ModuleType:
    """benchmarks/generate.py, imported from its file (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("benchmarks_generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Runs:
    def __init__(self, folder: Path, referrals: list[dict[str, Any]], candidate: Path) -> None:
        self.folder, self.referrals, self.candidate = folder, referrals, candidate
        self.source = write_lines(folder / "referrals.jsonl", referrals)

    def simulate(self, workers: int) -> Path:
        out = self.folder / f"workers-{workers}.json"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "triage.cli",
                "simulate",
                "--candidate",
                str(self.candidate),
                "--input",
                str(self.source),
                "--workers",
                str(workers),
                "--json",
                str(out),
            ],
            capture_output=True,
            text=True,
            cwd=self.folder,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, make_candidate: Callable[[Path, int], Path]) -> Runs:
    folder = tmp_path_factory.mktemp("parallel")
    return Runs(folder, benchmarks_generate().generate(COUNT, seed=7), make_candidate(folder / "candidate", 30))


@pytest.fixture(scope="module")
def one_worker(runs: Runs) -> Path:
    return runs.simulate(1)


@pytest.fixture(scope="module")
def two_workers(runs: Runs) -> Path:
    return runs.simulate(2)


def test_the_input_spans_more_than_two_chunks() -> None:
    assert COUNT > 2 * CHUNK


def test_two_workers_write_the_same_report_as_one(one_worker: Path, two_workers: Path) -> None:
    assert two_workers.read_text(encoding="utf-8") == one_worker.read_text(encoding="utf-8")


def test_two_workers_simulate_every_referral(two_workers: Path) -> None:
    data = report(two_workers)
    assert (data["total"], data["errors"]) == (COUNT, {})


def test_two_workers_report_what_deciding_one_by_one_gives(runs: Runs, two_workers: Path) -> None:
    """Against the engines run here in order: the changed count, the mast -> bsf moves, and the
    sample (the first 10 changed referrals, in input order, though the chunks ran in parallel)."""
    baseline, candidate = Engine(load_policy(), "python"), Engine(load_policy(runs.candidate), "python")
    changed = []  # (position in the input, referral id, old route, new route)
    for position, referral in enumerate(runs.referrals):
        old, new = (Routed.of(e.decide(parse_referral(referral, e.compiled.agencies))) for e in (baseline, candidate))
        if (old.route, old.locality, old.priority) != (new.route, new.locality, new.priority):
            changed.append((position, referral["referral_id"], old.route, new.route))
    data = report(two_workers)
    assert len(changed) > 10 and {position // CHUNK for position, *_ in changed} == {0, 1, 2}  # every chunk moves
    assert data["changed"] == len(changed)
    assert transition(data, "mast", "bsf") == sum(1 for *_, old, new in changed if (old, new) == ("mast", "bsf"))
    assert [item["referral_id"] for item in data["sample"]] == [rid for _, rid, *_ in changed[:10]]
