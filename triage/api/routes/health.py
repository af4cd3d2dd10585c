"""Liveness and readiness, for load balancers and orchestrators: no key needed, nothing personal."""

from __future__ import annotations

from fastapi import APIRouter

from triage.api.problems import ApiProblem, problem_responses
from triage.api.schemas import Liveness, Readiness, RulesetsToday
from triage.db.migrate import HEAD, current_revision
from triage.services import Shared

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Liveness)
def healthz() -> Liveness:
    """The process is up and answering."""
    return Liveness(status="ok")


@router.get("/readyz", response_model=Readiness, responses=problem_responses(503))
def readyz(shared: Shared) -> Readiness:
    """Rules loaded and the database reachable at the current schema: ready to decide and record.
    Names the ruleset version in force today (Europe/London) and those scheduled to take effect later."""
    try:
        at_head = current_revision(shared.store.db) == HEAD
    except Exception:  # noqa: BLE001 - unreachable database, whatever the driver's error
        at_head = False
    if not at_head:
        raise ApiProblem(503, "the audit database is unreachable or not at the current schema")
    return Readiness(status="ready", database="ok", **RulesetsToday.of(shared.front_door.library))
