"""Audit events as read back, and the result of verifying the chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    kind: str
    recorded_at: str
    referral_id: str | None
    decision_id: str | None
    body: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class Verification:
    events: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str | None = None
