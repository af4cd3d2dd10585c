"""Audit throughput: decisions/s of ``triage batch`` with the audit log on and off, SQLite and PostgreSQL.

    python benchmarks/audit_throughput.py [-n 10000] [--seed 1] [--engine python|durable] [--repeat 3]
        [--writers 4] [--postgres-url URL] [--log-level warning] [--profile] [--keep DIR] [--triage CMD]

What it measures (whole processes, like ``engine_throughput.py``; best of ``--repeat`` runs)
- Single writer, pinned to one core (``taskset -c 0`` when available): the wall clock of
  ``triage batch IN.jsonl -o OUT.jsonl --engine ENGINE`` on N generated referrals
  (``benchmarks/generate.py``) with ``--no-audit``, then with ``--audit`` into SQLite
  (TRIAGE_AUDIT_DB, a new file per run) and into PostgreSQL (TRIAGE_DATABASE_URL).
  A one-line batch gives the start-up time; the steady rate leaves it out. The PostgreSQL
  server's own work runs outside the pinned core and is not in the ``cpu s`` column.
- W writers (default 4), not pinned: W ``triage batch --audit`` processes started together, each
  on its own 1/W of the referrals, into the same database; the aggregate rate is N / the wall
  clock from the first start to the last exit. The same W processes without auditing are the
  baseline (on a machine with fewer than W cores the writers also compete for CPU).
- Every audited run is checked afterwards: each process exited 0 and wrote one decision per line
  (no error records), and ``AuditStore.verify()`` finds the chain intact with exactly N decision
  events for N distinct referrals (no loss, no duplicate, no fork); other events (the
  ``ruleset_loaded`` a front door records when it starts on rules the log has not seen last) are
  shown in the checks column.
- The database is created and migrated (``AuditStore(url)``) before each timed run, so the time is
  spent deciding and recording, not creating tables. PostgreSQL: the URL comes from
  ``--postgres-url`` or TRIAGE_BENCH_POSTGRES_URL (the rows are skipped, with a note, without
  one). ITS ``public`` SCHEMA IS DROPPED AND RE-CREATED before every run: give a scratch database.
- ``--profile``: cProfile of one audited single-writer SQLite batch, with the audit's share split
  into its parts (engine, hashing/serialising, SQL execution, commit).
- Logging is TRIAGE_LOG_LEVEL=warning by default (``--log-level info`` for the per-decision log),
  the same for audited and unaudited runs.

Target: auditing costs no more than half of the engine's throughput on SQLite: the single-writer
audited rate >= 0.5 x the unaudited rate (whole process). Exit status 1 when it fails or a check
fails.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from engine_throughput import _children_cpu, describe_exit, pin_prefix, triage_command  # noqa: E402
from generate import generate, write_jsonl  # noqa: E402

TARGET_SQLITE_RATIO = 0.5
POSTGRES_ENV = "TRIAGE_BENCH_POSTGRES_URL"


# --- databases ---------------------------------------------------------------------------------


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def fresh_database(backend: str, work: Path, postgres_url: str | None, name: str) -> str | None:
    """A new, migrated, empty audit database for one run: its URL (None when not auditing)."""
    from triage.audit.store import AuditStore

    if backend == "off":
        return None
    if backend == "sqlite":
        path = work / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        from sqlalchemy import create_engine, text

        assert postgres_url
        engine = create_engine(_sqlalchemy_url(postgres_url))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        url = postgres_url
    AuditStore(url).db.dispose()  # migrate now: the timed run finds the tables in place
    return url


def check_store(url: str, n: int) -> tuple[str | None, str]:
    """(why the store after a run is wrong or None, what it holds): the chain must verify and hold
    exactly N decision events for N distinct referrals; other events (a ``ruleset_loaded`` when a
    front door starts on rules the log has not seen last) are counted and shown, not judged."""
    from sqlalchemy import create_engine, text

    from triage.audit.store import AuditStore

    store = AuditStore(url)
    try:
        result = store.log.verify()
    finally:
        store.db.dispose()
    engine = create_engine(_sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            kinds = dict(conn.execute(text("SELECT kind, count(*) FROM audit_events GROUP BY kind")).all())
            referrals = conn.execute(text("SELECT count(DISTINCT referral_id) FROM audit_decisions")).scalar_one()
    finally:
        engine.dispose()
    decisions = kinds.pop("decision", 0)
    others = "".join(f" +{count} {kind}" for kind, count in sorted(kinds.items()))
    held = f"{result.events:,} events: {decisions:,} decisions{others}"
    if not result.ok:
        return f"chain BROKEN at event {result.first_bad_seq}: {result.problem} ({held})", held
    if decisions != n or referrals != n:
        return f"{decisions:,} decision events for {referrals:,} referrals, expected {n:,} ({held})", held
    return None, held


# --- runs --------------------------------------------------------------------------------------


def child_env(url: str | None, log_level: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("TRIAGE_DATABASE_URL", "TRIAGE_AUDIT_DB"):
        env.pop(name, None)
    env["TRIAGE_LOG_LEVEL"] = log_level
    if url is not None and url.startswith("sqlite:///"):
        env["TRIAGE_AUDIT_DB"] = url.removeprefix("sqlite:///")
    elif url is not None:
        env["TRIAGE_DATABASE_URL"] = url
    return env


def check_outputs(outputs: list[Path], expected: int) -> str | None:
    """Why the batch outputs are wrong (None when there is one decision per input line)."""
    lines = errors = 0
    for output in outputs:
        if not output.exists():
            return f"{output.name} was not written"
        with output.open(encoding="utf-8") as handle:
            for line in handle:
                lines += 1
                errors += "decision_id" not in json.loads(line)
    if lines != expected or errors:
        return f"{lines:,} output lines ({errors:,} error records), expected {expected:,} decisions"
    return None


@dataclass
class Config:
    backend: str  # off, sqlite or postgresql
    writers: int
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    startup: float | None = None
    failure: str | None = None
    held: str = ""  # what the store held after the last audited run

    @property
    def label(self) -> str:
        audit = "audit off" if self.backend == "off" else f"audit on, {self.backend}"
        return f"{audit}, {self.writers} writer{'s' if self.writers > 1 else ''}"

    def rate(self, n: int) -> float | None:
        return None if self.failure or not self.walls else n / min(self.walls)

    def steady_rate(self, n: int) -> float | None:
        if self.failure or not self.walls or self.startup is None or min(self.walls) <= self.startup:
            return None
        return n / (min(self.walls) - self.startup)


def run_writers(
    commands: list[list[str]], env: dict[str, str], work: Path, tag: str
) -> tuple[float, float, list[int], list[str]]:
    """Start the commands together; (wall s until the last exits, CPU s of all, exit codes, stderr tails)."""
    logs = [work / f"stderr_{tag}_{i}.txt" for i in range(len(commands))]
    handles = [log.open("wb") for log in logs]
    try:
        cpu_before = _children_cpu()
        started = time.perf_counter()
        processes = [
            subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=h)
            for c, h in zip(commands, handles, strict=True)
        ]
        codes = [p.wait() for p in processes]
        wall = time.perf_counter() - started
        cpu = _children_cpu() - cpu_before
    finally:
        for handle in handles:
            handle.close()
    tails = [log.read_text(errors="replace").strip().splitlines()[-1:] for log in logs]
    return wall, cpu, codes, [t[0] if t else "" for t in tails]


def measure(configs: list[Config], n: int, work: Path, args: argparse.Namespace, postgres_url: str | None) -> None:
    pin = pin_prefix()
    triage = triage_command(args.triage)
    source = work / "referrals.jsonl"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    parts: dict[int, list[Path]] = {}
    for config in configs:
        if config.writers not in parts:
            size = -(-len(lines) // config.writers)
            parts[config.writers] = []
            for i in range(config.writers):
                part = work / f"referrals_{config.writers}w_{i}.jsonl"
                part.write_text("".join(lines[i * size : (i + 1) * size]), encoding="utf-8")
                parts[config.writers].append(part)
    one = work / "one.jsonl"
    one.write_text(lines[0], encoding="utf-8")

    def command(src: Path, out: Path, audited: bool, writers: int) -> list[str]:
        prefix = pin if writers == 1 else []
        return [
            *prefix,
            *triage,
            "batch",
            str(src),
            "-o",
            str(out),
            "--engine",
            args.engine,
            "--audit" if audited else "--no-audit",
        ]

    for round_ in range(args.repeat):
        for config in configs:
            if config.failure:
                continue
            tag = f"{config.backend}_{config.writers}w"
            url = fresh_database(config.backend, work, postgres_url, tag)
            sources = [source] if config.writers == 1 else parts[config.writers]
            outputs = [work / f"out_{tag}_{i}.jsonl" for i in range(len(sources))]
            commands = [command(s, o, url is not None, config.writers) for s, o in zip(sources, outputs, strict=True)]
            wall, cpu, codes, tails = run_writers(commands, child_env(url, args.log_level), work, tag)
            bad = [
                f"writer {i}: {describe_exit(c)} ({tail})"
                for i, (c, tail) in enumerate(zip(codes, tails, strict=True))
                if c != 0
            ]
            problem = "; ".join(bad) or check_outputs(outputs, n)
            if not problem and url:
                problem, config.held = check_store(url, n)
            if problem:
                config.failure = problem
                continue
            config.walls.append(wall)
            config.cpus.append(cpu)
            print(
                f"  round {round_ + 1}: {config.label:<34} {wall:6.2f} s  {n / wall:8,.0f}/s  checks ok",
                file=sys.stderr,
            )
    for config in configs:  # start-up: a one-line batch (into a migrated database when auditing)
        if config.failure or config.writers != 1:
            continue
        walls = []
        for _ in range(args.repeat):
            url = fresh_database(config.backend, work, postgres_url, f"one_{config.backend}")
            wall, _, codes, _ = run_writers(
                [command(one, work / "one_out.jsonl", url is not None, 1)], child_env(url, args.log_level), work, "one"
            )
            if codes == [0]:
                walls.append(wall)
        config.startup = min(walls) if walls else None


# --- profile -----------------------------------------------------------------------------------

# (label, file suffix, function name): cumulative time of each, from one audited run's profile
PROFILE_PARTS = (
    ("whole batch command", "cli.py", "batch"),
    ("  reading + parse_referral (FrontDoor)", "intake.py", "parse_referral"),
    ("  FrontDoor: deciding (Engine.decide)", "front_door.py", "_decide"),
    ("  AuditLog.record", "log.py", "record"),
    ("    canonical JSON (payloads, event content)", "canonical.py", "canonical"),
    ("    sha256 (payload + chain hashes)", "canonical.py", "sha256_text"),
    ("    Decision.model_dump(mode='json')", "main.py", "model_dump"),
    ("    ChainWriter.add (content, hash, row)", "chain.py", "add"),
    ("    ChainWriter.flush (INSERT events)", "chain.py", "flush"),
    ("    _recorded (SELECT known ids)", "log.py", "_recorded"),
    ("    keep_ruleset (SELECT ruleset)", "archive.py", "keep_ruleset"),
    ("    commit (sqlite3 Connection.commit)", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    ("  writing result lines (model_dump_json)", "main.py", "model_dump_json"),
    ("  start-up: importing triage.audit.store (SQLAlchemy, Alembic)", "audit/store.py", "<module>"),
    ("  start-up: AuditLog() incl. migrations check", "log.py", "__init__"),
    ("  start-up: FrontDoor records the ruleset in use", "archive.py", "rulesets_in_use"),
)


def profile(n: int, work: Path, args: argparse.Namespace) -> int:
    url = fresh_database("sqlite", work, None, "profile")
    assert url
    stats, output = work / "audited.prof", work / "out_profile.jsonl"
    command = [
        *pin_prefix(),
        sys.executable,
        "-m",
        "cProfile",
        "-o",
        str(stats),
        "-m",
        "triage.cli",
        "batch",
        str(work / "referrals.jsonl"),
        "-o",
        str(output),
        "--engine",
        args.engine,
        "--audit",
    ]
    started = time.perf_counter()
    with (work / "stderr_profile.txt").open("wb") as stderr:
        done = subprocess.run(command, env=child_env(url, args.log_level), stdout=subprocess.DEVNULL, stderr=stderr)
    wall = time.perf_counter() - started
    print(
        f"profile of one audited batch (SQLite, 1 writer, --engine {args.engine}, {n:,} referrals): "
        f"{wall:.2f} s wall under cProfile"
    )
    if done.returncode != 0 or not stats.exists():
        print(f"  no profile: {describe_exit(done.returncode)}")
        return 1
    data = pstats.Stats(str(stats))
    cumulative: dict[tuple[str, str], float] = {}
    for (filename, _, name), (_, _, _, ct, _) in data.stats.items():  # type: ignore[attr-defined]
        key = (filename, name)
        cumulative[key] = cumulative.get(key, 0.0) + ct
    total = next((ct for (f, name), ct in cumulative.items() if f.endswith("cli.py") and name == "batch"), None)
    print(f"  {'part (cumulative, overlapping)':<62}{'s':>8}{'% of batch':>12}")
    for label, suffix, name in PROFILE_PARTS:
        seconds = sum(ct for (f, fn), ct in cumulative.items() if fn == name and f.endswith(suffix))
        share = f"{100 * seconds / total:.0f}%" if total else "-"
        print(f"  {label:<62}{seconds:>8.2f}{share:>12}")
    print("\n--- top 25 by tottime ---")
    data.strip_dirs().sort_stats("tottime").print_stats(25)
    return 0


# --- report ------------------------------------------------------------------------------------


def fmt_rate(rate: float | None) -> str:
    return f"{rate:,.0f}" if rate else "-"


def report(configs: list[Config], n: int, args: argparse.Namespace, postgres_note: str | None) -> bool:
    print(
        f"audit throughput: {n:,} referrals (seed {args.seed}), --engine {args.engine}, "
        f"TRIAGE_LOG_LEVEL={args.log_level}, best of {args.repeat}; {os.cpu_count()} CPUs; "
        f"single writer pinned with {' '.join(pin_prefix()) or '(no taskset)'}"
    )
    if postgres_note:
        print(f"note: {postgres_note}")
    print(
        f"{'configuration':<36}{'wall s':>8}{'cpu s':>8}{'decisions/s':>13}{'x off':>7}{'startup s':>11}"
        f"{'steady/s':>10}  checks"
    )
    baseline = {c.writers: c.rate(n) for c in configs if c.backend == "off"}
    for config in configs:
        if config.failure:
            print(f"{config.label:<36}{'FAILED':>8}  {config.failure}")
            continue
        rate = config.rate(n)
        base = baseline.get(config.writers)
        ratio = f"{rate / base:.2f}" if rate and base else "-"
        startup = f"{config.startup:.2f}" if config.startup is not None else "-"
        checks = "-" if config.backend == "off" else f"ok: chain verifies, {config.held}"
        print(
            f"{config.label:<36}{min(config.walls):>8.2f}{min(config.cpus):>8.2f}{fmt_rate(rate):>13}{ratio:>7}"
            f"{startup:>11}{fmt_rate(config.steady_rate(n)):>10}  {checks}"
        )
    off = next(c for c in configs if c.backend == "off" and c.writers == 1)
    sqlite = next(c for c in configs if c.backend == "sqlite" and c.writers == 1)
    off_rate, sqlite_rate = off.rate(n), sqlite.rate(n)
    print()
    if off_rate and sqlite_rate:
        ratio = sqlite_rate / off_rate
        ok = ratio >= TARGET_SQLITE_RATIO
        print(
            f"target: SQLite audited rate >= {TARGET_SQLITE_RATIO} x unaudited rate (1 writer, whole process): "
            f"{sqlite_rate:,.0f}/s vs {off_rate:,.0f}/s = {ratio:.2f} x   {'PASS' if ok else 'FAIL'}"
        )
    else:
        ok = False
        print(f"target: SQLite audited rate >= {TARGET_SQLITE_RATIO} x unaudited rate: FAIL (a run failed)")
    return ok and not any(c.failure for c in configs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="referrals to decide (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine", default="python", choices=("python", "durable"))
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration; the best counts (default 3)")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writers for the shared-database rows")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(POSTGRES_ENV),
        help=f"a scratch PostgreSQL database (default: ${POSTGRES_ENV}); its public schema is wiped",
    )
    parser.add_argument("--log-level", default="warning", help="TRIAGE_LOG_LEVEL for every run (default warning)")
    parser.add_argument("--profile", action="store_true", help="also profile one audited SQLite batch")
    parser.add_argument("--keep", type=Path, help="keep inputs, outputs, databases and logs in this folder")
    parser.add_argument("--triage", metavar="COMMAND", help="command that runs the triage CLI")
    args = parser.parse_args(argv)

    backends = ["off", "sqlite"]
    postgres_note = None
    if args.postgres_url:
        backends.append("postgresql")
    else:
        postgres_note = f"PostgreSQL skipped: give --postgres-url or set {POSTGRES_ENV}"
    configs = [Config(b, w) for w in sorted({1, args.writers}) for b in backends]
    work = args.keep or Path(tempfile.mkdtemp(prefix="triage-audit-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        write_jsonl(generate(args.n, args.seed), work / "referrals.jsonl")
        measure(configs, args.n, work, args, args.postgres_url)
        ok = report(configs, args.n, args, postgres_note)
        if args.profile:
            print()
            ok = profile(args.n, work, args) == 0 and ok
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
