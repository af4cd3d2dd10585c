"""The audit log: every decision, override, closed case and ruleset load, append-only and tamper-evident.

``triage.audit.store.AuditStore`` is the log itself; it is imported only where a database is used
(SQLAlchemy and Alembic take a noticeable part of a second to import).
"""

from triage.audit.errors import ArchiveTampered, CaseClosed, ReferralConflict, RulesetConflict, UnknownDecision
from triage.audit.events import AuditEvent, Verification
from triage.audit.requests import Request, attempt

__all__ = ["ArchiveTampered", "AuditEvent", "CaseClosed", "ReferralConflict", "Request", "RulesetConflict", "UnknownDecision", "Verification", "attempt"]
