"""The pages anyone on the staff may read: home, the agreed definitions and the rules and services
in force today."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from triage.rulebook.conditions import describe
from triage.services import Shared
from triage.web.deps import Staff
from triage.web.rendering import page

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, shared: Shared, user: Staff) -> HTMLResponse:
    return page(request, shared, "home.html.j2", "Home", user=user)


@router.get("/glossary")
def glossary(request: Request, shared: Shared, user: Staff) -> HTMLResponse:
    definitions = [
        {
            "id": d.id,
            "label": d.label,
            "version": d.version,
            "text": d.text,
            "policy_ref": d.policy_ref,
            "test": describe(d.condition) if d.test is not None else None,
        }
        for d in shared.front_door.in_force_today.policy.definitions.definitions
    ]
    return page(request, shared, "glossary.html.j2", "Definitions", user=user, definitions=definitions)


def _when(test: Any) -> str:
    who = getattr(test, "who", None)
    return f"{who}: {describe(test.condition)}" if who else describe(test.condition)


@router.get("/rules")
def rules(request: Request, shared: Shared, user: Staff) -> HTMLResponse:
    policy = shared.front_door.in_force_today.policy
    r = policy.rules
    return page(
        request,
        shared,
        "rules.html.j2",
        "Rules and services",
        user=user,
        rules=r,
        routing=[
            {
                "id": x.id,
                "policy_ref": x.policy_ref,
                "route": x.route,
                "priority": x.priority,
                "when": "otherwise" if x.otherwise else _when(x),
            }
            for x in r.routing
        ],
        problems=[
            {"label": p.label, "indicators": [{"id": i.id, "when": _when(i)} for i in p.indicators]} for p in r.problems
        ],
        points_per_problem=r.need_score.points_per_problem,
        modifiers=[{"id": m.id, "points": m.points, "when": _when(m)} for m in r.need_score.modifiers],
        services=policy.catalogue.services,
        localities=policy.catalogue.localities,
    )
