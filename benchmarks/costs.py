"""Cost-benefit appraisal time: ``triage costs --cohort audit`` over N recorded decisions.

    python benchmarks/costs.py [-n 100000] [--seed 1] [--draws 2000] [--keep DIR]

What it measures
- N generated referrals (``benchmarks/generate.py``) are decided and recorded into a new SQLite
  audit log with ``triage batch --audit --engine python`` (not timed).
- Then, in this process, each stage of an appraisal of every decision in the log: reading the
  cohort (routes as they stand after overrides, and problems met) from the audit store; loading
  and checking the cost data; the base case; the one-way sensitivity tests; the Monte Carlo with
  ``--draws`` draws; rendering the HTML report.
- And the whole command as a user runs it: the wall clock of ``triage costs --cohort audit
  --html OUT`` (start-up included).

Target (ours, for the web page and the API to answer while someone waits): the whole appraisal of
100,000 decisions, Monte Carlo included, in under 10 seconds on the 2-core build machine. Exit
status 1 when it is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate, write_jsonl  # noqa: E402

from triage.audit.store import AuditStore  # noqa: E402
from triage.costs.cohort import audit_cohort  # noqa: E402
from triage.costs.loader import load_cost_data  # noqa: E402
from triage.costs.model import appraise  # noqa: E402
from triage.costs.report import as_data, as_html  # noqa: E402
from triage.costs.sensitivity import monte_carlo, one_way  # noqa: E402
from triage.rulebook import load_policy  # noqa: E402

TARGET_SECONDS = 10.0


def record(n: int, seed: int, folder: Path) -> Path:
    """N decisions in a new SQLite audit log, via the same command a user runs."""
    referrals, database = folder / "referrals.jsonl", folder / "audit.sqlite3"
    write_jsonl(generate(n, seed), referrals)
    env = {**os.environ, "TRIAGE_AUDIT_DB": str(database), "TRIAGE_LOG_LEVEL": "warning"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "triage.cli",
            "batch",
            str(referrals),
            "-o",
            str(folder / "out.jsonl"),
            "--audit",
            "--engine",
            "python",
        ],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return database


def timed(label: str, work, rows: list[tuple[str, float]]):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = work()
    rows.append((label, time.perf_counter() - start))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--keep", type=Path, help="Keep the audit log and report in this folder.")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="triage-costs-bench-")) if args.keep is None else args.keep
    folder.mkdir(parents=True, exist_ok=True)
    try:
        print(f"recording {args.n:,} decisions (not timed)...", flush=True)
        database = record(args.n, args.seed, folder)
        rows: list[tuple[str, float]] = []
        policy = load_policy()
        store = AuditStore(f"sqlite:///{database}")
        cohort = timed("read the cohort from the audit log", lambda: audit_cohort(store, None, None), rows)
        data = timed("load and check the cost data", lambda: load_cost_data(policy), rows)
        result = timed("base case", lambda: appraise(data, cohort), rows)
        tests = timed("one-way sensitivity", lambda: one_way(data, cohort), rows)
        simulated = timed(f"Monte Carlo, {args.draws:,} draws", lambda: monte_carlo(data, cohort, args.draws), rows)
        names = {s.id: s.name for s in policy.catalogue.services}
        report = as_data(data, result, tests, simulated, names)
        timed("render the HTML report", lambda: as_html(report), rows)
        env = {**os.environ, "TRIAGE_AUDIT_DB": str(database), "TRIAGE_LOG_LEVEL": "warning"}
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "triage.cli",
                "costs",
                "--cohort",
                "audit",
                "--draws",
                str(args.draws),
                "--html",
                str(folder / "report.html"),
            ],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        whole = time.perf_counter() - start
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\n{sum(cohort.families.values()):,} families in the cohort; fiscal ratio {result.ratio('fiscal'):.2f}")
    width = max(len(label) for label, _ in rows)
    for label, seconds in rows:
        print(f"  {label.ljust(width)}  {seconds:8.3f} s")
    verdict = "met" if whole < TARGET_SECONDS else "MISSED"
    print(
        f"whole command (triage costs --cohort audit --html), start-up included: {whole:.2f} s "
        f"(target < {TARGET_SECONDS:.0f} s: {verdict})"
    )
    return 0 if whole < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
