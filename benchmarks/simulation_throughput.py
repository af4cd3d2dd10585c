"""Simulation throughput: how long ``triage simulate --input FILE`` takes, as a whole process.

    python benchmarks/simulation_throughput.py [--sizes 826,10000,100000] [--seed 1] [--repeat 2]
                                               [--engine python] [--triage COMMAND] [--keep DIR]

What it measures
- For each size, N generated referrals (``benchmarks/generate.py``) written as JSONL, simulated
  under the example candidate ``examples/policies/2026.2`` against the project's rules: wall clock
  and CPU seconds (the process and its worker processes), best of ``--repeat``. Not pinned: the
  simulation uses every core.
- At the in-process threshold (``triage.simulation.run.IN_PROCESS_UP_TO``), the same file once
  more with ``--workers`` set to the CPU count, so the pool it would otherwise start is timed
  against deciding in the one process: the threshold should sit where they cost about the same.
- The machine's load average before each size: other work on the machine lengthens wall times
  (CPU seconds much less), so read the figures next to it.

Target: 100,000 referrals from JSONL in <= 10 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from engine_throughput import describe_exit, env_for, timed_run, triage_command  # noqa: E402
from generate import generate, write_jsonl  # noqa: E402

ROOT = HERE.parent
CANDIDATE = ROOT / "examples" / "policies" / "2026.2"
TARGET_SIZE, TARGET_SECONDS = 100_000, 10.0


def simulate_command(triage: list[str], source: Path, report: Path, engine: str, workers: int | None) -> list[str]:
    command = [
        *triage,
        "simulate",
        "--candidate",
        str(CANDIDATE),
        "--input",
        str(source),
        "--json",
        str(report),
        "--engine",
        engine,
    ]
    return command + (["--workers", str(workers)] if workers else [])


def best_of(command: list[str], repeat: int, stderr: Path) -> tuple[float, float] | str:
    """(wall s, CPU s) of the fastest run, or why a run failed."""
    runs = []
    for _ in range(repeat):
        wall, code, cpu = timed_run(command, env_for("warning"), stderr)
        if code != 0:
            tail = (stderr.read_text(errors="replace").strip().splitlines() or [""])[-1]
            return f"{describe_exit(code)}: {tail}"
        runs.append((wall, cpu))
    return min(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="826,10000,100000", help="comma-separated referral counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2, help="runs per size; the best counts (default 2)")
    parser.add_argument("--engine", default="python", choices=("python", "durable"))
    parser.add_argument(
        "--triage",
        metavar="COMMAND",
        help="command that runs the triage CLI (default: the console script next to this Python)",
    )
    parser.add_argument("--keep", type=Path, help="keep inputs and reports in this folder")
    args = parser.parse_args(argv)

    from triage.simulation import run

    threshold: int | None = getattr(run, "IN_PROCESS_UP_TO", None)  # None: a build from before it existed
    sizes = sorted({int(size) for size in args.sizes.split(",")})
    triage = triage_command(args.triage)
    cpus = os.cpu_count() or 1
    work = args.keep or Path(tempfile.mkdtemp(prefix="triage-sim-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"triage simulate --engine {args.engine}: generated referrals (seed {args.seed}) -> candidate "
        f"{CANDIDATE.relative_to(ROOT)}, best of {args.repeat}, {cpus} CPUs, Python {sys.version.split()[0]}; "
        + (f"in this process up to {threshold:,} referrals" if threshold else "always in worker processes")
    )
    print(f"{'referrals':>10}  {'how':<24}{'wall s':>8}{'cpu s':>8}{'refs/s':>10}{'load avg':>10}")
    verdict = None
    try:
        for size in sizes:
            source = work / f"referrals-{size}.jsonl"
            write_jsonl(generate(size, args.seed), source)
            ways: list[tuple[str, int | None]] = [("default", None)]
            if size == threshold and args.engine == "python":
                ways.append((f"--workers {cpus} (a pool)", cpus))
            for label, workers in ways:
                load = os.getloadavg()[0]
                result = best_of(
                    simulate_command(triage, source, work / f"report-{size}.json", args.engine, workers),
                    args.repeat,
                    work / "stderr.txt",
                )
                if isinstance(result, str):
                    print(f"{size:>10,}  {label:<24}FAILED  {result}")
                    continue
                wall, cpu = result
                print(f"{size:>10,}  {label:<24}{wall:>8.2f}{cpu:>8.2f}{size / wall:>10,.0f}{load:>10.2f}")
                if size == TARGET_SIZE and workers is None:
                    verdict = wall <= TARGET_SECONDS
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if verdict is not None:
        print(
            f"\ntarget: {TARGET_SIZE:,} referrals in <= {TARGET_SECONDS:.0f} s on 2 cores: {'PASS' if verdict else 'FAIL'}"
            + ("" if cpus == 2 else f" (this machine has {cpus} CPUs)")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
