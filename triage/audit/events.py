"""Audit events as read back, and the result of verifying the chain."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Replay:
    """A recorded decision re-decided with its archived ruleset.

    ``differences`` maps each differing field to (recorded, replayed). A purged payload (erased
    for retention) leaves nothing to re-decide, which is not the same as identical.
    """

    decision_id: str
    purged: bool
    differences: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return not self.purged and not self.differences
