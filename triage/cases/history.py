"""A case's history as people read it: the decision, each override with who and why, its closing.

Typed, so the CLI, the API and the pages read ``override.reason``, never ``event.body["reason"]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.audit.events import AuditEvent, decision_in
from triage.cases.teams import team_of
from triage.models import Decision


class UnreadableDecision(Exception):
    """A decision recorded in a form this version cannot read (the log keeps it as it was written)."""


@dataclass(frozen=True)
class Override:
    seq: int
    recorded_at: str
    decision_id: str
    route: str
    locality: str | None
    previous_route: str
    reason: str
    by: str

    @classmethod
    def of(cls, event: AuditEvent) -> Override:
        body = event.body
        return cls(
            event.seq,
            event.recorded_at,
            body["overrides_decision"],
            body["route"],
            body.get("locality"),
            body["previous_route"],
            body["reason"],
            body["by"],
        )


@dataclass(frozen=True)
class Closing:
    seq: int
    recorded_at: str
    decision_id: str
    reason: str
    by: str

    @classmethod
    def of(cls, event: AuditEvent) -> Closing:
        body = event.body
        return cls(event.seq, event.recorded_at, body["closes_decision"], body["reason"], body["by"])


@dataclass(frozen=True)
class CaseHistory:
    """A decision and everything done with it since, oldest first. ``erased``: retention has
    erased its personal details (referral id, reasons, free-text reasons read "(erased)")."""

    decision: Decision
    recorded_at: str
    caller: str
    overrides: list[Override]
    closed: Closing | None
    erased: bool
    payload_sha256: str | None = None  # where the referral it decided is kept (Cases.referral reads it)

    @property
    def current_route(self) -> str:
        """The route as it stands: the latest override's, else the decision's."""
        return self.overrides[-1].route if self.overrides else self.decision.route

    @property
    def current_team(self) -> str:
        """The team the case stands with now (an override records the locality it moves to)."""
        if self.overrides:
            return team_of(self.overrides[-1].route, self.overrides[-1].locality)
        return team_of(self.decision.route, self.decision.locality)

    @classmethod
    def of(cls, events: list[AuditEvent]) -> CaseHistory:
        """From a decision's events (its own first); UnreadableDecision if the decision cannot be read."""
        first, *later = events
        decision = decision_in(first.body)
        if decision is None:
            raise UnreadableDecision(
                f"decision {first.decision_id!r} was recorded in a form this version of "
                "triage cannot read; the audit log keeps it as it was"
            )
        return cls(
            decision,
            first.recorded_at,
            str(first.body.get("caller", "")),
            [Override.of(e) for e in later if e.kind == "override"],
            next((Closing.of(e) for e in later if e.kind == "closed"), None),
            first.erased,
            sha if isinstance(sha := first.body.get("payload_sha256"), str) else None,
        )
