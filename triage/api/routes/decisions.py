"""Reading decisions, their history, overriding them and closing their case (the decision itself
never changes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from triage.access import ApiKey
from triage.api.bodies import json_body, json_request, validated
from triage.api.deps import Overrider, Reader, Shared, may_read_all
from triage.api.problems import ApiProblem, problem_responses
from triage.api.schemas import (
    ClosedRecord,
    CloseRequest,
    DecisionHistory,
    DecisionPage,
    IsoDay,
    OverrideRecord,
    OverrideRequest,
)
from triage.audit import CaseClosed, UnknownDecision
from triage.audit.events import DecisionQuery, decision_in
from triage.cases.history import CaseHistory, UnreadableDecision
from triage.cases.service import InvalidChange
from triage.characters import ONE_LINE
from triage.intake import FieldError
from triage.models import Decision
from triage.services import Services

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])
# ONE_LINE: PostgreSQL refuses NUL in a query's text, so such an id is a 422 naming it, never a 500
DecisionId = Annotated[str, Path(min_length=1, max_length=64), ONE_LINE]
Text64 = Annotated[str | None, Query(min_length=1, max_length=64), ONE_LINE]
PAGE_LIMIT = 200


def _case(shared: Services, decision_id: str, key: ApiKey) -> CaseHistory:
    """The decision's case; 404 when unknown or not this caller's to see (the same answer, so a
    partner cannot learn that someone else's decision exists); 500 naming it if it was recorded in
    a form this version cannot read (the log is append-only: it stays as it was written)."""
    try:
        case = shared.cases.history(decision_id)
    except UnknownDecision:
        case = None
    except UnreadableDecision as error:
        raise ApiProblem(500, str(error)) from None
    if case is None or not (may_read_all(key) or case.caller == key.name):
        raise ApiProblem(404, f"no decision {decision_id!r} that this API key may read")
    return case


@router.get("/{decision_id}", response_model=Decision, responses=problem_responses(401, 403, 404, 422, 500))
def get_decision(decision_id: DecisionId, key: Reader, shared: Shared) -> Decision:
    """A decision exactly as recorded (overrides are in its history)."""
    return _case(shared, decision_id, key).decision


@router.get(
    "/{decision_id}/history", response_model=DecisionHistory, responses=problem_responses(401, 403, 404, 422, 500)
)
def get_history(decision_id: DecisionId, key: Reader, shared: Shared) -> DecisionHistory:
    """The decision, every override of it with who and why, the route it stands at now, and its
    closing when the front door has finished with it."""
    case = _case(shared, decision_id, key)
    return DecisionHistory(
        decision=case.decision,
        recorded_at=case.recorded_at,
        caller=case.caller,
        overrides=[OverrideRecord.of(o) for o in case.overrides],
        closed=ClosedRecord.of(case.closed) if case.closed else None,
        current_route=case.current_route,
    )


@router.get("", response_model=DecisionPage, responses=problem_responses(401, 403, 422))
def list_decisions(
    request: Request,
    key: Reader,
    shared: Shared,
    referral_id: Text64 = None,
    route: Text64 = None,
    priority: Text64 = None,
    locality: Text64 = None,
    since: Annotated[IsoDay | None, Query(description="Decided on or after this UTC day (YYYY-MM-DD).")] = None,
    until: Annotated[IsoDay | None, Query(description="Decided on or before this UTC day (YYYY-MM-DD).")] = None,
    after: Annotated[int, Query(ge=0, le=2**62, description="Cursor: the page after this event (from `next`).")] = 0,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 50,
) -> DecisionPage:
    """Decisions in the order recorded, filtered; partners see only their own."""
    caller = None if may_read_all(key) else key.name
    query = DecisionQuery(
        caller=caller,
        referral_id=referral_id,
        route=route,
        priority=priority,
        locality=locality,
        since=since,
        until=until,
        after=after,
        limit=limit,
    )
    found = shared.store.queries.find_decisions(query)
    next_page = str(request.url.include_query_params(after=found[-1].seq)) if len(found) == limit else None
    read = [decision_in(event.body) for event in found]
    items = [decision for decision in read if decision is not None]
    return DecisionPage(items=items, next=next_page, unreadable=len(read) - len(items))


@router.post(
    "/{decision_id}/override",
    status_code=201,
    response_model=OverrideRecord,
    openapi_extra=json_request("OverrideRequest"),
    responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422),
)
def override_decision(
    decision_id: DecisionId, key: Overrider, shared: Shared, data: Annotated[Any, Depends(json_body)]
) -> JSONResponse:
    """Record a practitioner's new route with their reason; the decision event is never changed.

    The overrider is the API key's holder (its name), as recorded in the audit log. A closed case
    is not changed any more (409).
    """
    wanted = validated(OverrideRequest, data)
    _case(shared, decision_id, key)
    try:
        override = shared.cases.override(
            decision_id, wanted.route, wanted.reason, key.name, shared.front_door.in_force_today.policy
        )
    except InvalidChange as error:
        raise ApiProblem(422, "the override is invalid", [FieldError(error.field, error.reason)]) from None
    except CaseClosed as error:
        raise ApiProblem(409, str(error)) from None
    return JSONResponse(
        OverrideRecord.of(override).model_dump(),
        status_code=201,
        headers={"Location": f"/v1/decisions/{decision_id}/history"},
    )


@router.post(
    "/{decision_id}/close",
    status_code=201,
    response_model=ClosedRecord,
    openapi_extra=json_request("CloseRequest"),
    responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422),
)
def close_case(
    decision_id: DecisionId, key: Overrider, shared: Shared, data: Annotated[Any, Depends(json_body)]
) -> JSONResponse:
    """Close the decision's case: the front door has finished with it, so it leaves the queue and
    the team load. Recorded with who and why; a case is closed once (409 after that)."""
    wanted = validated(CloseRequest, data)
    _case(shared, decision_id, key)
    try:
        closing = shared.cases.close(decision_id, wanted.reason, key.name)
    except InvalidChange as error:
        raise ApiProblem(422, "the closing is invalid", [FieldError(error.field, error.reason)]) from None
    except CaseClosed as error:
        raise ApiProblem(409, str(error)) from None
    return JSONResponse(
        ClosedRecord.of(closing).model_dump(),
        status_code=201,
        headers={"Location": f"/v1/decisions/{decision_id}/history"},
    )
