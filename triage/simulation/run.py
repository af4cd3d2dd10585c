"""Deciding past referrals under a baseline and a candidate ruleset, in worker processes or in this one.

Each worker loads both rulesets once (from their folders) and decides chunks of referrals; only
a compact outcome per referral comes back, so 100,000 referrals fit in memory and in seconds.
With the python engine this process decides chunks too, while the workers are busy.
A referral is routed under both rulesets (``Engine.would_route``: no explanation, no log event);
only one whose route, locality or priority changes is decided in full, for the reasons a report
shows. A small input is decided in this process: starting worker processes, each importing the
project and loading both rulesets, takes longer than deciding a few thousand referrals.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from itertools import chain, islice
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from triage.cases.teams import team_of
from triage.chunks import chunked
from triage.engine import Engine, EngineFailure, Routing
from triage.intake import InvalidReferral, load_text, parse_referral
from triage.logs import configure_logging
from triage.models import Decision
from triage.rulebook import load_policy

if TYPE_CHECKING:
    from triage.audit.store import AuditStore

CHUNK = 500
# Up to this many referrals (and with --workers left to its default) are decided in this process:
# below it, starting the workers costs more than they save (see benchmarks/simulation_throughput.py).
IN_PROCESS_UP_TO = 10_000
UNREADABLE = "recorded decision could not be read, left out"  # the reason simulate reports them under
NOT_JSON = "line not valid JSON"


class Routed(NamedTuple):  # tuples: a worker sends one back per referral, and pickling a dataclass costs 4x
    """Where one ruleset sends a referral: enough to count, and the reasons to show a sample."""

    route: str
    locality: str | None
    priority: str
    matched_rule: str
    reasons: tuple[str, ...]

    @property
    def team(self) -> str:
        """The team that takes the work: a service, or a MAST locality team."""
        return team_of(self.route, self.locality)

    @classmethod
    def of(cls, decision: Decision | dict[str, Any]) -> Routed:
        """From a decision, or a decision's JSON record (the audit log's)."""
        if isinstance(decision, Decision):  # its fields are the plain strings the record holds
            return cls(
                decision.route, decision.locality, decision.priority, decision.matched_rule, tuple(decision.reasons)
            )
        d = decision
        return cls(d["route"], d["locality"], d["priority"], d["matched_rule"], tuple(d["reasons"]))

    @classmethod
    def unexplained(cls, routing: Routing) -> Routed:
        """Where a referral goes, without the reasons: they are worked out only for a change."""
        return cls(routing.route, routing.locality, routing.priority, routing.matched_rule, ())


class Outcome(NamedTuple):
    """One referral under both rulesets (``error`` when the candidate cannot decide it)."""

    referral_id: str
    old: Routed | None
    new: Routed | None
    error: str | None = None

    @property
    def changed(self) -> bool:
        return (
            self.old is not None
            and self.new is not None
            and (
                (self.old.route, self.old.locality, self.old.priority)
                != (self.new.route, self.new.locality, self.new.priority)
            )
        )


class Past(NamedTuple):  # a tuple too: sent to a worker per referral
    """A past referral: its payload, and the decision recorded for it (None: decide the baseline).

    From a JSONL file, ``payload`` is the line itself (``line``), parsed by whoever decides it: a
    worker then gets a few hundred bytes, not a pickled dict, and the parsing is shared out too.
    """

    payload: Any
    recorded: dict[str, Any] | None = None
    line: bool = False


class _Simulator:
    """Both rulesets' engines, and how to compare one past referral under them."""

    def __init__(self, baseline: Engine | None, candidate: Engine) -> None:
        self.baseline, self.candidate = baseline, candidate
        # the same partner agencies: a referral reads the same under both, so validate it once
        self.same_contract = baseline is not None and baseline.compiled.agencies == candidate.compiled.agencies

    @classmethod
    def load(cls, baseline: Path | None, candidate: Path, backend: str) -> _Simulator:
        old = Engine(load_policy(baseline), backend) if baseline else None
        return cls(old, Engine(load_policy(candidate), backend))

    def outcome(self, item: Past) -> Outcome:
        payload = item.payload
        if item.line:
            try:
                payload = load_text(payload.decode("utf-8-sig"))
            except (InvalidReferral, UnicodeDecodeError):
                return Outcome("?", None, None, NOT_JSON)
        referral_id = payload.get("referral_id", "?") if isinstance(payload, dict) else "?"
        try:
            return self._compare(referral_id, payload, item.recorded)
        except InvalidReferral as invalid:  # the candidate reads the contract the same way: a bad input line
            return Outcome(referral_id, None, None, f"invalid referral: {invalid.errors[0]}")
        except EngineFailure as failure:
            return Outcome(referral_id, None, None, f"not decided: {failure}")

    def _compare(self, referral_id: str, payload: Any, recorded: dict[str, Any] | None) -> Outcome:
        """Route under both rulesets (in this order: baseline, candidate, so errors read as before);
        decide in full, for the reasons, only when the route, locality or priority changes."""
        baseline, candidate = self.baseline, self.candidate
        if recorded is None and baseline is None:
            raise ValueError("a referral without a recorded decision needs a baseline ruleset")
        if recorded is not None:
            old = _recorded(recorded)
            if old is None:
                return Outcome(referral_id, None, None, UNREADABLE)
            referral = parse_referral(payload, candidate.compiled.agencies)
            new = candidate.would_route(referral)
            if (old.route, old.locality, old.priority) == new[:3]:
                return Outcome(referral_id, old, Routed.unexplained(new))
            return Outcome(referral_id, old, Routed.of(candidate.would_decide(referral)))
        assert baseline is not None
        old_referral = parse_referral(payload, baseline.compiled.agencies)
        was = baseline.would_route(old_referral)
        referral = old_referral if self.same_contract else parse_referral(payload, candidate.compiled.agencies)
        new = candidate.would_route(referral)
        if was[:3] == new[:3]:
            return Outcome(referral_id, Routed.unexplained(was), Routed.unexplained(new))
        return Outcome(
            referral_id, Routed.of(baseline.would_decide(old_referral)), Routed.of(candidate.would_decide(referral))
        )


_simulator: _Simulator | None = None  # in each worker process


def _start_worker(baseline: Path | None, candidate: Path, backend: str) -> None:
    global _simulator
    configure_logging("warning")  # nothing here logs per referral; anything else only if it matters
    _simulator = _Simulator.load(baseline, candidate, backend)


def _recorded(decision: dict[str, Any]) -> Routed | None:
    """Where a recorded decision sent the referral, or None if it was recorded in a form without it."""
    try:
        return Routed.of(decision)
    except (KeyError, TypeError):
        return None


def _chunk(items: list[Past]) -> list[Outcome]:
    assert _simulator is not None
    return [_simulator.outcome(item) for item in items]


def from_jsonl(source: Path) -> Iterator[Past]:
    """Referrals from a JSONL file, one per line that is not blank; a line that is not JSON comes
    back as an outcome with the error ``NOT_JSON``."""
    with source.open("rb") as lines:
        for raw in lines:
            if raw.strip():
                yield Past(raw, line=True)


def from_audit_log(store: AuditStore, since: date | None, unreadable: Counter[str]) -> Iterator[Past]:
    """Past referrals from the audit log, each with the decision recorded for it; payloads purged
    for retention, and decisions recorded in a form that cannot be read, are counted in
    ``unreadable``, not simulated."""
    # imported here: a worker process never reads the log, and the audit modules take time to load
    from triage.audit.events import Unreadable

    left_out = Unreadable()
    for decision, payload in store.queries.decided_referrals(since, unreadable=left_out):
        if payload is None:
            unreadable["payload purged (retention)"] += 1
        else:
            yield Past(payload, decision)
    if left_out.count:
        unreadable[UNREADABLE] += left_out.count


def simulate(
    items: Iterable[Past],
    baseline: Path | None,
    candidate: Path,
    backend: str = "python",
    workers: int | None = None,
    here: bool = True,
) -> Iterator[list[Outcome]]:
    """Outcomes chunk by chunk, in input order (so a progress bar can follow them). ``baseline``
    decides the referrals that have no recorded decision (None: every one has).

    ``workers`` processes decide (default: one per CPU). With the python backend this process is
    one of them: it is running already, with nothing else to do but read and add up, so one
    worker, or (``workers`` left to its default) no more than ``IN_PROCESS_UP_TO`` referrals, start
    no other process. durable-rules runs only in worker processes: its C core can crash the
    process that runs it. ``here=False`` keeps all deciding in worker processes: the API server
    passes it, so a simulation never holds up the partners' requests its process answers."""
    items = iter(items)
    processes = workers or os.cpu_count() or 1
    if backend != "python" or not here:
        yield from _in_workers(items, baseline, candidate, backend, processes, here=False)
        return
    ahead = list(islice(items, IN_PROCESS_UP_TO + 1)) if workers is None else []
    if processes == 1 or (workers is None and len(ahead) <= IN_PROCESS_UP_TO):
        simulator = _Simulator.load(baseline, candidate, backend)
        for chunk in chunked(chain(ahead, items), CHUNK):
            yield [simulator.outcome(item) for item in chunk]
        return
    yield from _in_workers(chain(ahead, items), baseline, candidate, backend, processes, here=True)


def _in_workers(
    items: Iterable[Past], baseline: Path | None, candidate: Path, backend: str, processes: int, here: bool
) -> Iterator[list[Outcome]]:
    """Chunks decided by worker processes (and by this one, when ``here``), a few chunks ahead per
    process, results in input order. This process takes a chunk only while every worker has two
    waiting: it also reads the input and adds the outcomes up, and must not hold the workers up."""
    helpers = processes - 1 if here else processes
    # spawned, not forked: the API runs this from a threaded server, whose locks a fork would copy held
    pool = ProcessPoolExecutor(
        helpers, mp_context=get_context("spawn"), initializer=_start_worker, initargs=(baseline, candidate, backend)
    )
    local: _Simulator | None = None
    try:
        in_flight: deque[Future[list[Outcome]] | list[Outcome]] = deque()
        for chunk in chunked(items, CHUNK):  # never the whole input in memory
            waiting = sum(1 for entry in in_flight if isinstance(entry, Future) and not entry.done())
            if here and waiting >= 2 * helpers:
                local = local or _Simulator.load(baseline, candidate, backend)
                in_flight.append([local.outcome(item) for item in chunk])
            else:
                in_flight.append(pool.submit(_chunk, chunk))
            if len(in_flight) >= 4 * processes:
                yield _done(in_flight.popleft())
        while in_flight:
            yield _done(in_flight.popleft())
    finally:  # a run abandoned part-way (an error, the reader gone) drops the chunks not yet started
        pool.shutdown(wait=True, cancel_futures=True)


def _done(entry: Future[list[Outcome]] | list[Outcome]) -> list[Outcome]:
    return entry if isinstance(entry, list) else entry.result()
