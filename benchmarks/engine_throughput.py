"""Engine throughput: how many referrals per second ``triage batch`` decides, per backend.

    python benchmarks/engine_throughput.py [-n 10000] [--seed 1] [--repeat 3] [--keep DIR]

What it measures
- Whole processes, pinned to one core (``taskset -c 0`` when available): the wall clock of
  ``triage batch IN.jsonl -o OUT.jsonl --engine durable|python`` on N generated referrals
  (``benchmarks/generate.py``), once with default logging and once with TRIAGE_LOG_LEVEL=warning.
  Best of ``--repeat`` runs. Start-up (a one-line batch) is reported too, and the steady-state rate
  without it, but the targets are judged on the whole process.
- The speed reference: the same pipeline with the policy hand-written as if/else Python
  (``benchmarks/reference_policy.py``: read JSONL, ``parse_referral``, evaluate, respond_by with
  the same WorkingCalendar, build the same decision fields, write JSONL), run the same way.
- Agreement: the reference's route/priority/respond_by/problems/need_score/also_refer/locality/
  matched_rule against each engine's output, for all N referrals (and evidence/modifiers as an
  extra). The reference is written from the policy document, so this also checks the YAML rules.
- Where the time goes: in-process median microseconds per referral for JSON parsing, validation
  (``parse_referral``), ``Engine.decide`` per backend (and its parts: facts, backend evaluation),
  one decision log event, and serialisation (``model_dump_json``). Each backend is timed in its own
  child process, so a crash in durable-rules' C core cannot take the benchmark down.

Targets (whole process, referrals/s):
- durable >= 2,000/s and >= 0.25 x the hand-written reference;
- python >= 0.5 x the hand-written reference.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate, write_jsonl  # noqa: E402

COMPARED = ("route", "priority", "respond_by", "problems", "need_score", "also_refer", "locality", "matched_rule")
ENGINES = ("durable", "python")
LOGGING = {"default": None, "warning": "warning"}
TARGET_DURABLE_RATE = 2000.0
TARGET_DURABLE_RATIO = 0.25
TARGET_PYTHON_RATIO = 0.5


# --- whole-process runs ----------------------------------------------------------------------


def pin_prefix() -> list[str]:
    taskset = shutil.which("taskset")
    if taskset is None:
        return []
    probe = subprocess.run([taskset, "-c", "0", "true"], capture_output=True)
    return [taskset, "-c", "0"] if probe.returncode == 0 else []


def triage_command(override: str | None = None) -> list[str]:
    if override:
        return override.split()
    script = Path(sys.executable).parent / "triage"
    return [str(script)] if script.exists() else [sys.executable, "-m", "triage.cli"]


def env_for(log_level: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TRIAGE_LOG_LEVEL", None)
    if log_level is not None:
        env["TRIAGE_LOG_LEVEL"] = log_level
    return env


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit {code}"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(command: list[str], env: dict[str, str], stderr_path: Path) -> tuple[float, int, float]:
    """Wall-clock seconds, exit code and CPU seconds (user+sys) of one subprocess.

    stdout is discarded and stderr (the decision log) goes to a file, as in a batch job. CPU time is
    shown next to wall time because it is far less sensitive to other load on the machine.
    """
    with stderr_path.open("wb") as stderr:
        cpu_before = _children_cpu()
        started = time.perf_counter()
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        return time.perf_counter() - started, done.returncode, _children_cpu() - cpu_before


def count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


class Run:
    """Best-of-k timing of one configuration."""

    def __init__(self, label: str, engine: str, logging_label: str) -> None:
        self.label, self.engine, self.logging = label, engine, logging_label
        self.walls: list[float] = []
        self.cpus: list[float] = []
        self.failure: str | None = None
        self.lines_written = 0
        self.startup: float | None = None
        self.crashing_input: tuple[int, str] | None = None  # a line that crashes the engine on its own

    @property
    def best(self) -> float:
        return min(self.walls)

    def rate(self, n: int) -> float | None:
        return None if self.failure or not self.walls else n / self.best

    def steady_rate(self, n: int) -> float | None:
        if self.failure or not self.walls or self.startup is None or self.best <= self.startup:
            return None
        return n / (self.best - self.startup)


def measure_processes(
    n: int, work: Path, repeat: int, sha256: str, triage_override: str | None = None
) -> tuple[dict[tuple[str, str], Run], Run, dict[str, Path]]:
    """Time every configuration ``repeat`` times, interleaved; keep each engine's default-logging output."""
    pin = pin_prefix()
    source = work / "referrals.jsonl"
    one = work / "one.jsonl"
    with source.open(encoding="utf-8") as handle:
        one.write_text(handle.readline(), encoding="utf-8")
    triage = triage_command(triage_override)
    runs = {
        (engine, logging_label): Run(f"{engine} ({logging_label} logging)", engine, logging_label)
        for engine in ENGINES
        for logging_label in LOGGING
    }
    reference = Run("hand-written reference", "reference", "none")
    outputs: dict[str, Path] = {}

    def engine_cmd(engine: str, src: Path, out: Path) -> list[str]:
        return [*pin, *triage, "batch", str(src), "-o", str(out), "--engine", engine]

    def reference_cmd(src: Path, out: Path) -> list[str]:
        return [*pin, sys.executable, str(HERE / "reference_policy.py"), str(src), "-o", str(out), "--sha256", sha256]

    for _ in range(repeat):
        for (engine, logging_label), run in runs.items():
            if run.failure:
                continue
            out = work / f"out_{engine}_{logging_label}.jsonl"
            wall, code, cpu = timed_run(
                engine_cmd(engine, source, out),
                env_for(LOGGING[logging_label]),
                work / f"stderr_{engine}_{logging_label}.txt",
            )
            if code != 0:
                run.failure = describe_exit(code)
                run.lines_written = count_lines(out)
            else:
                run.walls.append(wall)
                run.cpus.append(cpu)
                if logging_label == "default":
                    outputs[engine] = out
        out = work / "out_reference.jsonl"
        wall, code, cpu = timed_run(reference_cmd(source, out), env_for(None), work / "stderr_reference.txt")
        if code != 0:
            reference.failure = describe_exit(code)
        else:
            reference.walls.append(wall)
            reference.cpus.append(cpu)
            outputs["reference"] = out
    # A crash: find an input line that crashes the engine on its own (first 20 lines tried).
    for (engine, logging_label), run in runs.items():
        if run.failure and logging_label == "default":
            lines = source.read_text(encoding="utf-8").splitlines()[:20]
            for number, line in enumerate(lines, start=1):
                single = work / "single.jsonl"
                single.write_text(line + "\n", encoding="utf-8")
                _, code, _ = timed_run(
                    engine_cmd(engine, single, work / "single_out.jsonl"),
                    env_for("warning"),
                    work / "single_stderr.txt",
                )
                if code != 0:
                    run.crashing_input = (number, line)
                    break
    # Start-up: the same commands on a one-line file.
    for (engine, logging_label), run in runs.items():
        if run.failure:
            continue
        walls = [
            timed_run(
                engine_cmd(engine, one, work / "one_out.jsonl"),
                env_for(LOGGING[logging_label]),
                work / "one_stderr.txt",
            )
            for _ in range(repeat)
        ]
        ok = [wall for wall, code, _ in walls if code == 0]
        run.startup = min(ok) if ok else None
    ref_walls = [
        timed_run(reference_cmd(one, work / "one_out.jsonl"), env_for(None), work / "one_stderr.txt")
        for _ in range(repeat)
    ]
    ok = [wall for wall, code, _ in ref_walls if code == 0]
    reference.startup = min(ok) if ok else None
    return runs, reference, outputs


# --- agreement ---------------------------------------------------------------------------------


def _evidence_key(decision: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (e["problem"], e["indicator"], e["member"], e["value"], e["definition"]) for e in decision.get("evidence", [])
    ]


def _modifier_key(decision: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(m["modifier"], m["points"], tuple(m["members"])) for m in decision.get("modifiers", [])]


def agreement(source: Path, left: Path, right: Path, show: int = 5) -> dict[str, Any]:
    """Compare two batch outputs line by line on the contract's decision fields."""
    inputs = source.read_text(encoding="utf-8").splitlines()
    a_lines = left.read_text(encoding="utf-8").splitlines()
    b_lines = right.read_text(encoding="utf-8").splitlines()
    agree = evidence_agree = 0
    by_field: dict[str, int] = {}
    examples: list[dict[str, Any]] = []
    compared = min(len(a_lines), len(b_lines))
    for number in range(compared):
        a, b = json.loads(a_lines[number]), json.loads(b_lines[number])
        differing = [f for f in COMPARED if a.get(f) != b.get(f)]
        if not differing:
            agree += 1
        for f in differing:
            by_field[f] = by_field.get(f, 0) + 1
        if differing and len(examples) < show:
            examples.append(
                {
                    "line": number + 1,
                    "fields": {f: [a.get(f), b.get(f)] for f in differing},
                    "input": json.loads(inputs[number]),
                }
            )
        if _evidence_key(a) == _evidence_key(b) and _modifier_key(a) == _modifier_key(b):
            evidence_agree += 1
    return {
        "compared": compared,
        "agree": agree,
        "evidence_agree": evidence_agree,
        "by_field": by_field,
        "examples": examples,
    }


# --- in-process timings (run in a child process per backend) ------------------------------------


def _summary_us(samples: list[int]) -> tuple[float, float]:
    """(median, mean) in µs: the median is the typical referral, the mean is what throughput sees."""
    if not samples:
        return float("nan"), float("nan")
    return statistics.median(samples) / 1000, statistics.fmean(samples) / 1000


def worker(kind: str, source: Path) -> dict[str, tuple[float, float]]:
    """(median, mean) µs per referral for each stage; ``kind`` is durable, python or reference."""
    from triage.intake import load_text, parse_referral

    clock = time.perf_counter_ns
    lines = source.read_text(encoding="utf-8").splitlines()
    timings: dict[str, list[int]] = {}

    def timed(stage: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        started = clock()
        result = fn(*args, **kwargs)
        timings.setdefault(stage, []).append(clock() - started)
        return result

    if kind == "reference":
        from reference_policy import AGENCIES, ReferenceTriage, evaluate

        triage = ReferenceTriage()
        for line in lines:
            data = timed("json.loads", load_text, line)
            referral = timed("validate (parse_referral)", parse_referral, data, AGENCIES)
            timed("reference: evaluate", evaluate, referral)
            decision = timed("reference: decide (incl. respond_by)", triage.decide, referral)
            timed("reference: json.dumps", json.dumps, decision, separators=(",", ":"))
        return {stage: _summary_us(samples) for stage, samples in timings.items()}

    import structlog

    from triage.engine import Engine
    from triage.logs import configure_logging
    from triage.rulebook import load_policy

    configure_logging("warning")  # the decision event is filtered out; its cost is timed separately
    engine = Engine(load_policy(), kind)
    agencies = engine.compiled.agencies
    parts: dict[str, Any] = {}
    try:  # engine internals, for a finer split; skipped if they have moved
        from triage.engine.assess import assess, summary_fact
        from triage.engine.facts import build_facts

        compiled, backend, _ = engine._active
        parts = {"build_facts": build_facts, "compiled": compiled, "backend": backend}
    except Exception:  # noqa: BLE001 - optional detail only
        parts = {}
    with open(os.devnull, "w") as sink:
        event_log = structlog.wrap_logger(
            structlog.PrintLogger(sink),
            processors=[
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.processors.JSONRenderer(),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(20),
        )
        for line in lines:
            data = timed("json.loads", load_text, line)
            referral = timed("validate (parse_referral)", parse_referral, data, agencies)
            decision = timed(f"{kind}: Engine.decide", engine.decide, referral)
            timed("serialise (model_dump_json)", decision.model_dump_json)
            timed(
                "log one decision event (info, JSON)",
                event_log.info,
                "decision",
                referral_id=decision.referral_id,
                decision_id=decision.decision_id,
                route=decision.route,
                matched_rule=decision.matched_rule,
                ruleset_version="2026.1",
                engine=kind,
                duration_ms=0.123,
            )
            if parts:
                compiled = parts["compiled"]
                facts = timed(f"{kind}:   build_facts", parts["build_facts"], referral, compiled)

                def summarise(hits: Any, facts: Any = facts, compiled: Any = compiled) -> Any:
                    return summary_fact(compiled, facts, hits, assess(compiled, hits))

                timed(f"{kind}:   backend.evaluate (incl. assess)", parts["backend"].evaluate, facts, summarise)
    return {stage: _summary_us(samples) for stage, samples in timings.items()}


def measure_in_process(source: Path, pin: list[str]) -> tuple[dict[str, dict[str, list[float]]], dict[str, str]]:
    results: dict[str, dict[str, list[float]]] = {}
    failures: dict[str, str] = {}
    for kind in ("python", "durable", "reference"):
        done = subprocess.run(
            [*pin, sys.executable, str(Path(__file__).resolve()), "--worker", kind, str(source)],
            capture_output=True,
            text=True,
            env=env_for("warning"),
        )
        if done.returncode != 0:
            tail = (done.stderr.strip().splitlines() or [""])[-1]
            failures[kind] = f"{describe_exit(done.returncode)}{': ' + tail if tail else ''}"
            continue
        results[kind] = json.loads(done.stdout.strip().splitlines()[-1])
    return results, failures


# --- report ------------------------------------------------------------------------------------


def fmt_rate(rate: float | None) -> str:
    return f"{rate:,.0f}" if rate is not None else "-"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def report(
    n: int,
    seed: int,
    repeat: int,
    pin: list[str],
    runs: dict[tuple[str, str], Run],
    reference: Run,
    agreements: dict[str, dict[str, Any]],
    in_process: dict[str, dict[str, list[float]]],
    in_process_failures: dict[str, str],
) -> None:
    print(
        f"engine throughput: {n:,} referrals (seed {seed}), best of {repeat}, "
        f"{'pinned with ' + ' '.join(pin) if pin else 'NOT pinned (taskset unavailable)'}, Python {sys.version.split()[0]}"
    )
    print()
    ref_rate = reference.rate(n)
    print(
        f"{'engine':<34}{'wall s':>8}{'refs/s':>10}{'x ref':>8}{'startup s':>11}{'steady refs/s':>15}"
        f"{'cpu s':>8}{'refs/cpu-s':>12}{'x ref':>7}"
    )
    ref_cpu_rate = n / min(reference.cpus) if reference.cpus else None
    rows = [*runs.values(), reference]
    for run in rows:
        if run.failure:
            print(f"{run.label:<34}{'CRASHED':>8}  {run.failure}; {run.lines_written:,} of {n:,} lines written")
            continue
        rate = run.rate(n)
        ratio = f"{rate / ref_rate:.2f}" if rate and ref_rate else "-"
        startup = f"{run.startup:.2f}" if run.startup is not None else "-"
        cpu_rate = n / min(run.cpus)
        cpu_ratio = f"{cpu_rate / ref_cpu_rate:.2f}" if ref_cpu_rate else "-"
        print(
            f"{run.label:<34}{run.best:>8.2f}{fmt_rate(rate):>10}{ratio:>8}{startup:>11}{fmt_rate(run.steady_rate(n)):>15}"
            f"{min(run.cpus):>8.2f}{fmt_rate(cpu_rate):>12}{cpu_ratio:>7}"
        )
    for run in runs.values():
        if run.crashing_input:
            number, line = run.crashing_input
            print(f"  {run.engine} crashes on input line {number} decided on its own: {line}")
    print()
    print("targets (whole process):")
    for logging_label in LOGGING:
        durable, python = runs[("durable", logging_label)], runs[("python", logging_label)]
        d_rate, p_rate = durable.rate(n), python.rate(n)
        d_crash, p_crash = durable.failure is not None, python.failure is not None
        checks = [
            (
                f"durable >= {TARGET_DURABLE_RATE:,.0f}/s",
                None if d_rate is None else d_rate >= TARGET_DURABLE_RATE,
                f"{d_rate:,.0f}/s" if d_rate else f"crashed ({durable.failure})",
                d_crash,
            ),
            (
                f"durable >= {TARGET_DURABLE_RATIO} x reference",
                None if not (d_rate and ref_rate) else d_rate / ref_rate >= TARGET_DURABLE_RATIO,
                f"{d_rate / ref_rate:.2f} x" if d_rate and ref_rate else f"crashed ({durable.failure})",
                d_crash,
            ),
            (
                f"python >= {TARGET_PYTHON_RATIO} x reference",
                None if not (p_rate and ref_rate) else p_rate / ref_rate >= TARGET_PYTHON_RATIO,
                f"{p_rate / ref_rate:.2f} x" if p_rate and ref_rate else f"crashed ({python.failure})",
                p_crash,
            ),
        ]
        for name, ok, shown, crashed in checks:
            result = "FAIL" if crashed else verdict(ok)
            print(f"  [{logging_label:>7} logging] {name:<32} {shown:>28}   {result}")
    print()
    print("agreement with the hand-written reference (route, priority, respond_by, problems, need_score,")
    print("also_refer, locality, matched_rule; evidence+modifiers as an extra):")
    for name, result in agreements.items():
        if "missing" in result:
            print(f"  {name:<22} not compared: {result['missing']}")
            continue
        print(
            f"  {name:<22} {result['agree']:>6,} / {n:,} agree  (evidence+modifiers {result['evidence_agree']:,} / {n:,};"
            f" compared {result['compared']:,} lines)"
        )
        for field, count in sorted(result["by_field"].items()):
            print(f"      {field}: {count} disagreements")
        for example in result["examples"]:
            print(f"      line {example['line']}: {json.dumps(example['fields'])}")
            print(f"        input: {json.dumps(example['input'], separators=(',', ':'))}")
    print()
    print("in-process µs per referral (each backend in its own pinned child process; TRIAGE_LOG_LEVEL=warning):")
    print(f"  {'stage':<42}{'median':>10}{'mean':>10}")
    stages: dict[str, list[float]] = {}
    for kind in ("python", "durable", "reference"):
        for stage, value in in_process.get(kind, {}).items():
            stages.setdefault(stage, value)
    for stage, (median, mean) in stages.items():
        print(f"  {stage:<42}{median:>10.1f}{mean:>10.1f}")
    for kind, failure in in_process_failures.items():
        print(f"  {kind + ': CRASHED':<42}  {failure}")

    def total(names: tuple[str, ...]) -> float:
        return sum(stages[s][0] for s in names if s in stages)

    common = ("json.loads", "validate (parse_referral)", "serialise (model_dump_json)")
    for kind in ENGINES:
        if f"{kind}: Engine.decide" in stages:
            median = total((*common, f"{kind}: Engine.decide"))
            print(
                f"  => {kind}: parse+validate+decide+serialise ≈ {median:,.1f} µs median "
                f"(≈ {1e6 / median:,.0f}/s before logging, I/O and start-up)"
            )
    ref_total = total(
        ("json.loads", "validate (parse_referral)", "reference: decide (incl. respond_by)", "reference: json.dumps")
    )
    if ref_total:
        print(f"  => reference: parse+validate+decide+dumps ≈ {ref_total:,.1f} µs median (≈ {1e6 / ref_total:,.0f}/s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="referrals to decide (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration; the best counts (default 3)")
    parser.add_argument("--keep", type=Path, help="keep inputs and outputs in this folder")
    parser.add_argument(
        "--triage",
        metavar="COMMAND",
        help="command that runs the triage CLI (default: the console script next to this Python)",
    )
    parser.add_argument("--no-in-process", action="store_true", help="skip the per-stage timings")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, source = args.worker
        print(json.dumps(worker(kind, Path(source))))
        return 0

    from triage.rulebook import load_policy

    sha256 = load_policy().sha256
    work = args.keep or Path(tempfile.mkdtemp(prefix="triage-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        source = work / "referrals.jsonl"
        write_jsonl(generate(args.n, args.seed), source)
        runs, reference, outputs = measure_processes(args.n, work, args.repeat, sha256, args.triage)
        agreements: dict[str, dict[str, Any]] = {}
        for engine in ENGINES:
            name = f"reference vs {engine}"
            if "reference" not in outputs:
                agreements[name] = {"missing": "the reference run failed"}
            elif engine not in outputs:
                failure = runs[(engine, "default")].failure or "no output"
                agreements[name] = {"missing": f"the {engine} run crashed ({failure})"}
            else:
                agreements[name] = agreement(source, outputs["reference"], outputs[engine])
        in_process, failures = ({}, {}) if args.no_in_process else measure_in_process(source, pin_prefix())
        report(args.n, args.seed, args.repeat, pin_prefix(), runs, reference, agreements, in_process, failures)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
