"""The queue: open cases by respond-by date, overdue and due today marked, families referred again
flagged (for front door staff), and each team's load against what it can hold."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from triage.access import Permission, allowed
from triage.access.staff import StaffUser
from triage.audit.events import Unreadable
from triage.cases.service import QueuedCase
from triage.cases.teams import capacity
from triage.services import Services, Shared
from triage.web import words
from triage.web.deps import Staff
from triage.web.rendering import page

router = APIRouter(include_in_schema=False)

QUEUE_LIMIT = 200


def _due(respond_by: date, today: date) -> str | None:
    return "overdue" if respond_by < today else "today" if respond_by == today else None


def _flags(shared: Services, user: StaffUser, cases: list[QueuedCase]) -> dict[str, str]:
    """decision id -> "Referred 3 times in 12 months" (or "Another open case") for the rows shown
    whose household was referred again: one question for them all. Front door staff only: other
    roles never see which referrals are one family's."""
    if not allowed(user.role, Permission.FIND_FAMILIES):
        return {}
    months = shared.front_door.in_force_today.policy.rules.households.re_referral_months
    flagged = shared.households.referred_before([c.decision.decision_id for c in cases], months)
    return {
        decision_id: words.times_referred(flag) or "Another open case"
        for decision_id, flag in flagged.items()
        if flag.flagged
    }


@router.get("/queue")
def queue(
    request: Request, shared: Shared, user: Staff, route: str = "", locality: str = "", priority: str = ""
) -> HTMLResponse:
    """Decisions by respond-by date, overdue and due today marked in words as well as colour."""
    policy = shared.front_door.in_force_today.policy
    today, unreadable = shared.front_door.library.today(datetime.now(UTC)), Unreadable()
    cases = shared.cases.queue(route or None, locality or None, priority or None, QUEUE_LIMIT, unreadable)
    flags = _flags(shared, user, cases)
    rows = [
        {
            "decision_id": case.decision.decision_id,
            "referral_id": case.decision.referral_id,
            "respond_by": case.decision.respond_by.isoformat(),
            "due": _due(case.decision.respond_by, today),
            "priority": case.decision.priority,
            "overridden": case.overridden,
            "team": case.team,
            "flag": flags.get(case.decision.decision_id),
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
