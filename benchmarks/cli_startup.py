"""Start-up of the command line: ``triage decide FILE`` against ``python -c "import pydantic"``.

    python benchmarks/cli_startup.py [--runs 15] [--file examples/bsf_three_problems.json]

Each command runs ``--runs`` times, alternating, in a fresh data folder (no audit log: the
one-referral case a newcomer meets first), and the fastest and the median wall-clock times are
printed with their ratio. The fastest is the fairer figure on a shared machine: other work only
ever adds time. Target (issue 13): ``triage decide`` within 5x the start-up of importing pydantic.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 5.0


def _seconds(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--file", default="examples/bsf_three_problems.json")
    args = parser.parse_args()
    triage = str(Path(sys.executable).with_name("triage"))
    commands = {
        "python -c 'import pydantic'": [sys.executable, "-c", "import pydantic"],
        f"triage decide {args.file}": [triage, "decide", args.file],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "TRIAGE_DATA_DIR": data_dir}
        env.pop("TRIAGE_DATABASE_URL", None)
        env.pop("TRIAGE_AUDIT_DB", None)
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(_seconds(command, env))
    for name, seconds in times.items():
        print(f"{name:<50} fastest {min(seconds):.3f} s   median {statistics.median(seconds):.3f} s")
    base, decide = (min(times[name]) for name in commands)
    ratio = decide / base
    print(f"ratio (fastest): {ratio:.1f}x  (target <= {TARGET:.0f}x: {'met' if ratio <= TARGET else 'missed'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
