"""Profile ``triage batch`` with cProfile on generated referrals and print the top functions.

    python benchmarks/profile_batch.py [--engine durable|python] [-n 5000] [--seed 1] [--top 25]
                                       [--sort cumulative,tottime] [--script PATH] [--keep DIR]

Runs ``python -m cProfile -o STATS -m triage.cli batch IN.jsonl -o OUT.jsonl --engine ENGINE`` in a
subprocess pinned to one core (``taskset -c 0`` when available), with the default logging unless
TRIAGE_LOG_LEVEL is set, then prints the top lines of the stats for each sort order. ``--script``
profiles another entry point that behaves like the CLI (for example a patched build under test).
A process killed by a signal writes no stats: that is reported, not hidden.
"""

from __future__ import annotations

import argparse
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from engine_throughput import describe_exit, pin_prefix  # noqa: E402
from generate import generate, write_jsonl  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="durable", choices=("durable", "python"))
    parser.add_argument("-n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative,tottime", help="comma-separated pstats sort keys")
    parser.add_argument("--script", type=Path, help="profile this script instead of -m triage.cli")
    parser.add_argument("--keep", type=Path, help="keep input, output and stats in this folder")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="triage-profile-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        source, output, stats = (
            work / "referrals.jsonl",
            work / f"out_{args.engine}.jsonl",
            work / f"{args.engine}.prof",
        )
        write_jsonl(generate(args.n, args.seed), source)
        target = [str(args.script)] if args.script else ["-m", "triage.cli"]
        command = [
            *pin_prefix(),
            sys.executable,
            "-m",
            "cProfile",
            "-o",
            str(stats),
            *target,
            "batch",
            str(source),
            "-o",
            str(output),
            "--engine",
            args.engine,
        ]
        started = time.perf_counter()
        with (work / "stderr.txt").open("wb") as stderr:
            done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=stderr)
        wall = time.perf_counter() - started
        print(f"profile of triage batch --engine {args.engine}: {args.n:,} referrals, {wall:.2f} s wall under cProfile")
        if done.returncode != 0 or not stats.exists():
            print(f"no profile: the process ended with {describe_exit(done.returncode)}")
            print((work / "stderr.txt").read_text(errors="replace")[-500:])
            return 1
        for key in args.sort.split(","):
            print(f"\n--- sorted by {key} (top {args.top}) ---")
            pstats.Stats(str(stats)).strip_dirs().sort_stats(key).print_stats(args.top)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
