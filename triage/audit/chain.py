"""Writing to the hash chain and reading it back, inside one connection.

``ChainWriter`` extends the chain within a write transaction: it splits each event into its record
(hashed, in the chain) and its personal part (kept apart, see ``triage.audit.personal``), links
each record to the one before it in memory and inserts everything with one statement per table.
``read_events`` turns stored rows back into ``AuditEvent``s with their personal parts put back.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from triage.audit.canonical import GENESIS, canonical, link_hash, sha256_text
from triage.audit.events import AuditEvent
from triage.audit.personal import PERSONAL_KEY, Split, is_split, joined, referral_ref
from triage.db import tables


def now() -> str:
    """The time recorded on events and stored rows: UTC ISO text, so text order is time order."""
    return datetime.now(UTC).isoformat()


class ChainWriter:
    """Extends the chain inside a write transaction: reads the tail once, then links each new
    event to the one before it, and inserts them all at ``flush``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        tail = conn.execute(
            select(tables.events.c.seq, tables.events.c.hash).order_by(tables.events.c.seq.desc()).limit(1)
        ).first()
        self.seq: int = tail.seq if tail else 0
        self.hash: str = tail.hash if tail else GENESIS
        # one time for everything written in this transaction: a kept text is never stored later
        # than the event that references it, which is what a purge's cut-off is compared with
        self.time = now()
        self.rows: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.kept: dict[str, dict[str, Any]] = {}  # rows for audit_payloads: personal parts and payloads

    def keep(self, text: str) -> str:
        """Keep a personal text (a payload, an event's personal part) apart from the chain; its sha256."""
        sha = sha256_text(text)
        self.kept.setdefault(sha, {"sha256": sha, "stored_at": self.time, "body": text})
        return sha

    def add_decision(self, split: Split, referral_id: str) -> AuditEvent:
        """Add a decision event (its personal part kept apart) and its row in the decisions index."""
        decision = split.record["decision"]
        event = self.add("decision", referral_id, decision["decision_id"], split)
        self.decisions.append(
            {
                "decision_id": decision["decision_id"],
                "seq": event.seq,
                "caller": split.record["caller"],
                "referral_id": referral_ref(referral_id),
                "route": decision["route"],
                "locality": decision["locality"],
                "priority": decision["priority"],
                "respond_by": decision["respond_by"],
                "decided_at": decision["decided_at"],
            }
        )
        return event

    def add(
        self, kind: str, referral_id: str | None, decision_id: str | None, body: dict[str, Any] | Split
    ) -> AuditEvent:
        """Append one event. A Split's personal part is kept apart and only its hash is chained;
        a referral id is chained as its pseudonym."""
        record = body.record if isinstance(body, Split) else body
        if isinstance(body, Split):
            record = {**record, PERSONAL_KEY: self.keep(canonical(body.personal))}
        content: dict[str, Any] = {
            "seq": self.seq + 1,
            "event_id": uuid.uuid4().hex,
            "kind": kind,
            "recorded_at": self.time,
            "referral_id": referral_ref(referral_id) if referral_id is not None else None,
            "decision_id": decision_id,
            "body": record,
        }
        text = canonical(content)
        digest = link_hash(self.hash, text)
        self.rows.append(
            {
                "seq": content["seq"],
                "event_id": content["event_id"],
                "kind": kind,
                "recorded_at": content["recorded_at"],
                "referral_id": content["referral_id"],
                "decision_id": decision_id,
                "content": text,
                "prev_hash": self.hash,
                "hash": digest,
            }
        )
        self.seq, self.hash = content["seq"], digest
        full = joined(record, body.personal) if isinstance(body, Split) else record
        return AuditEvent(content["seq"], kind, content["recorded_at"], referral_id, decision_id, full, digest)

    def flush(self) -> None:
        """Insert what was added: kept texts first, then the events, then the decisions index."""
        if self.kept:
            self.conn.execute(insert_ignoring_duplicates(self.conn, tables.payloads), list(self.kept.values()))
            self.kept = {}
        if self.rows:
            self.conn.execute(tables.events.insert(), self.rows)
            self.rows = []
        if self.decisions:
            self.conn.execute(tables.decisions.insert(), self.decisions)
            self.decisions = []


def append_event(
    conn: Connection, kind: str, referral_id: str | None, decision_id: str | None, body: dict[str, Any] | Split
) -> AuditEvent:
    """Append one event inside a write transaction the caller holds (see ``AuditLog.writing``)."""
    chain = ChainWriter(conn)
    event = chain.add(kind, referral_id, decision_id, body)
    chain.flush()
    return event


def insert_ignoring_duplicates(conn: Connection, table: Any) -> Any:
    """INSERT that skips rows whose key exists (a payload sent before under another referral id)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def content_of(text: str) -> dict[str, Any]:
    """Stored JSON text as data. The json module, not orjson: it reads any integer a legacy
    record may hold, where orjson refuses those beyond 64 bits."""
    return json.loads(text)


def kept_texts(conn: Connection, shas: Iterable[str]) -> dict[str, str]:
    """The kept texts (personal parts, payloads) still held for these hashes: sha256 -> text."""
    wanted = set(shas)
    if not wanted:
        return {}
    rows = conn.execute(
        select(tables.payloads.c.sha256, tables.payloads.c.body).where(tables.payloads.c.sha256.in_(wanted))
    )
    return {row.sha256: row.body for row in rows}


def read_events(conn: Connection, rows: Iterable[Any]) -> list[AuditEvent]:
    """``audit_events`` rows as AuditEvents, each with its personal part put back when still held."""
    parsed = [(row, _record(row.content)) for row in rows]
    held = kept_texts(conn, (record[PERSONAL_KEY] for _, record in parsed if is_split(record)))
    return [_event(row, record, held) for row, record in parsed]


def _record(text: str) -> dict[str, Any]:
    """An event's record (its body as chained); empty when the content has none, so that readers
    which need a field find it missing and count the event as unreadable instead of failing."""
    record = content_of(text).get("body")
    return record if isinstance(record, dict) else {}


def _event(row: Any, record: dict[str, Any], held: dict[str, str]) -> AuditEvent:
    if not is_split(record):  # recorded whole, before personal parts were kept apart
        return AuditEvent(row.seq, row.kind, row.recorded_at, row.referral_id, row.decision_id, record, row.hash)
    text = held.get(record[PERSONAL_KEY])
    personal = content_of(text) if text is not None else None
    referral_id = personal.get("referral_id") if personal is not None else None
    return AuditEvent(
        row.seq,
        row.kind,
        row.recorded_at,
        referral_id,
        row.decision_id,
        joined(record, personal),
        row.hash,
        erased=personal is None,
    )


def referral_keys(referral_id: str) -> list[str]:
    """What a referral id may be stored under: its pseudonym, or itself in events recorded before
    pseudonyms (so a referral sent before an upgrade is still found, and still decided once)."""
    return [referral_ref(referral_id), referral_id]
