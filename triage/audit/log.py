"""The audit log's writing side: appending to the chain, one writer at a time, and recording decisions.

One interface, two databases through SQLAlchemy Core: SQLite (the embedded default, WAL mode) and
PostgreSQL (several triage instances sharing one log). Appends are serialised so the chain stays
linear: SQLite takes its write lock up front (``BEGIN IMMEDIATE``), PostgreSQL a transaction-level
advisory lock; the unique ``seq`` and ``prev_hash`` columns and the unique ``(caller, referral_id)``
of ``audit_decisions`` refuse any fork or duplicate that slipped past. A decision is handed back
to its caller only after its event is committed.

The log records decisions it is given; it never decides (``triage.front_door`` does), so nothing
here knows the engine or how a referral is read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Connection, select

from triage.audit.archive import keep_ruleset
from triage.audit.canonical import canonical, sha256_text
from triage.audit.chain import ChainWriter, append_event, read_events, referral_keys
from triage.audit.checkpoints import Checkpoint
from triage.audit.errors import ReferralConflict
from triage.audit.events import AuditEvent, Recorded, Recording, Verification
from triage.audit.personal import Split, split_decision
from triage.audit.retention import Purge, erase_before
from triage.audit.verify import verify_log
from triage.chunks import chunked
from triage.db import tables
from triage.db.connection import WRITER, open_database
from triage.db.migrate import upgrade
from triage.models import Decision

log = structlog.get_logger("triage.audit")
_PG_APPEND_LOCK = 7_355_608  # any fixed number: the advisory lock every appender takes
_LOOKUP_BLOCK = 2_000  # referral keys per query of the decisions index (SQLite allows 32,766 parameters)


class AuditLog:
    """The audit log of one database: safe to share between threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.db = open_database(url)
        upgrade(self.db)
        self._postgres = self.db.dialect.name == "postgresql"
        self._write_lock = threading.Lock()  # one writer per process at a time, in turn
        self._queue_mutex = threading.Lock()
        self._queue: list[_Job] = []  # jobs waiting for the next group commit
        self._archived: set[str] = set()  # ruleset hashes known to be in the archive

    # -- decisions ---------------------------------------------------------------------------

    def record(self, caller: str, recordings: Sequence[Recording]) -> list[Decision | Exception]:
        """Record the decisions made for several referrals, in order; each gets its decision as
        recorded, or the exception that stopped it (and is not recorded; the others still are).

        Under the append lock each referral id is looked up again: one that another writer
        recorded meanwhile (or that came twice in this call) gets the recorded decision and ours is
        dropped, so a referral id is decided once; the same id with another payload is refused
        (ReferralConflict). Nothing is returned before the commit, so a caller that reports results
        only afterwards never reports a decision that could be lost.

        Calls from many threads at once (the API's requests) share transactions: see ``_group_commit``.
        """
        job = _Job([_Item.prepare(recording) for recording in recordings], caller)
        self._group_commit(job)
        if job.failure is not None:
            raise job.failure
        assert job.outcomes is not None
        return job.outcomes

    def _group_commit(self, job: _Job) -> None:
        """Record a job, together with whatever other threads queued meanwhile, in one transaction.

        Threads queue their jobs, then take the process's write lock in turn. The first to get it
        records every queued job in one transaction and one commit (a commit, with its fsync,
        costs more than recording a decision); a thread whose job was recorded that way finds it
        finished when its turn comes and returns at once. Waiting on a lock queues writers in
        order, where SQLite's busy handler would have them sleep and retry, and the slowest wait
        far longer than the rest.
        """
        with self._queue_mutex:
            self._queue.append(job)
        with self._write_lock:
            if job.finished:
                return
            with self._queue_mutex:
                jobs, self._queue = self._queue, []
            try:
                results = self._commit(jobs)
            except BaseException:  # an interrupt: every job in the group is told, none waits for ever
                for queued in jobs:
                    queued.failure = RuntimeError("recording interrupted")
                raise
            for queued, outcomes in zip(jobs, results, strict=True):
                queued.outcomes = outcomes

    def _commit(self, jobs: list[_Job]) -> list[list[Decision | Exception]]:
        """Record the group in one transaction; if that fails, each referral in a transaction of
        its own, so whatever broke the group fails only the referral it belongs to (one caller's
        bad input must never cost another caller's decisions)."""
        try:
            with self._transaction() as conn:
                results = self._record_jobs(conn, jobs)
        except Exception as failure:  # noqa: BLE001 - retried one by one below
            if sum(len(job.items) for job in jobs) == 1:  # its one referral failed alone: no retry
                return [[failure] * len(job.items) for job in jobs]  # an empty call shares the group
            log.warning("group_commit_failed", error=type(failure).__name__, jobs=len(jobs))
            return [[self._record_alone(job.caller, item) for item in job.items] for job in jobs]
        self._archived.update(item.recording.policy.sha256 for job in jobs for item in job.items)
        return results

    def _record_alone(self, caller: str, item: _Item) -> Decision | Exception:
        """One referral recorded in its own transaction, or the exception that stopped it."""
        try:
            with self._transaction() as conn:
                [[outcome]] = self._record_jobs(conn, [_Job([item], caller)])
        except Exception as failure:  # noqa: BLE001 - this referral's own failure, handed back
            return failure
        self._archived.add(item.recording.policy.sha256)
        return outcome

    def _record_jobs(self, conn: Connection, jobs: list[_Job]) -> list[list[Decision | Exception]]:
        """Append the jobs' decisions to the chain, in order; each job's outcomes, in its order.
        The referrals recorded before are looked up for the whole group at once, and rows are
        written with one statement per table: a statement costs more than deciding a referral, so
        a group's statements must not grow with its size."""
        for policy in {i.recording.policy.sha256: i.recording.policy for j in jobs for i in j.items}.values():
            if policy.sha256 not in self._archived:
                keep_ruleset(conn, policy)
        chain = ChainWriter(conn)
        recorded = _recorded(conn, {(job.caller, item.recording.referral_id) for job in jobs for item in job.items})
        results = [[_record_item(chain, recorded, job.caller, item) for item in job.items] for job in jobs]
        chain.flush()
        return results

    # -- any other event ---------------------------------------------------------------------

    def append(
        self,
        kind: str,
        referral_id: str | None,
        decision_id: str | None,
        build: Callable[[Connection], dict[str, Any] | Split],
    ) -> AuditEvent:
        """Append one event (an override, a closing, …) in its own transaction. ``build`` makes its
        body under the append lock, so what it reads cannot change before the event is written (a
        case closed by someone else meanwhile, say), and may refuse by raising."""
        with self.writing() as conn:
            return append_event(conn, kind, referral_id, decision_id, build(conn))

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction holding the append locks: this process's, then the database's."""
        with self._write_lock, self._transaction() as conn:
            yield conn

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A transaction holding the database's one append lock, taken before anything is read."""
        with self.db.connect() as conn:
            conn.info[WRITER] = True  # on SQLite, the BEGIN IMMEDIATE it causes is the lock
            with conn.begin():
                if self._postgres:
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_APPEND_LOCK})")
                yield conn

    # -- retention, verifying ----------------------------------------------------------------

    def purge(self, before: datetime, by: str, dry_run: bool = False) -> Purge:
        """Erase the personal data of events recorded before ``before`` (see ``retention.erase_before``)."""
        with self.writing() as conn:
            return erase_before(conn, before, by, dry_run)

    def verify(self, checkpoints: Sequence[Checkpoint] = ()) -> Verification:
        """Check the whole log: the chain, everything it references, and the checkpoints given."""
        with self.db.connect() as conn:
            return verify_log(conn, checkpoints)

    def head(self) -> tuple[int, str] | None:
        """The last event's seq and hash (None for an empty log): what a checkpoint records."""
        with self.db.connect() as conn:
            row = conn.execute(
                select(tables.events.c.seq, tables.events.c.hash).order_by(tables.events.c.seq.desc()).limit(1)
            ).first()
        return None if row is None else (row.seq, row.hash)


@dataclass
class _Item:
    """One referral of a job: what to record, and its payload as it will be stored (or why it cannot be)."""

    recording: Recording
    payload_text: str = ""
    payload_sha: str = ""
    failure: Exception | None = None

    @classmethod
    def prepare(cls, recording: Recording) -> _Item:
        """Write the payload out before joining a group: one that cannot be written (text no
        database can store) fails here, alone, not inside another caller's transaction."""
        try:
            text = canonical(recording.payload)
            return cls(recording, text, sha256_text(text))
        except (TypeError, ValueError) as failure:
            return cls(recording, failure=failure)


@dataclass
class _Job:
    """One ``record`` call waiting for a group commit: its items and, once the group is committed
    (or has failed), the outcome."""

    items: list[_Item]
    caller: str
    outcomes: list[Decision | Exception] | None = None
    failure: Exception | None = field(default=None)

    @property
    def finished(self) -> bool:
        return self.outcomes is not None or self.failure is not None


Found = dict[tuple[str, str], Recorded]  # (caller, referral id) -> what was recorded for it


def _record_item(chain: ChainWriter, recorded: Found, caller: str, item: _Item) -> Decision | Exception:
    """Append one referral's decision to the chain (or hand back the recorded one, or its failure).
    What it records is added to ``recorded``, so a copy later in the group gets this decision."""
    if item.failure is not None:
        return item.failure
    referral_id = item.recording.referral_id
    earlier = recorded.get((caller, referral_id))
    if earlier is not None:
        if earlier.payload_sha != item.payload_sha:
            return ReferralConflict(
                f"referral_id {referral_id!r} was already decided with a different payload; "
                "send a new referral id for a new referral"
            )
        return Decision.from_record(earlier.decision)
    outcome = item.recording.outcome
    if outcome is None:  # found recorded before, yet not now: the log cannot have lost it, so say so
        return LookupError(f"referral_id {referral_id!r} was neither decided nor found recorded")
    if isinstance(outcome, Decision):
        decision = outcome.model_dump(mode="json")
        payload_sha = chain.keep(item.payload_text)
        chain.add_decision(split_decision(decision, caller, payload_sha), referral_id)
        recorded[(caller, referral_id)] = Recorded(payload_sha, decision)
    return outcome


def _recorded(conn: Connection, wanted: set[tuple[str, str]]) -> Found:
    """Those of the (caller, referral id) pairs already decided, and what was recorded for each.
    One query of the index for the whole group (in blocks, to stay under the databases' limits
    on bound parameters), whatever its number of callers and referrals."""
    keys = {
        (caller, key): (caller, referral_id) for caller, referral_id in wanted for key in referral_keys(referral_id)
    }
    callers = sorted({caller for caller, _ in wanted})
    index = tables.decisions
    found: dict[int, tuple[str, str]] = {}
    # the index alone first: most referrals are new, and then nothing more is read
    for block in chunked(sorted({key for _, key in keys}), _LOOKUP_BLOCK):
        rows = conn.execute(
            select(index.c.seq, index.c.caller, index.c.referral_id)
            .where(index.c.caller.in_(callers))
            .where(index.c.referral_id.in_(block))
        )
        found.update(
            (row.seq, keys[(row.caller, row.referral_id)]) for row in rows if (row.caller, row.referral_id) in keys
        )
    if not found:
        return {}
    events = read_events(conn, conn.execute(select(tables.events).where(tables.events.c.seq.in_(found))).all())
    return {found[event.seq]: Recorded(event.body["payload_sha256"], event.body["decision"]) for event in events}
