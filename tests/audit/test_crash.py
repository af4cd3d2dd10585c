"""A process killed with SIGKILL in the middle of a batch loses nothing it reported.

Issue 3: "a process killed with SIGKILL in the middle of a batch (every decision it reported is in
the store and the chain verifies)". Two ways in, each on SQLite and PostgreSQL (``store_url``
from conftest: PostgreSQL from TRIAGE_TEST_POSTGRES_URL on a freshly reset schema; in CI a
missing URL fails instead of skipping):

- the real CLI, ``python -m triage.cli batch IN -o OUT --audit``: killed once it has committed a
  few blocks. OUT is written to a temporary file and renamed, so it must not exist (or be
  complete); the temporary ``.partial`` file left behind holds exactly the lines written so far,
  and ``batch`` writes a block only after its commit, so every complete line in it must be in
  the store, as recorded. A block is one transaction: the store holds whole blocks, in order.
  Running the batch again decides only what was lost and duplicates nothing.
- ``FrontDoor.decide_many`` in a child that prints each decision id only after decide_many has
  returned: every id it printed before the kill must be in the store (the stronger property,
  since the CLI's output file is all-or-nothing).

Each test also checks that ``AuditStore.verify()`` finds the chain intact.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from triage.audit.store import AuditStore
from triage.cli.decisions import BATCH_BLOCK

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from generate import generate, write_jsonl  # noqa: E402

REFERRALS = 20_000  # a whole audited batch takes several seconds: the kill lands well inside it
KILL_AFTER_EVENTS = 2 * BATCH_BLOCK  # a few blocks committed (and written) before the kill
DEADLINE = 15.0  # seconds to reach that point before the test gives up


@pytest.fixture(scope="module")
def referrals() -> list[dict[str, Any]]:
    return generate(REFERRALS, seed=3)


def _child_env(url: str) -> dict[str, str]:
    """The environment of a child deciding into ``url`` (sqlite:///path or postgresql://...)."""
    env = dict(os.environ)
    env.pop("TRIAGE_DATABASE_URL", None)
    env.pop("TRIAGE_AUDIT_DB", None)
    env["TRIAGE_LOG_LEVEL"] = "warning"
    if url.startswith("sqlite:///"):
        env["TRIAGE_AUDIT_DB"] = url.removeprefix("sqlite:///")
    else:
        env["TRIAGE_DATABASE_URL"] = url
    return env


def _decisions_counter(url: str) -> Callable[[], int]:
    """How many decision events are committed, read without taking the store's write lock
    (AuditStore's SQLite connections begin with BEGIN IMMEDIATE, which would stall the writer)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))

    def count() -> int:
        try:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM audit_events WHERE kind = 'decision'")).scalar_one()
        except Exception:  # noqa: BLE001 - the database or table is not there yet
            return 0

    count.engine = engine  # type: ignore[attr-defined]
    return count


def _recorded(url: str) -> tuple[list[Any], Any]:
    """(decision events in chain order, verification) of the store at ``url``."""
    store = AuditStore(url)
    try:
        return [e for e in store.queries.events() if e.kind == "decision"], store.log.verify()
    finally:
        store.db.dispose()


def _kill_when(process: subprocess.Popen, reached: Callable[[], bool], what: str) -> float:
    """SIGKILL ``process`` as soon as ``reached()``; fail if it ends first or takes too long.
    Returns the seconds it ran."""
    started = time.monotonic()
    while not reached():
        if process.poll() is not None:
            pytest.fail(f"the child ended ({process.returncode}) before {what}: raise REFERRALS")
        if time.monotonic() - started > DEADLINE:
            process.kill()
            process.wait()
            pytest.fail(f"the child did not reach {what} within {DEADLINE:.0f} s")
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL, "the kill must have landed while the child was still running"
    return time.monotonic() - started


def _complete_lines(path: Path) -> list[str]:
    """The lines of a file cut short by a kill, without the last one if it was cut mid-line."""
    data = path.read_text(encoding="utf-8")
    return data.split("\n")[:-1]  # the text after the last newline (possibly empty) is incomplete


# --- the CLI -----------------------------------------------------------------------------------


def _batch(source: Path, output: Path, url: str, **popen: Any) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "triage.cli",
        "batch",
        str(source),
        "-o",
        str(output),
        "--audit",
        "--engine",
        "python",
        "--caller",
        "crash-test",
    ]
    return subprocess.Popen(command, env=_child_env(url), **popen)


def test_a_batch_killed_midway_keeps_everything_it_wrote(store_url, referrals, tmp_path):
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(referrals, source)
    count = _decisions_counter(store_url)
    stderr = (tmp_path / "stderr.txt").open("wb")
    try:
        process = _batch(source, output, store_url, stdout=subprocess.DEVNULL, stderr=stderr)
        _kill_when(process, lambda: count() >= KILL_AFTER_EVENTS, f"{KILL_AFTER_EVENTS} recorded decisions")
    finally:
        stderr.close()
        count.engine.dispose()  # type: ignore[attr-defined]

    # The output is all or nothing: the kill came before the end, so there is none.
    if output.exists():
        assert len(_complete_lines(output)) == REFERRALS, "the output file was left half-written"
    partials = list(tmp_path.glob(f".{output.name}.*.partial"))
    assert len(partials) <= 1

    events, verification = _recorded(store_url)
    assert verification.ok, verification
    by_decision = {e.decision_id: e for e in events}

    # Every line batch wrote (it writes a block only after committing it) is in the store, as recorded.
    written = [json.loads(line) for line in _complete_lines(partials[0])] if partials else []
    assert len(written) <= len(events)
    for line in written:
        assert line["decision_id"] in by_decision, f"{line['referral_id']} was written but is not in the store"
        assert by_decision[line["decision_id"]].body["decision"] == line

    # A block is one transaction: the store holds whole blocks, in input order, nothing twice.
    decided = [e.referral_id for e in events]
    assert len(decided) >= KILL_AFTER_EVENTS and len(decided) % BATCH_BLOCK == 0, len(decided)
    assert decided == [r["referral_id"] for r in referrals[: len(decided)]]
    assert len(decided) < REFERRALS, "the kill was meant to land in the middle of the batch"

    # Running it again (on the referrals up to a block past the kill) decides only what was lost:
    # the recorded ones get their recorded decisions back, nothing is recorded twice.
    again = referrals[: len(decided) + BATCH_BLOCK]
    write_jsonl(again, source)
    rerun = _batch(source, output, store_url, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err.decode(errors="replace")[-2000:]
    results = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [r["referral_id"] for r in results] == [r["referral_id"] for r in again]
    assert [r["decision_id"] for r in results[: len(decided)]] == [e.decision_id for e in events]
    events_after, verification = _recorded(store_url)
    assert verification.ok, verification
    assert [e.referral_id for e in events_after] == [r["referral_id"] for r in again]


# --- FrontDoor.decide_many ---------------------------------------------------------------------

CHILD = textwrap.dedent("""
    import json, sys
    from triage.audit.store import AuditStore
    from triage.engine import Engine
    from triage.front_door import FrontDoor
    from triage.rulebook import load_policy

    url, source, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3])
    door = FrontDoor(Engine(load_policy(), "python"), AuditStore(url), "crash-test")
    with open(source, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    for start in range(0, len(lines), chunk):
        outcomes = door.decide_many([json.loads(line) for line in lines[start:start + chunk]])
        # reported only now that decide_many has returned (its transaction is committed)
        sys.stdout.write("".join(
            f"{o.referral_id} {o.decision_id}\\n" if not isinstance(o, Exception) else f"! {type(o).__name__}\\n"
            for o in outcomes))
        sys.stdout.flush()
""")


def test_every_decision_reported_by_a_killed_front_door_is_in_the_store(store_url, referrals, tmp_path):
    source = tmp_path / "in.jsonl"
    write_jsonl(referrals[:5000], source)
    command = [sys.executable, "-c", CHILD, store_url, str(source), "50"]
    stderr = (tmp_path / "stderr.txt").open("wb")
    process = subprocess.Popen(command, env=_child_env(store_url), stdout=subprocess.PIPE, stderr=stderr)
    reported: list[bytes] = []

    def read() -> None:  # a thread, so a hung child cannot hang the test
        for line in process.stdout:
            reported.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        _kill_when(process, lambda: len(reported) >= 500, "500 reported decisions")
    finally:
        stderr.close()
    reader.join(timeout=10)
    lines = [line.decode() for line in reported if line.endswith(b"\n")]  # a cut-off last line reports nothing
    assert not [line for line in lines if line.startswith("!")], "these referrals should all be decided"
    printed = dict(line.split() for line in lines)
    assert 500 <= len(printed) < 5000

    events, verification = _recorded(store_url)
    assert verification.ok, verification
    recorded = {e.referral_id: e.decision_id for e in events}
    lost = {r: d for r, d in printed.items() if recorded.get(r) != d}
    assert not lost, f"{len(lost)} reported decisions are not in the store, e.g. {next(iter(lost.items()))}"
    assert len(recorded) == len(events), "a referral recorded twice"
