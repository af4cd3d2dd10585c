"""Reading decisions, their history, overriding them and closing their case (the decision itself
never changes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from triage.access import ApiKey, Permission
from triage.api.bodies import json_body, json_request, validated
from triage.api.problems import ApiProblem, problem_responses
from triage.api.schemas import (ClosedRecord, CloseRequest, DecisionHistory, DecisionPage, IsoDay, OverrideRecord,
                                OverrideRequest)
from triage.api.security import may_read_all, require
from triage.api.services import Services, services
from triage.audit import AuditEvent, CaseClosed, UnknownDecision
from triage.audit.events import DecisionQuery, decision_in
from triage.intake import FieldError
from triage.models import Decision

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])
Reader = Annotated[ApiKey, Depends(require(Permission.READ_OWN))]
Overrider = Annotated[ApiKey, Depends(require(Permission.OVERRIDE))]
Shared = Annotated[Services, Depends(services)]
DecisionId = Annotated[str, Path(min_length=1, max_length=64)]
Text64 = Annotated[str | None, Query(min_length=1, max_length=64)]
PAGE_LIMIT = 200


def _visible(event: AuditEvent, key: ApiKey) -> bool:
    """A partner sees only the decisions it submitted; the other roles see all."""
    return may_read_all(key) or event.body.get("caller") == key.name


def _history(shared: Services, decision_id: str, key: ApiKey) -> list[AuditEvent]:
    """The decision's events; 404 when unknown or not this caller's to see (the same answer, so a
    partner cannot learn that someone else's decision exists)."""
    try:
        history = shared.store.history(decision_id)
    except UnknownDecision:
        history = []
    if not history or not _visible(history[0], key):
        raise ApiProblem(404, f"no decision {decision_id!r} that this API key may read")
    return history


def _decision(event: AuditEvent) -> Decision:
    """The recorded decision; a problem (500) naming it if it was recorded in a form this version
    cannot read (the log is append-only: such a record stays as it was written)."""
    decision = decision_in(event.body)
    if decision is None:
        raise ApiProblem(500, f"decision {event.decision_id!r} was recorded in a form this version of triage "
                              "cannot read; the audit log keeps it as it was")
    return decision


def _override_record(event: AuditEvent) -> OverrideRecord:
    body = event.body
    return OverrideRecord(seq=event.seq, recorded_at=event.recorded_at, decision_id=body["overrides_decision"],
                          route=body["route"], previous_route=body["previous_route"], reason=body["reason"],
                          by=body["by"])


def _closed_record(event: AuditEvent) -> ClosedRecord:
    """A ``closed`` event as the API shows it."""
    return ClosedRecord(seq=event.seq, recorded_at=event.recorded_at, decision_id=event.body["closes_decision"],
                        reason=event.body["reason"], by=event.body["by"])


@router.get("/{decision_id}", response_model=Decision, responses=problem_responses(401, 403, 404, 422, 500))
def get_decision(decision_id: DecisionId, key: Reader, shared: Shared) -> Decision:
    """A decision exactly as recorded (overrides are in its history)."""
    return _decision(_history(shared, decision_id, key)[0])


@router.get("/{decision_id}/history", response_model=DecisionHistory,
            responses=problem_responses(401, 403, 404, 422, 500))
def get_history(decision_id: DecisionId, key: Reader, shared: Shared) -> DecisionHistory:
    """The decision, every override of it with who and why, the route it stands at now, and its
    closing when the front door has finished with it."""
    first, *later = _history(shared, decision_id, key)
    decision = _decision(first)
    overrides = [_override_record(event) for event in later if event.kind == "override"]
    closed = next((_closed_record(event) for event in later if event.kind == "closed"), None)
    return DecisionHistory(decision=decision, recorded_at=first.recorded_at, caller=first.body.get("caller", ""),
                           overrides=overrides, closed=closed,
                           current_route=overrides[-1].route if overrides else decision.route)


@router.get("", response_model=DecisionPage, responses=problem_responses(401, 403, 422))
def list_decisions(
    request: Request, key: Reader, shared: Shared,
    referral_id: Text64 = None, route: Text64 = None, priority: Text64 = None, locality: Text64 = None,
    since: Annotated[IsoDay | None, Query(description="Decided on or after this UTC day (YYYY-MM-DD).")] = None,
    until: Annotated[IsoDay | None, Query(description="Decided on or before this UTC day (YYYY-MM-DD).")] = None,
    after: Annotated[int, Query(ge=0, le=2**62, description="Cursor: the page after this event (from `next`).")] = 0,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 50,
) -> DecisionPage:
    """Decisions in the order recorded, filtered; partners see only their own."""
    caller = None if may_read_all(key) else key.name
    query = DecisionQuery(caller=caller, referral_id=referral_id, route=route, priority=priority, locality=locality,
                          since=since, until=until, after=after, limit=limit)
    found = shared.store.find_decisions(query)
    next_page = (str(request.url.include_query_params(after=found[-1].seq)) if len(found) == limit else None)
    read = [decision_in(event.body) for event in found]
    items = [decision for decision in read if decision is not None]
    return DecisionPage(items=items, next=next_page, unreadable=len(read) - len(items))


@router.post("/{decision_id}/override", status_code=201, response_model=OverrideRecord,
             openapi_extra=json_request("OverrideRequest"),
             responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422))
def override_decision(decision_id: DecisionId, key: Overrider, shared: Shared,
                      data: Annotated[Any, Depends(json_body)]) -> JSONResponse:
    """Record a practitioner's new route with their reason; the decision event is never changed.

    The overrider is the API key's holder (its name), as recorded in the audit log. A closed case
    is not changed any more (409).
    """
    wanted = validated(OverrideRequest, data)
    services_known = {service.id for service in shared.front_door.current.rulebook.catalogue.services}
    if wanted.route not in services_known:
        raise ApiProblem(422, "the override is invalid", [FieldError(
            "route", f"unknown service {wanted.route!r}; expected one of: {', '.join(sorted(services_known))}")])
    _history(shared, decision_id, key)
    try:
        event = shared.store.override(decision_id, wanted.route, wanted.reason, key.name,
                                      shared.front_door.current.rulebook)
    except CaseClosed as error:
        raise ApiProblem(409, str(error)) from None
    record = _override_record(event)
    return JSONResponse(record.model_dump(), status_code=201,
                        headers={"Location": f"/v1/decisions/{decision_id}/history"})


@router.post("/{decision_id}/close", status_code=201, response_model=ClosedRecord,
             openapi_extra=json_request("CloseRequest"),
             responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422))
def close_case(decision_id: DecisionId, key: Overrider, shared: Shared,
               data: Annotated[Any, Depends(json_body)]) -> JSONResponse:
    """Close the decision's case: the front door has finished with it, so it leaves the queue and
    the team load. Recorded with who and why; a case is closed once (409 after that)."""
    wanted = validated(CloseRequest, data)
    _history(shared, decision_id, key)
    try:
        event = shared.store.close(decision_id, wanted.reason, key.name)
    except CaseClosed as error:
        raise ApiProblem(409, str(error)) from None
    return JSONResponse(_closed_record(event).model_dump(), status_code=201,
                        headers={"Location": f"/v1/decisions/{decision_id}/history"})
