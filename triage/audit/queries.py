"""Reading the audit log: what the pages, the API, the reports and what-if simulation ask of it.

Every event comes back with its personal part put back while it is still held (see
``triage.audit.personal``). A recorded decision this version cannot read (an old shape, a number
too large) is left out where a list is built, and counted in an ``Unreadable`` so the reader can
say so: the log is append-only, so such a row stays for good and must never crash a page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, Select, exists, func, select

from triage.audit.chain import content_of, kept_texts, read_events, referral_keys
from triage.audit.errors import UnknownDecision
from triage.audit.events import AuditEvent, DecisionQuery, Unreadable, decision_in
from triage.chunks import chunked
from triage.db import tables
from triage.models import Decision

if TYPE_CHECKING:
    from triage.audit.log import AuditLog


class AuditQueries:
    """The read side of one audit log; safe to share between threads."""

    def __init__(self, log: AuditLog) -> None:
        self.db = log.db

    def events(self, referral_id: str | None = None, since: date | None = None) -> Iterator[AuditEvent]:
        """Events in chain order: all, one referral's, or those recorded on or after a UTC date."""
        query = select(tables.events).order_by(tables.events.c.seq)
        if referral_id is not None:
            query = query.where(tables.events.c.referral_id.in_(referral_keys(referral_id)))
        if since is not None:  # recorded_at is UTC ISO text, so "2026-05-01T..." >= "2026-05-01"
            query = query.where(tables.events.c.recorded_at >= since.isoformat())
        with self.db.connect() as conn:
            for rows in conn.execution_options(yield_per=1000).execute(query).partitions():
                yield from read_events(conn, rows)

    def events_page(self, after: int, limit: int) -> list[AuditEvent]:
        """Up to ``limit`` events after the event ``after``, in chain order (a cursor for paging)."""
        query = select(tables.events).where(tables.events.c.seq > after).order_by(tables.events.c.seq).limit(limit)
        with self.db.connect() as conn:
            return read_events(conn, conn.execute(query).all())

    def find_decisions(self, query: DecisionQuery) -> list[AuditEvent]:
        """The decision events matching a query (see DecisionQuery), one page of them."""
        index = tables.decisions
        found = (
            select(tables.events)
            .join(index, index.c.seq == tables.events.c.seq)
            .where(index.c.seq > query.after)
            .order_by(index.c.seq)
            .limit(query.limit)
        )
        for column in ("caller", "route", "priority", "locality"):
            if getattr(query, column) is not None:
                found = found.where(index.c[column] == getattr(query, column))
        if query.referral_id is not None:
            found = found.where(index.c.referral_id.in_(referral_keys(query.referral_id)))
        found = _decided_between(found, query.since, query.until)
        with self.db.connect() as conn:
            return read_events(conn, conn.execute(found).all())

    def decision_event(self, decision_id: str) -> AuditEvent:
        """A decision's own event; UnknownDecision if there is none."""
        with self.db.connect() as conn:
            rows = conn.execute(
                select(tables.events)
                .where(tables.events.c.decision_id == decision_id)
                .where(tables.events.c.kind == "decision")
            ).all()
            found = read_events(conn, rows)
        if not found:
            raise UnknownDecision(f"no decision with id {decision_id!r}")
        return found[0]

    def history(self, decision_id: str) -> list[AuditEvent]:
        """A decision's event and every later event about it (overrides, its closing), oldest first;
        UnknownDecision if none."""
        with self.db.connect() as conn:
            rows = conn.execute(
                select(tables.events).where(tables.events.c.decision_id == decision_id).order_by(tables.events.c.seq)
            ).all()
            history = read_events(conn, rows)
        if not history or history[0].kind != "decision":
            raise UnknownDecision(f"no decision with id {decision_id!r}")
        return history

    def payload(self, sha: str) -> dict[str, Any] | None:
        """A referral payload by its hash; None once retention has erased it."""
        with self.db.connect() as conn:
            text = kept_texts(conn, [sha]).get(sha)
        return None if text is None else content_of(text)

    def payloads(self, shas: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Several referral payloads at once: sha256 -> payload, for those still held."""
        with self.db.connect() as conn:
            return {sha: content_of(text) for sha, text in kept_texts(conn, shas).items()}

    def decided_referrals(
        self, since: date | None = None, batch: int = 1000, unreadable: Unreadable | None = None
    ) -> Iterator[tuple[dict[str, Any], Any]]:
        """Each recorded decision (on or after a UTC day) with its referral payload, oldest first;
        the payload is None where retention has purged it. Read a batch at a time (what-if
        simulation reads every past referral). A decision without its decision or payload hash is
        left out, counted in ``unreadable``."""
        for decided, payload in self.decided_events(since=since, batch=batch, unreadable=unreadable):
            yield decided.body["decision"], payload

    def decided_events(
        self, since: date | None = None, after: int = 0, batch: int = 1000, unreadable: Unreadable | None = None
    ) -> Iterator[tuple[AuditEvent, Any]]:
        """``decided_referrals`` with each decision's whole event (its ``seq`` a cursor: only those
        after ``after``), for readers that keep up with the log as it grows (the people index)."""
        while True:
            found = self.find_decisions(DecisionQuery(since=since, after=after, limit=batch))
            if not found:
                return
            usable = [
                d
                for d in found
                if isinstance(d.body.get("decision"), dict) and isinstance(d.body.get("payload_sha256"), str)
            ]
            if unreadable is not None:
                unreadable.count += len(found) - len(usable)
            with self.db.connect() as conn:
                bodies = kept_texts(conn, (decided.body["payload_sha256"] for decided in usable))
            for decided in usable:
                body = bodies.get(decided.body["payload_sha256"])
                yield decided, None if body is None else content_of(body)
            after = found[-1].seq

    def histories(self, decision_ids: Iterable[str]) -> dict[str, list[AuditEvent]]:
        """``history`` of several decisions at once (a household's): decision id -> its events,
        oldest first. Ids with no decision are left out."""
        wanted = sorted(set(decision_ids))
        found: dict[str, list[AuditEvent]] = {}
        with self.db.connect() as conn:
            for chunk in chunked(wanted, 500):
                query = select(tables.events).where(tables.events.c.decision_id.in_(chunk))
                for event in read_events(conn, conn.execute(query.order_by(tables.events.c.seq)).all()):
                    assert event.decision_id is not None  # selected by it
                    found.setdefault(event.decision_id, []).append(event)
        return {key: events for key, events in found.items() if events[0].kind == "decision"}

    def last_seq(self, kind: str | None = None) -> int:
        """The seq of the latest event (of one kind), 0 for none: how a reader kept in memory
        knows the log has moved on (a purge, say) since it last looked."""
        query = select(func.max(tables.events.c.seq))
        if kind is not None:
            query = query.where(tables.events.c.kind == kind)
        with self.db.connect() as conn:
            return conn.execute(query).scalar_one() or 0

    def routes_and_problems(
        self, since: date | None, until: date | None, batch: int = 5000, unreadable: Unreadable | None = None
    ) -> Iterator[tuple[str, list[str]]]:
        """For each decision recorded between two UTC days: the route it stands at now (after any
        override) and the headline problems it found. What the cost-benefit cohort is made of; read
        lean (only the columns needed) because an appraisal reads every decision in a year. A
        decision whose problems cannot be read is left out, counted in ``unreadable``."""
        index = tables.decisions
        with self.db.connect() as conn:
            overridden = _latest_overrides(conn, None)
            after = 0
            while True:
                page = (
                    select(index.c.seq, index.c.decision_id, index.c.route, tables.events.c.content)
                    .join(tables.events, tables.events.c.seq == index.c.seq)
                    .where(index.c.seq > after)
                    .order_by(index.c.seq)
                    .limit(batch)
                )
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

    def open_decisions(
        self,
        route: str | None = None,
        locality: str | None = None,
        priority: str | None = None,
        limit: int = 200,
        unreadable: Unreadable | None = None,
    ) -> list[Decision]:
        """Decisions whose case is not closed, by respond-by date, then the order decided. Filters
        apply to the route as decided. One that cannot be read is left out, counted in ``unreadable``."""
        index = tables.decisions
        query = (
            select(tables.events)
            .join(index, index.c.seq == tables.events.c.seq)
            .where(_open(index))
            .order_by(index.c.respond_by, index.c.seq)
            .limit(limit)
        )
        for column, value in (("route", route), ("locality", locality), ("priority", priority)):
            if value is not None:
                query = query.where(index.c[column] == value)
        with self.db.connect() as conn:
            read = [decision_in(event.body) for event in read_events(conn, conn.execute(query).all())]
        decisions = [d for d in read if d is not None]
        if unreadable is not None:
            unreadable.count += len(read) - len(decisions)
        return decisions

    def open_routes(self) -> list[tuple[str, str, str | None]]:
        """(decision id, route, locality) as decided, of every decision whose case is not closed."""
        index = tables.decisions
        with self.db.connect() as conn:
            rows = conn.execute(select(index.c.decision_id, index.c.route, index.c.locality).where(_open(index)))
            return [(row.decision_id, row.route, row.locality) for row in rows]

    def latest_overrides(self, decision_ids: list[str] | None) -> dict[str, dict[str, Any]]:
        """decision id -> the record of its latest override (route, and locality where recorded),
        for the given ids, or all."""
        with self.db.connect() as conn:
            return _latest_overrides(conn, decision_ids)


def _latest_overrides(conn: Connection, decision_ids: list[str] | None) -> dict[str, dict[str, Any]]:
    query = (
        select(tables.events.c.decision_id, tables.events.c.content)
        .where(tables.events.c.kind == "override")
        .order_by(tables.events.c.seq)
    )
    if decision_ids is not None:
        query = query.where(tables.events.c.decision_id.in_(decision_ids))
    return {row.decision_id: content_of(row.content)["body"] for row in conn.execute(query)}


def _open(index: Any) -> Any:
    """A condition on the decisions index: the decision's case has not been closed."""
    closing = tables.events.alias("closing")  # its own name: the outer query may read the events table too
    return ~exists().where(closing.c.kind == "closed", closing.c.decision_id == index.c.decision_id)


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
