"""Deciding past referrals under a baseline and a candidate ruleset, in worker processes.

Each worker loads both rulesets once (from their folders) and decides chunks of referrals; only
a compact outcome per referral comes back, so 100,000 referrals fit in memory and in a minute.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage.audit.events import Unreadable
from triage.cases.teams import team_of
from triage.engine import Engine, EngineFailure
from triage.intake import InvalidReferral, parse_referral
from triage.logs import configure_logging
from triage.models import Decision
from triage.rulebook import load_policy

if TYPE_CHECKING:
    from triage.audit.store import AuditStore

CHUNK = 500
UNREADABLE = "recorded decision could not be read, left out"  # the reason simulate reports them under


@dataclass(frozen=True)
class Routed:
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
        d = decision if isinstance(decision, dict) else decision.model_dump(mode="json")
        return cls(d["route"], d["locality"], d["priority"], d["matched_rule"], tuple(d["reasons"]))


@dataclass(frozen=True)
class Outcome:
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


@dataclass(frozen=True)
class Past:
    """A past referral: its payload, and the decision recorded for it (None: decide the baseline)."""

    payload: Any
    recorded: dict[str, Any] | None = None


_engines: tuple[Engine | None, Engine] | None = None  # in each worker: (baseline, candidate)


def _start_worker(baseline: Path | None, candidate: Path, backend: str) -> None:
    global _engines
    configure_logging("warning")  # a log line per re-decision would cost more than deciding
    _engines = (Engine(load_policy(baseline), backend) if baseline else None, Engine(load_policy(candidate), backend))


def _decide(engine: Engine, payload: Any) -> Decision:
    return engine.decide(parse_referral(payload, engine.compiled.agencies))


def _outcome(item: Past) -> Outcome:
    assert _engines is not None
    baseline, candidate = _engines
    referral_id = item.payload.get("referral_id", "?") if isinstance(item.payload, dict) else "?"
    try:
        if item.recorded is not None:
            old = _recorded(item.recorded)
        elif baseline is not None:
            old = Routed.of(_decide(baseline, item.payload))
        else:
            raise ValueError("a referral without a recorded decision needs a baseline ruleset")
        if old is None:
            return Outcome(referral_id, None, None, UNREADABLE)
        return Outcome(referral_id, old, Routed.of(_decide(candidate, item.payload)))
    except InvalidReferral as invalid:  # the candidate reads the contract the same way: a bad input line
        return Outcome(referral_id, None, None, f"invalid referral: {invalid.errors[0]}")
    except EngineFailure as failure:
        return Outcome(referral_id, None, None, f"not decided: {failure}")


def _recorded(decision: dict[str, Any]) -> Routed | None:
    """Where a recorded decision sent the referral, or None if it was recorded in a form without it."""
    try:
        return Routed.of(decision)
    except (KeyError, TypeError):
        return None


def _chunk(items: list[Past]) -> list[Outcome]:
    return [_outcome(item) for item in items]


def _chunks(items: Iterable[Past]) -> Iterator[list[Past]]:
    chunk: list[Past] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def from_audit_log(store: AuditStore, since: date | None, unreadable: Counter[str]) -> Iterator[Past]:
    """Past referrals from the audit log, each with the decision recorded for it; payloads purged
    for retention, and decisions recorded in a form that cannot be read, are counted in
    ``unreadable``, not simulated."""
    left_out = Unreadable()
    for decision, payload in store.queries.decided_referrals(since, unreadable=left_out):
        if payload is None:
            unreadable["payload purged (retention)"] += 1
        else:
            yield Past(payload, decision)
    if left_out.count:
        unreadable[UNREADABLE] += left_out.count


def simulate(
    items: Iterable[Past], baseline: Path | None, candidate: Path, backend: str = "python", workers: int | None = None
) -> Iterator[list[Outcome]]:
    """Outcomes chunk by chunk, in input order (so a progress bar can follow them). ``baseline``
    decides the referrals that have no recorded decision (None: every one has)."""
    workers = workers or os.cpu_count() or 1
    # spawned, not forked: the API runs this from a threaded server, whose locks a fork would copy held
    pool = ProcessPoolExecutor(
        workers, mp_context=get_context("spawn"), initializer=_start_worker, initargs=(baseline, candidate, backend)
    )
    try:
        in_flight: deque[Future[list[Outcome]]] = deque()
        for chunk in _chunks(items):  # a few chunks ahead per worker, never the whole input in memory
            in_flight.append(pool.submit(_chunk, chunk))
            if len(in_flight) >= 4 * workers:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()
    finally:  # a run abandoned part-way (an error, the reader gone) drops the chunks not yet started
        pool.shutdown(wait=True, cancel_futures=True)
