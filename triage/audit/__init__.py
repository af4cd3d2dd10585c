"""The audit log: every decision, override and ruleset load, append-only and tamper-evident."""

from triage.audit.store import AuditEvent, AuditStore, ReferralConflict, UnknownDecision, Verification

__all__ = ["AuditEvent", "AuditStore", "ReferralConflict", "UnknownDecision", "Verification"]
