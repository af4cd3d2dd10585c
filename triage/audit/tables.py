"""The audit log's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

- ``audit_events``: the append-only hash chain. ``seq`` is gap-free and ``prev_hash`` is unique, so
  two writers can never both extend the same event (no forks), whatever the isolation level.
- ``audit_payloads``: referral payloads, addressed by their sha256 and kept apart from the chain,
  so a retention purge can erase personal data while the chain still verifies.
- ``audit_rulesets``: every ruleset that decided anything, addressed by its hash, for replay.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, MetaData, String, Table, Text

metadata = MetaData()

events = Table(
    "audit_events", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("referral_id", String(64)),
    Column("decision_id", String(64)),
    # set on decision events only: one decision per referral id, enforced by the database
    Column("decided_referral_id", String(64), unique=True),
    Column("content", Text, nullable=False),  # canonical JSON of everything the hash covers
    Column("prev_hash", String(64), nullable=False, unique=True),
    Column("hash", String(64), nullable=False, unique=True),
)
Index("ix_audit_events_referral_id", events.c.referral_id)
Index("ix_audit_events_decision_id", events.c.decision_id)

payloads = Table(
    "audit_payloads", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("stored_at", String(40), nullable=False),
    Column("body", Text, nullable=False),
)

rulesets = Table(
    "audit_rulesets", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("version", String(64), nullable=False),
    Column("stored_at", String(40), nullable=False),
    Column("content", Text, nullable=False),  # canonical JSON of the bundle's files
)
