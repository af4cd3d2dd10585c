"""The audit log: every decision, override, closed case and ruleset load, append-only and tamper-evident.

``triage.audit.store.AuditStore`` opens one database's log, ruleset archive and queries; it is
imported only where a database is used (SQLAlchemy and Alembic take a noticeable part of a second
to import). What is imported here is light.
"""

from triage.audit.errors import ArchiveTampered, CaseClosed, ReferralConflict, RulesetConflict, UnknownDecision
from triage.audit.events import AuditEvent, Recorded, Recording, Verification

__all__ = [
    "ArchiveTampered",
    "AuditEvent",
    "CaseClosed",
    "Recorded",
    "Recording",
    "ReferralConflict",
    "RulesetConflict",
    "UnknownDecision",
    "Verification",
]
