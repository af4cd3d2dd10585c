"""The queue: open cases by respond-by date, overdue and due today marked, and each team's load
against what it can hold."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from triage.audit.events import Unreadable
from triage.cases.teams import capacity
from triage.services import Shared
from triage.web.deps import Staff
from triage.web.rendering import page

router = APIRouter(include_in_schema=False)

QUEUE_LIMIT = 200


def _due(respond_by: date, today: date) -> str | None:
    return "overdue" if respond_by < today else "today" if respond_by == today else None


@router.get("/queue")
def queue(
    request: Request, shared: Shared, user: Staff, route: str = "", locality: str = "", priority: str = ""
) -> HTMLResponse:
    """Decisions by respond-by date, overdue and due today marked in words as well as colour."""
    policy = shared.front_door.in_force_today.policy
    today, unreadable = shared.front_door.library.today(datetime.now(UTC)), Unreadable()
    cases = shared.cases.queue(route or None, locality or None, priority or None, QUEUE_LIMIT, unreadable)
    rows = [
        {
            "decision_id": case.decision.decision_id,
            "referral_id": case.decision.referral_id,
            "respond_by": case.decision.respond_by.isoformat(),
            "due": _due(case.decision.respond_by, today),
            "priority": case.decision.priority,
            "overridden": case.overridden,
            "team": case.team,
        }
        for case in cases
    ]
    held = capacity(policy)
    load = [(team, count, held.get(team)) for team, count in sorted(shared.cases.team_load().items())]
    filters = [
        ("route", "Route", [(s.id, s.name) for s in policy.catalogue.services]),
        ("locality", "Locality", [(loc.id, loc.name) for loc in policy.catalogue.localities]),
        ("priority", "Priority", [(p.id, p.label) for p in policy.rules.priorities]),
    ]
    return page(
        request,
        shared,
        "queue.html.j2",
        "Queue",
        user=user,
        rows=rows,
        load=load,
        filters=filters,
        limit=QUEUE_LIMIT,
        unreadable=unreadable.note(),
        chosen={"route": route, "locality": locality, "priority": priority},
    )
