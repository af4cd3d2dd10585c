"""The cases service: override a decision's route, close its case, read its history, the queue of
open cases and each team's load. The one place the CLI, the API and the web pages change a case.

Every change is an event in the audit log, appended under its lock after checking (again, under
the lock) that the case is still open: two people closing at once close it once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from triage.audit.errors import CaseClosed
from triage.audit.events import AuditEvent, Unreadable
from triage.audit.personal import Split, split_note
from triage.cases.history import CaseHistory, Closing, Override
from triage.cases.teams import team_of
from triage.db import tables
from triage.models import Decision
from triage.rulebook import Policy

if TYPE_CHECKING:
    from triage.audit.store import AuditStore


class InvalidChange(ValueError):
    """A change that cannot be made as asked: which field, and why (the message reads "field: why")."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class QueuedCase:
    """An open case in the queue: its decision, the team it stands with now, and whether an
    override moved it there."""

    decision: Decision
    team: str
    overridden: bool


class Cases:
    """The cases of one audit store; safe to share between threads."""

    def __init__(self, audit: AuditStore) -> None:
        self.audit = audit

    def history(self, decision_id: str) -> CaseHistory:
        """A decision and what was done with it since (UnknownDecision, UnreadableDecision)."""
        return CaseHistory.of(self.audit.queries.history(decision_id))

    def referral(self, case: CaseHistory) -> dict[str, Any] | None:
        """The referral a case's decision decided, as referred (names included), or None once
        purged. Read only where front door staff see it: the API's case calls never need it."""
        return self.audit.queries.payload(case.payload_sha256) if case.payload_sha256 else None

    def override(self, decision_id: str, route: str, reason: str, by: str, policy: Policy) -> Override:
        """Record a practitioner's new route for a decision; the decision event is never changed.

        ``route`` must be a service of ``policy``'s catalogue (the ruleset in force); an override to
        a service that works by locality (MAST) records the household's locality, read from the
        referral's postcode, so the work lands on the right team. ``previous_route`` is the route
        as it stood. InvalidChange for a route, reason or author that will not do; CaseClosed once
        the case is closed. The reason is free text, so it is kept apart from the chain.
        """
        check_route(route, policy)
        _require("reason", reason, "a reason is required for an override")
        _require("by", by, "the practitioner's identity is required")
        original = self._changeable(decision_id)
        body: dict[str, Any] = {"overrides_decision": decision_id, "route": route, "reason": reason, "by": by}
        locality = self._household_locality(original, route, policy)
        if locality is not None:
            body["locality"] = locality

        def as_it_stands(conn: Connection) -> dict[str, Any]:
            _refuse_if_closed(conn, decision_id)
            standing = self.audit.queries.latest_overrides([decision_id]).get(decision_id)
            return {**body, "previous_route": standing["route"] if standing else original.body["decision"]["route"]}

        return Override.of(self._append("override", original, as_it_stands))

    def close(self, decision_id: str, reason: str, by: str) -> Closing:
        """Record that the front door has finished with a decision (the family is with the service,
        or nothing more is needed): it leaves the queue and the team load. The decision and its
        overrides stay in the log as they were; CaseClosed if it was closed before."""
        _require("reason", reason, "a reason is required to close a case")
        _require("by", by, "the practitioner's identity is required")
        original = self._changeable(decision_id)
        body = {"closes_decision": decision_id, "reason": reason, "by": by}

        def still_open(conn: Connection) -> dict[str, Any]:
            _refuse_if_closed(conn, decision_id)
            return body

        return Closing.of(self._append("closed", original, still_open))

    def queue(
        self,
        route: str | None = None,
        locality: str | None = None,
        priority: str | None = None,
        limit: int = 200,
        unreadable: Unreadable | None = None,
    ) -> list[QueuedCase]:
        """Open cases by respond-by date, then the order decided, each with the team it stands with
        now. Filters apply to the route as decided."""
        decisions = self.audit.queries.open_decisions(route, locality, priority, limit, unreadable)
        moved = self.audit.queries.latest_overrides([d.decision_id for d in decisions])
        return [
            QueuedCase(d, _team(moved.get(d.decision_id), d.route, d.locality), d.decision_id in moved)
            for d in decisions
        ]

    def team_load(self) -> dict[str, int]:
        """Open cases per team as they stand (after overrides)."""
        moved = self.audit.queries.latest_overrides(None)
        load: dict[str, int] = {}
        for decision_id, route, locality in self.audit.queries.open_routes():
            team = _team(moved.get(decision_id), route, locality)
            load[team] = load.get(team, 0) + 1
        return load

    def _changeable(self, decision_id: str) -> AuditEvent:
        """The decision event, if its case may still be changed (not once retention erased its details)."""
        original = self.audit.queries.decision_event(decision_id)
        if original.erased or original.referral_id is None:
            raise CaseClosed(
                f"decision {decision_id} is past retention: its details were erased, "
                "so its case is not changed any more"
            )
        return original

    def _append(self, kind: str, original: AuditEvent, build: Callable[[Connection], dict[str, Any]]) -> AuditEvent:
        """Append a change to the decision's case; its free-text reason kept apart from the chain."""
        referral_id = original.referral_id
        assert referral_id is not None  # _changeable made sure

        def note(conn: Connection) -> Split:
            return split_note(build(conn), referral_id, uuid.uuid4().hex)

        return self.audit.log.append(kind, referral_id, original.decision_id, note)

    def _household_locality(self, decided: AuditEvent, route: str, policy: Policy) -> str | None:
        if not policy.serves_by_locality(route):
            return None
        payload = self.audit.queries.payload(decided.body["payload_sha256"])
        postcode = ((payload or {}).get("household") or {}).get("postcode")
        if isinstance(postcode, str):
            return policy.locality_of(postcode)
        return decided.body["decision"].get("locality")  # the payload purged: the locality decided, if any


def check_route(route: str, policy: Policy) -> None:
    """InvalidChange unless ``route`` is a service of the policy's catalogue (an override's route)."""
    services = sorted(service.id for service in policy.catalogue.services)
    if route not in services:
        raise InvalidChange("route", f"unknown service {route!r}; expected one of: {', '.join(services)}")


def _team(standing: dict[str, Any] | None, route: str, locality: str | None) -> str:
    return team_of(standing["route"], standing.get("locality")) if standing else team_of(route, locality)


def _require(field: str, value: str, why: str) -> None:
    if not value.strip():
        raise InvalidChange(field, why)


def _refuse_if_closed(conn: Connection, decision_id: str) -> None:
    """CaseClosed if the decision's case was closed: a closed case is not changed any more."""
    events = tables.events.c
    if conn.execute(select(events.seq).where(events.kind == "closed", events.decision_id == decision_id)).first():
        raise CaseClosed(f"decision {decision_id} was closed before; its case is not changed any more")
