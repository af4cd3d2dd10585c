"""The audit store: every decision, override and ruleset load, append-only and hash-chained.

One interface, two databases through SQLAlchemy Core: SQLite (the embedded default, WAL mode) and
PostgreSQL (several triage instances sharing one log). Appends are serialised so the chain stays
linear: SQLite takes its write lock up front (``BEGIN IMMEDIATE``), PostgreSQL a transaction-level
advisory lock; the unique ``seq`` and ``prev_hash`` columns and the unique ``(caller, referral_id)``
of ``audit_decisions`` refuse any fork or duplicate that slipped past. A decision is returned to the caller only after its event is
committed.
"""

from __future__ import annotations

import json
import tempfile
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import orjson
import yaml
from sqlalchemy import Connection, Engine, Select, create_engine, delete, event, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite

from triage.audit import tables
from triage.audit.canonical import GENESIS, canonical, chain_hash, link_hash, sha256_text
from triage.audit.errors import CaseClosed, ReferralConflict, RulesetConflict, UnknownDecision
from triage.audit.events import ArchivedRuleset, AuditEvent, DecisionQuery, Replay, Unreadable, Verification, decision_in
from triage.audit.requests import Request, attempt
from triage.audit.migrate import upgrade
from triage.engine import Engine as DecisionEngine
from triage.intake import parse_referral
from triage.models import Decision
from triage.rulebook import Policy, load_policy

_PG_APPEND_LOCK = 7_355_608  # any fixed number: the advisory lock every appender takes
_WRITER = "triage_writer"  # marks a connection whose next transaction appends
# what replay does not compare: what differs between any two decisions on the same referral and
# ruleset (its id and time), and why that ruleset was chosen (a replay pins the archived one)
VOLATILE_FIELDS = frozenset({"decision_id", "decided_at", "ruleset_selection"})


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _sqlite_engine(url: str) -> Engine:
    # as many connections as the API's worker threads (40), so none waits for one to read
    engine = create_engine(url, pool_size=10, max_overflow=50)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below choose the BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a reported decision survives a power cut
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writer takes the write lock before reading the tail; readers (verify, show, export)
        # take none, so they never hold up the writers.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.info.pop(_WRITER, False) else "BEGIN")

    return engine


def open_engine(url: str) -> Engine:
    """An SQLAlchemy engine for a database URL (``sqlite:///path`` or ``postgresql://…``)."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # 20 connections a process at most: several API workers must stay under the server's limit (100)
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=15)


class AuditStore:
    """The audit log of one database; safe to share between threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = open_engine(url)
        upgrade(self.engine)
        self._postgres = self.engine.dialect.name == "postgresql"
        self._write_lock = threading.Lock()  # one writer per process at a time, in turn
        self._queue_mutex = threading.Lock()
        self._queue: list[_Job] = []  # jobs waiting for the next group commit
        self._archived: set[str] = set()  # ruleset hashes known to be in the archive

    # -- writing -----------------------------------------------------------------------------

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
        decided once. A referral that cannot be decided (ReferralConflict, or whatever ``decide``
        raised) gets its exception in its place and is not recorded; the others still are.

        Calls from many threads at once (the API's requests) share transactions: see ``_group_commit``.
        """
        with self.engine.connect() as conn:
            already = self._recorded_bodies(conn, caller, [r.referral_id for r in requests])
        tentative: dict[str, Decision | Exception] = {}
        for request in requests:
            if request.referral_id not in already and request.referral_id not in tentative:
                tentative[request.referral_id] = attempt(request.decide)
        job = _Job(requests, tentative, caller)
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
                with self._transaction() as conn:
                    results = self._record_jobs(conn, jobs)
            except BaseException as failure:  # every job in the group is told; none was recorded
                for queued in jobs:  # (other threads' jobs too: they must never wait on a result that is not coming)
                    queued.failure = failure if isinstance(failure, Exception) else RuntimeError("recording interrupted")
                if not isinstance(failure, Exception):
                    raise  # an interrupt stops this thread; the others get their RuntimeError
                return
            self._archived.update(r.policy.sha256 for j in jobs for r in j.requests)
            for queued, outcomes in zip(jobs, results):
                queued.outcomes = outcomes

    def _record_jobs(self, conn: Connection, jobs: list[_Job]) -> list[list[Decision | Exception]]:
        """Append the jobs' decisions to the chain, in order; each job's outcomes, in its order.
        Rows are written with one statement per table: per-row statements cost more than deciding."""
        for policy in {r.policy.sha256: r.policy for j in jobs for r in j.requests}.values():
            self._archive(conn, policy)
        known = self._known_by_caller(conn, jobs)
        chain = _ChainWriter(conn)
        payload_rows: list[dict[str, Any]] = []
        results = []
        for job in jobs:
            recorded = known[job.caller]
            outcomes: list[Decision | Exception] = []
            for request in job.requests:
                payload_text = canonical(request.payload)
                payload_sha = sha256_text(payload_text)
                outcome = _recorded(recorded.get(request.referral_id), request.referral_id, payload_sha)
                if outcome is None:
                    outcome = job.tentative.pop(request.referral_id, None) or attempt(request.decide)
                    if isinstance(outcome, Decision):
                        body = {"decision": outcome.model_dump(mode="json"), "caller": job.caller,
                                "payload_sha256": payload_sha}
                        chain.add_decision(outcome, body)
                        payload_rows.append({"sha256": payload_sha, "stored_at": _now(), "body": payload_text})
                        recorded[request.referral_id] = body
                outcomes.append(outcome)
            results.append(outcomes)
        if payload_rows:
            conn.execute(_insert_ignoring_duplicates(conn, tables.payloads), payload_rows)
        chain.flush()
        return results

    def _known_by_caller(self, conn: Connection, jobs: list[_Job]) -> dict[str, dict[str, dict[str, Any]]]:
        """For each caller in the group, the decision bodies already recorded for its referral ids."""
        ids: dict[str, list[str]] = {}
        for job in jobs:
            ids.setdefault(job.caller, []).extend(r.referral_id for r in job.requests)
        return {caller: self._recorded_bodies(conn, caller, referral_ids) for caller, referral_ids in ids.items()}

    @staticmethod
    def _recorded_bodies(conn: Connection, caller: str, referral_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The recorded decision event bodies of those of the caller's ``referral_ids`` already decided."""
        found = conn.execute(select(tables.decisions.c.referral_id, tables.events.c.content)
                             .join(tables.events, tables.events.c.seq == tables.decisions.c.seq)
                             .where(tables.decisions.c.caller == caller)
                             .where(tables.decisions.c.referral_id.in_(set(referral_ids))))
        return {row.referral_id: _content(row.content)["body"] for row in found}

    def override(self, decision_id: str, route: str, reason: str, by: str, policy: Policy | None = None) -> AuditEvent:
        """Record a practitioner's new route for a decision; the decision event is never changed.
        CaseClosed once the decision's case is closed.

        ``previous_route`` is the route as it stood (after any earlier override). With ``policy``,
        an override to a service that works by locality (MAST) records the household's locality,
        read from the referral's postcode, so the work lands on the right team."""
        if not reason.strip():
            raise ValueError("reason: a reason is required for an override")
        if not by.strip():
            raise ValueError("by: the practitioner's identity is required")
        original = self.decision_event(decision_id)
        body: dict[str, Any] = {"overrides_decision": decision_id, "route": route, "reason": reason, "by": by}
        locality = self._household_locality(original, route, policy)
        if locality is not None:
            body["locality"] = locality
        with self._writing() as conn:
            _refuse_if_closed(conn, decision_id)
            standing = self._current_overrides(conn, [decision_id]).get(decision_id)
            body["previous_route"] = standing["route"] if standing else original.body["decision"]["route"]
            return self._append(conn, "override", original.referral_id, decision_id, body)

    def close(self, decision_id: str, reason: str, by: str) -> AuditEvent:
        """Record that the front door has finished with a decision (the family is with the service,
        or nothing more is needed): it leaves the queue and the team load. The decision and its
        overrides stay in the log as they were; CaseClosed if it was closed before."""
        if not reason.strip():
            raise ValueError("reason: a reason is required to close a case")
        if not by.strip():
            raise ValueError("by: the practitioner's identity is required")
        original = self.decision_event(decision_id)
        with self._writing() as conn:
            _refuse_if_closed(conn, decision_id)
            return self._append(conn, "closed", original.referral_id, decision_id,
                                {"closes_decision": decision_id, "reason": reason, "by": by})

    def _household_locality(self, decided: AuditEvent, route: str, policy: Policy | None) -> str | None:
        if policy is None or not policy.serves_by_locality(route):
            return None
        payload = self.payload(decided.body["payload_sha256"])
        postcode = ((payload or {}).get("household") or {}).get("postcode")
        if isinstance(postcode, str):
            return policy.locality_of(postcode)
        return decided.body["decision"].get("locality")  # the payload purged: the locality decided, if any

    def ruleset_loaded(self, policy: Policy, by: str) -> AuditEvent:
        """Record that ``by`` loaded this ruleset (and archive it), whatever was loaded before."""
        with self._writing() as conn:
            return self._record_ruleset(conn, policy, by)

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
            if {_content(row.content)["body"]["sha256"] for row in latest} == wanted:
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
        """Every published version, loaded from the archive, in the order published."""
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
        return [body for body in (_content(row.content)["body"] for row in rows) if body.get("published")]

    def _record_ruleset(self, conn: Connection, policy: Policy, by: str) -> AuditEvent:
        self._archive(conn, policy)
        return self._append(conn, "ruleset_loaded", None, None,
                            {"version": policy.version, "sha256": policy.sha256, "by": by})

    def purge_payloads(self, before: datetime, dry_run: bool = False) -> int:
        """Erase the referral payloads stored before ``before`` (retention); how many (would) go.

        Payloads are personal data kept apart from the chain, so erasing them leaves every event
        and hash in place and ``verify`` still proves the log intact; only replay is lost.
        """
        cutoff = before.astimezone(UTC).isoformat(timespec="microseconds")
        old = tables.payloads.c.stored_at < cutoff  # same UTC ISO format as _now: text order is time order
        with self._writing() as conn:
            if dry_run:
                return conn.execute(select(func.count()).select_from(tables.payloads).where(old)).scalar_one()
            return conn.execute(delete(tables.payloads).where(old)).rowcount

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A transaction holding the append locks: this process's, then the database's."""
        with self._write_lock, self._transaction() as conn:
            yield conn

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A transaction holding the database's one append lock, taken before anything is read."""
        with self.engine.connect() as conn:
            conn.info[_WRITER] = True  # on SQLite, the BEGIN IMMEDIATE it causes is the lock
            with conn.begin():
                if self._postgres:
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_APPEND_LOCK})")
                yield conn

    def _append(self, conn: Connection, kind: str, referral_id: str | None, decision_id: str | None,
                body: dict[str, Any]) -> AuditEvent:
        chain = _ChainWriter(conn)
        event = chain.add(kind, referral_id, decision_id, body)
        chain.flush()
        return event

    def _archive(self, conn: Connection, policy: Policy) -> None:
        """Keep the ruleset's content, by its hash, so past decisions can be replayed."""
        if policy.sha256 in self._archived:  # archived rows are never deleted: no need to look again
            return
        found = select(tables.rulesets.c.sha256).where(tables.rulesets.c.sha256 == policy.sha256)
        if conn.execute(found).first() is None:
            conn.execute(tables.rulesets.insert().values(
                sha256=policy.sha256, version=policy.version, stored_at=_now(),
                content=yaml.safe_dump(policy.content, sort_keys=True, allow_unicode=True)))

    # -- reading -----------------------------------------------------------------------------

    def events(self, referral_id: str | None = None, since: date | None = None) -> Iterator[AuditEvent]:
        """Events in chain order: all, one referral's, or those recorded on or after a UTC date."""
        query = select(tables.events).order_by(tables.events.c.seq)
        if referral_id is not None:
            query = query.where(tables.events.c.referral_id == referral_id)
        if since is not None:  # recorded_at is UTC ISO text, so "2026-05-01T..." >= "2026-05-01"
            query = query.where(tables.events.c.recorded_at >= since.isoformat())
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                yield _event(row)

    def find_decisions(self, query: DecisionQuery) -> list[AuditEvent]:
        """The decision events matching a query (see DecisionQuery), one page of them."""
        index = tables.decisions
        found = (select(tables.events).join(index, index.c.seq == tables.events.c.seq)
                 .where(index.c.seq > query.after).order_by(index.c.seq).limit(query.limit))
        for column in ("caller", "referral_id", "route", "priority", "locality"):
            if getattr(query, column) is not None:
                found = found.where(index.c[column] == getattr(query, column))
        found = _decided_between(found, query.since, query.until)
        with self.engine.connect() as conn:
            return [_event(row) for row in conn.execute(found)]

    def events_page(self, after: int, limit: int) -> list[AuditEvent]:
        """Up to ``limit`` events after the event ``after``, in chain order (a cursor for paging)."""
        query = select(tables.events).where(tables.events.c.seq > after).order_by(tables.events.c.seq).limit(limit)
        with self.engine.connect() as conn:
            return [_event(row) for row in conn.execute(query)]

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
                bodies = dict(conn.execute(select(tables.payloads.c.sha256, tables.payloads.c.body).where(
                    tables.payloads.c.sha256.in_({d.body["payload_sha256"] for d in usable}))).all())
            for decided in usable:
                body = bodies.get(decided.body["payload_sha256"])
                yield decided.body["decision"], None if body is None else _content(body)
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
        query = (select(tables.events.c.content).join(index, index.c.seq == tables.events.c.seq)
                 .where(_open(index)).order_by(index.c.respond_by, index.c.seq).limit(limit))
        for column, value in (("route", route), ("locality", locality), ("priority", priority)):
            if value is not None:
                query = query.where(index.c[column] == value)
        with self.engine.connect() as conn:
            read = [decision_in(_content(row.content).get("body")) for row in conn.execute(query)]
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
        """decision id -> the body of its latest override (route, and locality where recorded),
        for the given ids, or all."""
        query = (select(tables.events.c.decision_id, tables.events.c.content)
                 .where(tables.events.c.kind == "override").order_by(tables.events.c.seq))
        if decision_ids is not None:
            query = query.where(tables.events.c.decision_id.in_(decision_ids))
        return {row.decision_id: _content(row.content)["body"] for row in conn.execute(query)}

    def history(self, decision_id: str) -> list[AuditEvent]:
        """A decision's event and every later event about it (overrides, its closing), oldest first;
        UnknownDecision if none."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(tables.events).where(tables.events.c.decision_id == decision_id)
                                .order_by(tables.events.c.seq))
            history = [_event(row) for row in rows]
        if not history or history[0].kind != "decision":
            raise UnknownDecision(f"no decision with id {decision_id!r}")
        return history

    def archived_rulesets(self) -> list[ArchivedRuleset]:
        """Every ruleset that has decided anything here, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(tables.rulesets.c.version, tables.rulesets.c.sha256, tables.rulesets.c.stored_at)
                                .order_by(tables.rulesets.c.stored_at))
            return [ArchivedRuleset(row.version, row.sha256, row.stored_at) for row in rows]

    def archived_content(self, sha: str) -> dict[str, Any]:
        """An archived ruleset's files as data (what its hash covers); LookupError if not archived."""
        with self.engine.connect() as conn:
            row = conn.execute(select(tables.rulesets.c.content).where(tables.rulesets.c.sha256 == sha)).first()
        if row is None:
            raise LookupError(f"ruleset {sha} is not in the archive")
        return yaml.safe_load(row.content)

    def decision_event(self, decision_id: str) -> AuditEvent:
        with self.engine.connect() as conn:
            row = conn.execute(select(tables.events).where(tables.events.c.decision_id == decision_id)
                               .where(tables.events.c.kind == "decision")).first()
        if row is None:
            raise UnknownDecision(f"no decision with id {decision_id!r}")
        return _event(row)

    def payload(self, sha: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(tables.payloads.c.body).where(tables.payloads.c.sha256 == sha)).first()
        return None if row is None else _content(row.body)

    def replay(self, decision_id: str, backend: str = "durable") -> Replay:
        """Re-decide a recorded decision from its stored payload with the ruleset archived for it.

        The archived ruleset, not the rule files of today, is what decided it: a replay checks the
        record, it does not re-judge the referral. Raises UnknownDecision for an unknown id.
        """
        recorded = self.decision_event(decision_id).body
        payload = self.payload(recorded["payload_sha256"])
        if payload is None:
            return Replay(decision_id, purged=True)
        engine = DecisionEngine(self.archived_policy(recorded["decision"]["ruleset"]["sha256"]), backend)
        replayed = engine.decide(parse_referral(payload, engine.policy.agencies)).model_dump(mode="json")
        return Replay(decision_id, purged=False, differences=_differences(recorded["decision"], replayed))

    def archived_policy(self, sha: str) -> Policy:
        """Load an archived ruleset (written to a temporary folder and read by the normal loader)."""
        content = self.archived_content(sha)
        with tempfile.TemporaryDirectory(prefix="triage-ruleset-") as folder:
            for name, sections in content.items():
                (Path(folder) / name).mkdir()
                (Path(folder) / name / "archived.yaml").write_text(
                    yaml.safe_dump(sections, sort_keys=True, allow_unicode=True), encoding="utf-8")
            return load_policy(Path(folder))

    # -- verifying ---------------------------------------------------------------------------

    def verify(self) -> Verification:
        """Recompute the whole chain; report the first event that does not fit."""
        prev_hash, count = GENESIS, 0
        with self.engine.connect() as conn:
            for row in conn.execute(select(tables.events).order_by(tables.events.c.seq)):
                count += 1
                problem = _check(row, count, prev_hash)
                if problem:
                    return Verification(count, False, row.seq, problem)
                prev_hash = row.hash
            index_problem = _index_problem(conn)
        if index_problem:
            return Verification(count, False, *index_problem)
        return Verification(count, True)


@dataclass
class _Job:
    """One decide_many call waiting for a group commit: its requests, the decisions made for them
    before the lock, and, once the group is committed (or has failed), the outcome."""

    requests: Sequence[Request]
    tentative: dict[str, Decision | Exception]
    caller: str
    outcomes: list[Decision | Exception] | None = None
    failure: Exception | None = None

    @property
    def finished(self) -> bool:
        return self.outcomes is not None or self.failure is not None


class _ChainWriter:
    """Extends the chain inside a write transaction: reads the tail once, then links each new
    event to the one before it in memory, and inserts them all with one statement."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        tail = conn.execute(select(tables.events.c.seq, tables.events.c.hash)
                            .order_by(tables.events.c.seq.desc()).limit(1)).first()
        self.seq, self.hash = (tail.seq, tail.hash) if tail else (0, GENESIS)
        self.rows: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []

    def add_decision(self, decision: Decision, body: dict[str, Any]) -> AuditEvent:
        """Add a decision event and its row in the decisions index."""
        event = self.add("decision", decision.referral_id, decision.decision_id, body)
        recorded = body["decision"]
        self.decisions.append({"decision_id": decision.decision_id, "seq": event.seq, "caller": body["caller"],
                               "referral_id": decision.referral_id, "route": decision.route,
                               "locality": decision.locality, "priority": decision.priority,
                               "respond_by": recorded["respond_by"], "decided_at": recorded["decided_at"]})
        return event

    def add(self, kind: str, referral_id: str | None, decision_id: str | None, body: dict[str, Any]) -> AuditEvent:
        content = {"seq": self.seq + 1, "event_id": uuid.uuid4().hex, "kind": kind, "recorded_at": _now(),
                   "referral_id": referral_id, "decision_id": decision_id, "body": body}
        text = canonical(content)
        digest = link_hash(self.hash, text)
        self.rows.append({"seq": content["seq"], "event_id": content["event_id"], "kind": kind,
                          "recorded_at": content["recorded_at"], "referral_id": referral_id,
                          "decision_id": decision_id,
                          "content": text, "prev_hash": self.hash, "hash": digest})
        self.seq, self.hash = content["seq"], digest
        return AuditEvent(content["seq"], kind, content["recorded_at"], referral_id, decision_id, body, digest)

    def flush(self) -> None:
        if self.rows:
            self.conn.execute(tables.events.insert(), self.rows)
            self.rows = []
        if self.decisions:
            self.conn.execute(tables.decisions.insert(), self.decisions)
            self.decisions = []


def _recorded(body: dict[str, Any] | None, referral_id: str, payload_sha: str) -> Decision | ReferralConflict | None:
    """The decision already recorded for a referral id (from its event body), a conflict when it
    was recorded for a different payload, or None when it was never decided."""
    if body is None:
        return None
    if body["payload_sha256"] != payload_sha:
        return ReferralConflict(f"referral_id {referral_id!r} was already decided with a different payload; "
                                "send a new referral id for a new referral")
    return Decision.from_record(body["decision"])


def _differences(recorded: dict[str, Any], replayed: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Each decision field (but the volatile ones) whose values differ: (recorded, replayed)."""
    fields = sorted((recorded.keys() | replayed.keys()) - VOLATILE_FIELDS)
    return {name: (recorded.get(name), replayed.get(name)) for name in fields
            if recorded.get(name) != replayed.get(name)}


def _insert_ignoring_duplicates(conn: Connection, table: Any) -> Any:
    """INSERT that skips rows whose key exists (a payload sent before under another referral id)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


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


def _content(text: str) -> dict[str, Any]:
    return json.loads(text)


def _problems(content: str) -> list[str] | None:
    """A decision event's headline problems, or None if its content has none to read. orjson is
    fast, but cannot read an integer beyond 64 bits (a count recorded before the contract bounded
    it); the json module can, as canonical() writes such values."""
    try:
        try:
            problems = orjson.loads(content)["body"]["decision"]["problems"]
        except orjson.JSONDecodeError:
            problems = json.loads(content)["body"]["decision"]["problems"]
    except (ValueError, KeyError, TypeError):
        return None
    return problems if isinstance(problems, list) and all(isinstance(p, str) for p in problems) else None


def _event(row: Any) -> AuditEvent:
    """An audit_events row as read back."""
    return AuditEvent(row.seq, row.kind, row.recorded_at, row.referral_id, row.decision_id,
                      _content(row.content)["body"], row.hash)


def _index_row(seq: int, body: dict[str, Any]) -> dict[str, Any]:
    """The decisions-index row a decision event's body calls for."""
    decision = body["decision"]
    return {"seq": seq, "caller": body["caller"],
            **{name: decision[name] for name in ("decision_id", "referral_id", "route", "locality", "priority",
                                                 "respond_by", "decided_at")}}


def _index_problem(conn: Connection) -> tuple[int, str] | None:
    """(seq, why) for the first decisions-index row that its decision event does not call for.

    The index is what the API and the queue search, so a row added, dropped or edited behind the
    chain's back must fail ``verify`` as surely as an edited event.
    """
    index, events = tables.decisions, tables.events
    rows = conn.execute(select(index, events.c.kind, events.c.content)
                        .join(events, events.c.seq == index.c.seq, isouter=True).order_by(index.c.seq))
    for row in rows:
        if row.kind != "decision":
            return row.seq, "the decisions index lists a decision that is not in the chain"
        stored = {key: row._mapping[key] for key in index.c.keys()}
        if _index_row(row.seq, _content(row.content)["body"]) != stored:
            return row.seq, "the decisions index differs from the decision event (edited)"
    indexed = conn.execute(select(func.count()).select_from(index)).scalar_one()
    recorded = conn.execute(select(func.count()).select_from(events).where(events.c.kind == "decision")).scalar_one()
    if indexed != recorded:
        missing = conn.execute(select(func.min(events.c.seq)).where(events.c.kind == "decision")
                               .where(events.c.seq.not_in(select(index.c.seq)))).scalar_one()
        return missing, "a decision is missing from the decisions index"
    return None


def _check(row: Any, expected_seq: int, prev_hash: str) -> str | None:
    """Why this stored event does not fit the chain (None when it does)."""
    if row.seq != expected_seq:
        return f"expected event {expected_seq} here, found {row.seq} (an event is missing)"
    if row.prev_hash != prev_hash:
        return "does not follow the previous event (prev_hash differs)"
    content = _content(row.content)
    columns = {"seq": row.seq, "kind": row.kind, "recorded_at": row.recorded_at,
               "referral_id": row.referral_id, "decision_id": row.decision_id, "event_id": row.event_id}
    if any(content.get(key) != value for key, value in columns.items()):
        return "a column differs from the hashed content"
    if chain_hash(prev_hash, content) != row.hash:
        return "content does not match its hash (edited)"
    return None
