"""The database tables (SQLAlchemy Core), the same on SQLite and PostgreSQL: the audit log, API keys,
staff accounts and their failed sign-ins. No secret key is kept here (see ``triage.keyfile``).

- ``audit_events``: the append-only hash chain. ``seq`` is gap-free and ``prev_hash`` is unique, so
  two writers can never both extend the same event (no forks), whatever the isolation level.
- ``audit_payloads``: referral payloads, addressed by their sha256 and kept apart from the chain,
  so a retention purge can erase personal data while the chain still verifies.
- ``audit_rulesets``: every ruleset that decided anything, addressed by its hash, for replay.
- ``audit_decisions``: one row per decision event (same transaction, append-only too), for finding
  decisions by caller, route, priority, locality and date; ``(caller, referral_id)`` is unique, so a
  referrer system's referral is decided once.
- ``households`` and ``household_members``: which decisions the front door has linked into one
  household. Written in the same transaction as the ``linked`` event that makes each link (the
  chain is the record; these tables are where pages find it quickly). A household merged into
  another keeps its row, pointing at the one it joined, so its id still leads somewhere.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

events = Table(
    "audit_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("referral_id", String(64)),
    Column("decision_id", String(64)),
    # written by events before migration 0002 only (one decision per referral id across all
    # callers); since then audit_decisions holds the key, per caller
    Column("decided_referral_id", String(64), unique=True),
    Column("content", Text, nullable=False),  # canonical JSON of everything the hash covers
    Column("prev_hash", String(64), nullable=False, unique=True),
    Column("hash", String(64), nullable=False, unique=True),
)
Index("ix_audit_events_referral_id", events.c.referral_id)
Index("ix_audit_events_decision_id", events.c.decision_id)
Index("ix_audit_events_kind", events.c.kind)

payloads = Table(
    "audit_payloads",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("stored_at", String(40), nullable=False),
    Column("body", Text, nullable=False),
)

rulesets = Table(
    "audit_rulesets",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("version", String(64), nullable=False),
    Column("stored_at", String(40), nullable=False),
    Column("content", Text, nullable=False),  # canonical JSON of the bundle's files
)

decisions = Table(
    "audit_decisions",
    metadata,
    Column("decision_id", String(64), primary_key=True),
    Column("seq", BigInteger, ForeignKey("audit_events.seq"), nullable=False, unique=True),
    Column("caller", String(128), nullable=False),
    Column("referral_id", String(64), nullable=False),
    Column("route", String(64), nullable=False),
    Column("locality", String(64)),
    Column("priority", String(32), nullable=False),
    Column("respond_by", String(10), nullable=False),  # ISO date: text order is date order
    Column("decided_at", String(40), nullable=False),
    UniqueConstraint("caller", "referral_id", name="uq_audit_decisions_caller_referral"),
)
Index("ix_audit_decisions_route", decisions.c.route)
Index("ix_audit_decisions_respond_by", decisions.c.respond_by)
Index("ix_audit_decisions_decided_at", decisions.c.decided_at)

households = Table(
    "households",
    metadata,
    Column("household_id", String(16), primary_key=True),
    Column("created_seq", BigInteger, ForeignKey("audit_events.seq"), nullable=False),
    Column("merged_into", String(16)),  # joined to this household by a later link
)

household_members = Table(
    "household_members",
    metadata,
    Column("decision_id", String(64), ForeignKey("audit_decisions.decision_id"), primary_key=True),
    Column("household_id", String(16), ForeignKey("households.household_id"), nullable=False),
    Column("linked_seq", BigInteger, ForeignKey("audit_events.seq"), nullable=False),
)
Index("ix_household_members_household_id", household_members.c.household_id)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("name", String(128), nullable=False),  # the caller recorded in the audit log
    Column("role", String(32), nullable=False),
    Column("agency", String(64)),
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
)

staff_users = Table(
    "staff_users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("role", String(32), nullable=False),
    Column("password_hash", String(256), nullable=False),  # argon2id, never the password
    Column("created_at", String(40), nullable=False),
    Column("disabled_at", String(40)),
    # moved on by signing out or disabling: cookies signed in under an earlier one stop working
    Column("session_generation", Integer, nullable=False, server_default="0"),
)

# failed sign-ins per account name (an HMAC of the name as typed, never the name itself: it may be a
# mistyped password); times are seconds since the epoch. Not part of the audit log: rows change and go.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("account", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failed_at", Float, nullable=False),
    Column("locked_until", Float, nullable=False),
)
Index("ix_sign_in_failures_last_failed_at", sign_in_failures.c.last_failed_at)
