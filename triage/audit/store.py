"""The audit store: every decision, override and ruleset load, append-only and hash-chained.

One interface, two databases through SQLAlchemy Core: SQLite (the embedded default, WAL mode) and
PostgreSQL (several triage instances sharing one log). Appends are serialised so the chain stays
linear: SQLite takes its write lock up front (``BEGIN IMMEDIATE``), PostgreSQL a transaction-level
advisory lock; the unique ``seq`` and ``prev_hash`` columns and the unique ``(caller, referral_id)``
of ``audit_decisions`` refuse any fork or duplicate that slipped past. A decision is returned to the caller only after its event is
committed.
"""

from __future__ import annotations

import tempfile
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import orjson
import structlog
import yaml
from sqlalchemy import Connection, Select, delete, exists, func, select

from triage.db import tables
from triage.audit.canonical import canonical, sha256_text
from triage.audit.chain import ChainWriter, content_of, kept_texts, now, read_events, referral_keys
from triage.audit.checkpoints import Checkpoint
from triage.audit.errors import ArchiveTampered, CaseClosed, ReferralConflict, RulesetConflict, UnknownDecision
from triage.audit.events import (ArchivedRuleset, AuditEvent, DecisionQuery, Replay, Unreadable, Verification,
                                 decision_in)
from triage.audit.personal import PERSONAL_KEY, Split, is_split, split_decision, split_note
from triage.audit.requests import Request, attempt
from triage.db.migrate import upgrade
from triage.audit.verify import archived_hash, verify_log
from triage.db.connection import WRITER, open_database
from triage.engine import Engine as DecisionEngine
from triage.intake import parse_referral
from triage.models import Decision
from triage.rulebook import Policy, load_policy

log = structlog.get_logger("triage.audit")
_PG_APPEND_LOCK = 7_355_608  # any fixed number: the advisory lock every appender takes
# what replay does not compare: what differs between any two decisions on the same referral and
# ruleset (its id and time), and why that ruleset was chosen (a replay pins the archived one)
VOLATILE_FIELDS = frozenset({"decision_id", "decided_at", "ruleset_selection"})


class AuditStore:
    """The audit log of one database; safe to share between threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = open_database(url)
        upgrade(self.engine)
        self._postgres = self.engine.dialect.name == "postgresql"
        self._write_lock = threading.Lock()  # one writer per process at a time, in turn
        self._queue_mutex = threading.Lock()
        self._queue: list[_Job] = []  # jobs waiting for the next group commit
        self._archived: set[str] = set()  # ruleset hashes known to be in the archive

    # -- writing decisions -------------------------------------------------------------------

    def decide(self, payload: dict[str, Any], referral_id: str, policy: Policy, caller: str,
               decide: Callable[[], Decision]) -> Decision:
        """The decision for a referral, recorded before it is returned.

        The same referral id with the same payload returns the decision already recorded; with a
        different payload it is refused (ReferralConflict).
        """
        [outcome] = self.decide_many([Request(payload, referral_id, decide, policy)], caller)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def decide_many(self, requests: Sequence[Request], caller: str) -> list[Decision | Exception]:
        """Decide and record several referrals in one transaction (one commit for a batch's block).

        Nothing is returned before the commit, so a caller that writes results only afterwards
        never reports a decision that could be lost. Deciding is the slow part, so it happens
        before the append lock is taken (writers decide in parallel); under the lock each referral
        id is looked up again, and one that another writer recorded meanwhile (or that came twice
        in this block) gets the recorded decision and ours is dropped unreported: a referral id is
        decided once. A referral that cannot be decided or recorded (ReferralConflict, a payload
        that cannot be written, whatever ``decide`` raised) gets its exception in its place and is
        not recorded; the others still are.

        Calls from many threads at once (the API's requests) share transactions: see ``_group_commit``.
        """
        with self.engine.connect() as conn:
            already = self._recorded(conn, caller, [r.referral_id for r in requests])
        items, deciding = [], set()
        for request in requests:
            item = _Item.prepare(request)
            if item.failure is None and request.referral_id not in already and request.referral_id not in deciding:
                item.tentative = attempt(request.decide)
                deciding.add(request.referral_id)
            items.append(item)
        job = _Job(items, caller)
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
            for queued, outcomes in zip(jobs, results):
                queued.outcomes = outcomes

    def _commit(self, jobs: list[_Job]) -> list[list[Decision | Exception]]:
        """Record the group in one transaction; if that fails, each referral in a transaction of
        its own, so whatever broke the group fails only the referral it belongs to (one caller's
        bad input must never cost another caller's decisions)."""
        try:
            with self._transaction() as conn:
                results = self._record_jobs(conn, jobs)
        except Exception as failure:  # noqa: BLE001 - retried one by one below
            if sum(len(job.items) for job in jobs) == 1:
                return [[failure]]
            log.warning("group_commit_failed", error=type(failure).__name__, jobs=len(jobs))
            return [[self._record_alone(job.caller, item) for item in job.items] for job in jobs]
        self._archived.update(item.request.policy.sha256 for job in jobs for item in job.items)
        return results

    def _record_alone(self, caller: str, item: _Item) -> Decision | Exception:
        """One referral recorded in its own transaction, or the exception that stopped it."""
        try:
            with self._transaction() as conn:
                [[outcome]] = self._record_jobs(conn, [_Job([item], caller)])
        except Exception as failure:  # noqa: BLE001 - this referral's own failure, handed back
            return failure
        self._archived.add(item.request.policy.sha256)
        return outcome

    def _record_jobs(self, conn: Connection, jobs: list[_Job]) -> list[list[Decision | Exception]]:
        """Append the jobs' decisions to the chain, in order; each job's outcomes, in its order.
        Rows are written with one statement per table: per-row statements cost more than deciding."""
        for policy in {i.request.policy.sha256: i.request.policy for j in jobs for i in j.items}.values():
            self._archive(conn, policy)
        chain = ChainWriter(conn)
        results = []
        for job in jobs:
            recorded = self._recorded(conn, job.caller, [item.request.referral_id for item in job.items])
            results.append([_record_item(chain, recorded, job.caller, item) for item in job.items])
        chain.flush()
        return results

    def _recorded(self, conn: Connection, caller: str, referral_ids: list[str]) -> dict[str, _Recorded]:
        """Those of the caller's ``referral_ids`` already decided: referral id -> what was recorded."""
        keys = {key: referral_id for referral_id in set(referral_ids) for key in referral_keys(referral_id)}
        index = tables.decisions
        rows = conn.execute(select(tables.events, index.c.referral_id.label("indexed_as"))
                            .join(index, index.c.seq == tables.events.c.seq)
                            .where(index.c.caller == caller).where(index.c.referral_id.in_(keys))).all()
        return {keys[row.indexed_as]: _Recorded(event.body["payload_sha256"], event.body["decision"])
                for row, event in zip(rows, read_events(conn, rows))}

    # -- writing what people do with a decision -----------------------------------------------

    def override(self, decision_id: str, route: str, reason: str, by: str, policy: Policy | None = None) -> AuditEvent:
        """Record a practitioner's new route for a decision; the decision event is never changed.
        CaseClosed once the decision's case is closed.

        ``previous_route`` is the route as it stood (after any earlier override). With ``policy``,
        an override to a service that works by locality (MAST) records the household's locality,
        read from the referral's postcode, so the work lands on the right team. The reason is
        free text, so it is kept apart from the chain (erased by a purge)."""
        if not reason.strip():
            raise ValueError("reason: a reason is required for an override")
        if not by.strip():
            raise ValueError("by: the practitioner's identity is required")
        original = self._changeable(decision_id)
        body: dict[str, Any] = {"overrides_decision": decision_id, "route": route, "reason": reason, "by": by}
        locality = self._household_locality(original, route, policy)
        if locality is not None:
            body["locality"] = locality
        with self._writing() as conn:
            _refuse_if_closed(conn, decision_id)
            standing = self._current_overrides(conn, [decision_id]).get(decision_id)
            body["previous_route"] = standing["route"] if standing else original.body["decision"]["route"]
            return self._append(conn, "override", original.referral_id, decision_id,
                                split_note(body, original.referral_id, uuid.uuid4().hex))

    def close(self, decision_id: str, reason: str, by: str) -> AuditEvent:
        """Record that the front door has finished with a decision (the family is with the service,
        or nothing more is needed): it leaves the queue and the team load. The decision and its
        overrides stay in the log as they were; CaseClosed if it was closed before."""
        if not reason.strip():
            raise ValueError("reason: a reason is required to close a case")
        if not by.strip():
            raise ValueError("by: the practitioner's identity is required")
        original = self._changeable(decision_id)
        body = {"closes_decision": decision_id, "reason": reason, "by": by}
        with self._writing() as conn:
            _refuse_if_closed(conn, decision_id)
            return self._append(conn, "closed", original.referral_id, decision_id,
                                split_note(body, original.referral_id, uuid.uuid4().hex))

    def _changeable(self, decision_id: str) -> AuditEvent:
        """The decision event, if its case may still be changed (not once retention erased its details)."""
        original = self.decision_event(decision_id)
        if original.erased or original.referral_id is None:
            raise CaseClosed(f"decision {decision_id} is past retention: its details were erased, "
                             "so its case is not changed any more")
        return original

    def _household_locality(self, decided: AuditEvent, route: str, policy: Policy | None) -> str | None:
        if policy is None or not policy.serves_by_locality(route):
            return None
        payload = self.payload(decided.body["payload_sha256"])
        postcode = ((payload or {}).get("household") or {}).get("postcode")
        if isinstance(postcode, str):
            return policy.locality_of(postcode)
        return decided.body["decision"].get("locality")  # the payload purged: the locality decided, if any

    # -- rulesets ----------------------------------------------------------------------------

    def rulesets_in_use(self, policies: Sequence[Policy], by: str) -> list[AuditEvent]:
        """Record loading these rulesets unless the latest loads recorded are exactly these.

        Every CLI run starts a front door: recording each start would bury the decisions under
        identical loads, while a change of rules (or a return to older ones) must always show.
        Checked under the append lock, so two instances starting together record it once.
        """
        wanted = {p.sha256 for p in policies}
        with self._writing() as conn:
            latest = conn.execute(select(tables.events.c.content).where(tables.events.c.kind == "ruleset_loaded")
                                  .order_by(tables.events.c.seq.desc()).limit(len(wanted))).all()
            if {content_of(row.content)["body"]["sha256"] for row in latest} == wanted:
                return []
            return [self._record_ruleset(conn, policy, by) for policy in policies]

    def publish(self, policy: Policy, by: str) -> AuditEvent | None:
        """Make a ruleset version live for every instance on this database: archive it and record
        a ``ruleset_loaded`` event marked ``published`` (who, when, from when it is in force).

        Publishing the same content again changes nothing (None); the same version number with
        other content is refused (RulesetConflict): decisions cite the version, so it must mean one thing.
        """
        with self._writing() as conn:
            for published in self._publications(conn):
                if published["version"] == policy.version:
                    if published["sha256"] == policy.sha256:
                        return None
                    raise RulesetConflict(f"version {policy.version} was published before with other content "
                                          f"(sha256 {published['sha256'][:12]}…); give the change a new version")
            self._archive(conn, policy)
            rules = policy.rules
            return self._append(conn, "ruleset_loaded", None, None, {
                "version": policy.version, "sha256": policy.sha256, "by": by, "published": True,
                "effective_from": rules.effective_from.isoformat(),
                "effective_to": rules.effective_to.isoformat() if rules.effective_to else None})

    def published_rulesets(self) -> list[Policy]:
        """Every published version, loaded from the archive, in the order published (ArchiveTampered
        if one no longer matches its hash: tampered rules must never decide)."""
        with self.engine.connect() as conn:
            shas = [published["sha256"] for published in self._publications(conn)]
        return [self.archived_policy(sha) for sha in shas]

    def latest_ruleset_event(self) -> int:
        """The seq of the latest ruleset load or publication (0: none): a cheap "anything new?"."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(tables.events.c.seq))
                                .where(tables.events.c.kind == "ruleset_loaded")).scalar_one() or 0

    @staticmethod
    def _publications(conn: Connection) -> list[dict[str, Any]]:
        rows = conn.execute(select(tables.events.c.content).where(tables.events.c.kind == "ruleset_loaded")
                            .order_by(tables.events.c.seq))
        return [body for body in (content_of(row.content)["body"] for row in rows) if body.get("published")]

    def _record_ruleset(self, conn: Connection, policy: Policy, by: str) -> AuditEvent:
        self._archive(conn, policy)
        return self._append(conn, "ruleset_loaded", None, None,
                            {"version": policy.version, "sha256": policy.sha256, "by": by})

    def _archive(self, conn: Connection, policy: Policy) -> None:
        """Keep the ruleset's content, by its hash, so past decisions can be replayed."""
        if policy.sha256 in self._archived:  # archived rows are never deleted: no need to look again
            return
        found = select(tables.rulesets.c.sha256).where(tables.rulesets.c.sha256 == policy.sha256)
        if conn.execute(found).first() is None:
            conn.execute(tables.rulesets.insert().values(
                sha256=policy.sha256, version=policy.version, stored_at=now(),
                content=yaml.safe_dump(policy.content, sort_keys=True, allow_unicode=True)))

    # -- retention ---------------------------------------------------------------------------

    def purge(self, before: datetime, by: str, dry_run: bool = False) -> Purge:
        """Erase the personal data of events recorded before ``before`` (retention): their referral
        payloads and personal parts, unless a later event still needs the same text. Records a
        ``purged`` event (cut-off, how many, who), by which ``verify`` knows those texts were
        erased, not deleted behind the log's back. The chain and its hashes stay: ``verify`` still
        proves the log intact; those decisions can no longer be replayed or shown in full.

        Events recorded before personal parts were kept apart hold their reasons in the chain,
        which cannot be erased without breaking it; they are counted in ``Purge.whole``.
        """
        cutoff = before.astimezone(UTC).isoformat(timespec="microseconds")
        with self._writing() as conn:
            doomed, whole = _purgeable(conn, cutoff)
            if dry_run:
                return Purge(len(doomed), whole)
            erased = 0
            for chunk in _chunks(sorted(doomed), 500):
                erased += conn.execute(delete(tables.payloads).where(tables.payloads.c.sha256.in_(chunk))).rowcount
            if erased:
                self._append(conn, "purged", None, None, {"before": cutoff, "erased": erased, "by": by})
            return Purge(erased, whole)

    # -- transactions ------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A transaction holding the append locks: this process's, then the database's."""
        with self._write_lock, self._transaction() as conn:
            yield conn

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A transaction holding the database's one append lock, taken before anything is read."""
        with self.engine.connect() as conn:
            conn.info[WRITER] = True  # on SQLite, the BEGIN IMMEDIATE it causes is the lock
            with conn.begin():
                if self._postgres:
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_APPEND_LOCK})")
                yield conn

    @staticmethod
    def _append(conn: Connection, kind: str, referral_id: str | None, decision_id: str | None,
                body: dict[str, Any] | Split) -> AuditEvent:
        chain = ChainWriter(conn)
        event = chain.add(kind, referral_id, decision_id, body)
        chain.flush()
        return event

    # -- reading -----------------------------------------------------------------------------

    def events(self, referral_id: str | None = None, since: date | None = None) -> Iterator[AuditEvent]:
        """Events in chain order: all, one referral's, or those recorded on or after a UTC date."""
        query = select(tables.events).order_by(tables.events.c.seq)
        if referral_id is not None:
            query = query.where(tables.events.c.referral_id.in_(referral_keys(referral_id)))
        if since is not None:  # recorded_at is UTC ISO text, so "2026-05-01T..." >= "2026-05-01"
            query = query.where(tables.events.c.recorded_at >= since.isoformat())
        with self.engine.connect() as conn:
            for rows in conn.execution_options(yield_per=1000).execute(query).partitions():
                yield from read_events(conn, rows)

    def find_decisions(self, query: DecisionQuery) -> list[AuditEvent]:
        """The decision events matching a query (see DecisionQuery), one page of them."""
        index = tables.decisions
        found = (select(tables.events).join(index, index.c.seq == tables.events.c.seq)
                 .where(index.c.seq > query.after).order_by(index.c.seq).limit(query.limit))
        for column in ("caller", "route", "priority", "locality"):
            if getattr(query, column) is not None:
                found = found.where(index.c[column] == getattr(query, column))
        if query.referral_id is not None:
            found = found.where(index.c.referral_id.in_(referral_keys(query.referral_id)))
        found = _decided_between(found, query.since, query.until)
        with self.engine.connect() as conn:
            return read_events(conn, conn.execute(found).all())

    def events_page(self, after: int, limit: int) -> list[AuditEvent]:
        """Up to ``limit`` events after the event ``after``, in chain order (a cursor for paging)."""
        query = select(tables.events).where(tables.events.c.seq > after).order_by(tables.events.c.seq).limit(limit)
        with self.engine.connect() as conn:
            return read_events(conn, conn.execute(query).all())

    def decided_referrals(self, since: date | None = None, batch: int = 1000,
                          unreadable: Unreadable | None = None) -> Iterator[tuple[dict[str, Any], Any]]:
        """Each recorded decision (on or after a UTC day) with its referral payload, oldest first;
        the payload is None where retention has purged it. Read a batch at a time (what-if
        simulation reads every past referral). A decision without its decision or payload hash is
        left out, counted in ``unreadable``."""
        after = 0
        while True:
            found = self.find_decisions(DecisionQuery(since=since, after=after, limit=batch))
            if not found:
                return
            usable = [d for d in found if isinstance(d.body.get("decision"), dict)
                      and isinstance(d.body.get("payload_sha256"), str)]
            if unreadable is not None:
                unreadable.count += len(found) - len(usable)
            with self.engine.connect() as conn:
                bodies = kept_texts(conn, (decided.body["payload_sha256"] for decided in usable))
            for decided in usable:
                body = bodies.get(decided.body["payload_sha256"])
                yield decided.body["decision"], None if body is None else content_of(body)
            after = found[-1].seq

    def routes_and_problems(self, since: date | None, until: date | None, batch: int = 5000,
                            unreadable: Unreadable | None = None) -> Iterator[tuple[str, list[str]]]:
        """For each decision recorded between two UTC days: the route it stands at now (after any
        override) and the headline problems it found. What the cost-benefit cohort is made of; read
        lean (only the columns needed) because an appraisal reads every decision in a year. A
        decision whose problems cannot be read is left out, counted in ``unreadable``."""
        index = tables.decisions
        with self.engine.connect() as conn:
            overridden = self._current_overrides(conn, None)
            after = 0
            while True:
                page = (select(index.c.seq, index.c.decision_id, index.c.route, tables.events.c.content)
                        .join(tables.events, tables.events.c.seq == index.c.seq)
                        .where(index.c.seq > after).order_by(index.c.seq).limit(batch))
                rows = conn.execute(_decided_between(page, since, until)).all()
                if not rows:
                    return
                for row in rows:
                    problems = _problems(row.content)
                    if problems is None:
                        if unreadable is not None:
                            unreadable.count += 1
                        continue
                    standing = overridden.get(row.decision_id)
                    yield (standing["route"] if standing else row.route), problems
                after = rows[-1].seq

    def queue(self, route: str | None = None, locality: str | None = None, priority: str | None = None,
              limit: int = 200, unreadable: Unreadable | None = None) -> list[tuple[Decision, str | None]]:
        """Open decisions (not closed) by respond-by date, then the order decided, each with the team
        it was overridden to (None if never). Filters apply to the route as decided. A decision that
        cannot be read is left out, counted in ``unreadable``."""
        index = tables.decisions
        query = (select(tables.events).join(index, index.c.seq == tables.events.c.seq)
                 .where(_open(index)).order_by(index.c.respond_by, index.c.seq).limit(limit))
        for column, value in (("route", route), ("locality", locality), ("priority", priority)):
            if value is not None:
                query = query.where(index.c[column] == value)
        with self.engine.connect() as conn:
            read = [decision_in(event.body) for event in read_events(conn, conn.execute(query).all())]
            decisions = [d for d in read if d is not None]
            if unreadable is not None:
                unreadable.count += len(read) - len(decisions)
            overridden = self._current_overrides(conn, [d.decision_id for d in decisions])
        return [(d, _team(overridden[d.decision_id]) if d.decision_id in overridden else None) for d in decisions]

    def team_load(self) -> dict[str, int]:
        """Open decisions per team as they stand (after overrides): a service, or ``mast/<locality>``."""
        index = tables.decisions
        with self.engine.connect() as conn:
            rows = conn.execute(select(index.c.decision_id, index.c.route, index.c.locality)
                                .where(_open(index))).all()
            overridden = self._current_overrides(conn, None)
        load: dict[str, int] = {}
        for row in rows:
            team = _team(overridden.get(row.decision_id) or {"route": row.route, "locality": row.locality})
            load[team] = load.get(team, 0) + 1
        return load

    @staticmethod
    def _current_overrides(conn: Connection, decision_ids: list[str] | None) -> dict[str, dict[str, Any]]:
        """decision id -> the record of its latest override (route, and locality where recorded),
        for the given ids, or all."""
        query = (select(tables.events.c.decision_id, tables.events.c.content)
                 .where(tables.events.c.kind == "override").order_by(tables.events.c.seq))
        if decision_ids is not None:
            query = query.where(tables.events.c.decision_id.in_(decision_ids))
        return {row.decision_id: content_of(row.content)["body"] for row in conn.execute(query)}

    def history(self, decision_id: str) -> list[AuditEvent]:
        """A decision's event and every later event about it (overrides, its closing), oldest first;
        UnknownDecision if none."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(tables.events).where(tables.events.c.decision_id == decision_id)
                                .order_by(tables.events.c.seq)).all()
            history = read_events(conn, rows)
        if not history or history[0].kind != "decision":
            raise UnknownDecision(f"no decision with id {decision_id!r}")
        return history

    def decision_event(self, decision_id: str) -> AuditEvent:
        with self.engine.connect() as conn:
            rows = conn.execute(select(tables.events).where(tables.events.c.decision_id == decision_id)
                                .where(tables.events.c.kind == "decision")).all()
            found = read_events(conn, rows)
        if not found:
            raise UnknownDecision(f"no decision with id {decision_id!r}")
        return found[0]

    def payload(self, sha: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            text = kept_texts(conn, [sha]).get(sha)
        return None if text is None else content_of(text)

    def archived_rulesets(self) -> list[ArchivedRuleset]:
        """Every ruleset that has decided anything here, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(tables.rulesets.c.version, tables.rulesets.c.sha256, tables.rulesets.c.stored_at)
                                .order_by(tables.rulesets.c.stored_at))
            return [ArchivedRuleset(row.version, row.sha256, row.stored_at) for row in rows]

    def archived_content(self, sha: str) -> dict[str, Any]:
        """An archived ruleset's files as data (what its hash covers); LookupError if not archived,
        ArchiveTampered if its content no longer matches the hash it is filed under."""
        with self.engine.connect() as conn:
            row = conn.execute(select(tables.rulesets.c.version, tables.rulesets.c.content)
                               .where(tables.rulesets.c.sha256 == sha)).first()
        if row is None:
            raise LookupError(f"ruleset {sha} is not in the archive")
        if archived_hash(row.content) != sha:
            raise ArchiveTampered(f"archived ruleset {row.version} does not match its hash (sha256 {sha[:12]}…): "
                                  "the archive was edited; run `triage audit verify`")
        return yaml.safe_load(row.content)

    def archived_policy(self, sha: str) -> Policy:
        """Load an archived ruleset (written to a temporary folder and read by the normal loader)."""
        content = self.archived_content(sha)
        with tempfile.TemporaryDirectory(prefix="triage-ruleset-") as folder:
            for name, sections in content.items():
                (Path(folder) / name).mkdir()
                (Path(folder) / name / "archived.yaml").write_text(
                    yaml.safe_dump(sections, sort_keys=True, allow_unicode=True), encoding="utf-8")
            return load_policy(Path(folder))

    def replay(self, decision_id: str, backend: str = "durable") -> Replay:
        """Re-decide a recorded decision from its stored payload with the ruleset archived for it.

        The archived ruleset, not the rule files of today, is what decided it: a replay checks the
        record, it does not re-judge the referral. Raises UnknownDecision for an unknown id.
        """
        recorded = self.decision_event(decision_id)
        payload = self.payload(recorded.body["payload_sha256"])
        if payload is None or recorded.erased:
            return Replay(decision_id, purged=True)
        decision = recorded.body["decision"]
        engine = DecisionEngine(self.archived_policy(decision["ruleset"]["sha256"]), backend)
        replayed = engine.decide(parse_referral(payload, engine.policy.agencies)).model_dump(mode="json")
        return Replay(decision_id, purged=False, differences=_differences(decision, replayed))

    # -- verifying ---------------------------------------------------------------------------

    def verify(self, checkpoints: Sequence[Checkpoint] = ()) -> Verification:
        """Check the whole log: the chain, everything it references, and the checkpoints given."""
        with self.engine.connect() as conn:
            return verify_log(conn, checkpoints)

    def head(self) -> tuple[int, str] | None:
        """The last event's seq and hash (None for an empty log): what a checkpoint records."""
        with self.engine.connect() as conn:
            row = conn.execute(select(tables.events.c.seq, tables.events.c.hash)
                               .order_by(tables.events.c.seq.desc()).limit(1)).first()
        return None if row is None else (row.seq, row.hash)


@dataclass(frozen=True)
class Purge:
    """What a purge erased (or would): kept texts, and events whose reasons stay in the chain."""

    erased: int
    whole: int


@dataclass(frozen=True)
class _Recorded:
    """A decision already recorded for a referral id: the payload it was made on, and the decision."""

    payload_sha: str
    decision: dict[str, Any]


@dataclass
class _Item:
    """One referral of a job: its request, its payload as it will be stored (or why it cannot be),
    and the decision made for it before the lock (None: decide under the lock, if still needed)."""

    request: Request
    payload_text: str = ""
    payload_sha: str = ""
    failure: Exception | None = None
    tentative: Decision | Exception | None = None

    @classmethod
    def prepare(cls, request: Request) -> _Item:
        """Write the payload out before joining a group: one that cannot be written (text no
        database can store) fails here, alone, not inside another caller's transaction."""
        try:
            text = canonical(request.payload)
            return cls(request, text, sha256_text(text))
        except (TypeError, ValueError) as failure:
            return cls(request, failure=failure)


@dataclass
class _Job:
    """One decide_many call waiting for a group commit: its items and, once the group is committed
    (or has failed), the outcome."""

    items: list[_Item]
    caller: str
    outcomes: list[Decision | Exception] | None = None
    failure: Exception | None = None

    @property
    def finished(self) -> bool:
        return self.outcomes is not None or self.failure is not None


def _record_item(chain: ChainWriter, recorded: dict[str, _Recorded], caller: str, item: _Item) -> Decision | Exception:
    """Append one referral's decision to the chain (or hand back the recorded one, or its failure)."""
    if item.failure is not None:
        return item.failure
    referral_id = item.request.referral_id
    earlier = recorded.get(referral_id)
    if earlier is not None:
        if earlier.payload_sha != item.payload_sha:
            return ReferralConflict(f"referral_id {referral_id!r} was already decided with a different payload; "
                                    "send a new referral id for a new referral")
        return Decision.from_record(earlier.decision)
    outcome = item.tentative if item.tentative is not None else attempt(item.request.decide)
    if isinstance(outcome, Decision):
        decision = outcome.model_dump(mode="json")
        payload_sha = chain.keep(item.payload_text)
        chain.add_decision(split_decision(decision, caller, payload_sha), referral_id)
        recorded[referral_id] = _Recorded(payload_sha, decision)
    return outcome


def _purgeable(conn: Connection, cutoff: str) -> tuple[set[str], int]:
    """The kept texts that only events recorded before ``cutoff`` reference (and still held), and
    how many of those events were recorded whole (their reasons in the chain)."""
    old: set[str] = set()
    needed: set[str] = set()
    whole = 0
    rows = conn.execute(select(tables.events.c.recorded_at, tables.events.c.content)
                        .where(tables.events.c.kind.in_(("decision", "override", "closed"))))
    for row in rows:
        body = content_of(row.content)["body"]
        shas = {body[key] for key in (PERSONAL_KEY, "payload_sha256") if key in body}
        if row.recorded_at < cutoff:
            old |= shas
            whole += not is_split(body)
        else:
            needed |= shas
    return set(kept_texts(conn, old - needed)), whole


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _differences(recorded: dict[str, Any], replayed: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Each decision field (but the volatile ones) whose values differ: (recorded, replayed)."""
    fields = sorted((recorded.keys() | replayed.keys()) - VOLATILE_FIELDS)
    return {name: (recorded.get(name), replayed.get(name)) for name in fields
            if recorded.get(name) != replayed.get(name)}


def _open(index: Any) -> Any:
    """A condition on the decisions index: the decision's case has not been closed."""
    closing = tables.events.alias("closing")  # its own name: the outer query may read the events table too
    return ~exists().where(closing.c.kind == "closed", closing.c.decision_id == index.c.decision_id)


def _refuse_if_closed(conn: Connection, decision_id: str) -> None:
    """CaseClosed if the decision's case was closed: a closed case is not changed any more."""
    events = tables.events.c
    if conn.execute(select(events.seq).where(events.kind == "closed", events.decision_id == decision_id)).first():
        raise CaseClosed(f"decision {decision_id} was closed before; its case is not changed any more")


def _team(standing: dict[str, Any]) -> str:
    """The team a decision or override sends work to: the service, or ``mast/<locality>``."""
    locality = standing.get("locality")
    return f"{standing['route']}/{locality}" if locality else standing["route"]


def _decided_between(query: Select[Any], since: date | None, until: date | None) -> Select[Any]:
    """``query`` narrowed to decisions made between two UTC days, inclusive (decided_at is UTC ISO
    text, so text order is time order)."""
    if since is not None:
        query = query.where(tables.decisions.c.decided_at >= since.isoformat())
    if until is not None and until < date.max:  # date.max: no upper bound (and no day after it)
        query = query.where(tables.decisions.c.decided_at < (until + timedelta(days=1)).isoformat())
    return query


def _problems(content: str) -> list[str] | None:
    """A decision event's headline problems, or None if its content has none to read. orjson is
    fast, but cannot read an integer beyond 64 bits (a count recorded before the contract bounded
    it); the json module can, as canonical() writes such values."""
    try:
        try:
            problems = orjson.loads(content)["body"]["decision"]["problems"]
        except orjson.JSONDecodeError:
            problems = content_of(content)["body"]["decision"]["problems"]
    except (ValueError, KeyError, TypeError):
        return None
    return problems if isinstance(problems, list) and all(isinstance(p, str) for p in problems) else None
