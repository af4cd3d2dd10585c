"""The audit log over HTTP, for auditors: verify the chain, read the events (never the payloads)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from triage.api.deps import Auditor, Shared
from triage.api.problems import problem_responses
from triage.api.schemas import AuditEventOut, AuditEventPage, VerificationOut
from triage.audit.checkpoints import CheckpointProblem, load_checkpoints
from triage.households.integrity import households_problem
from triage.report import export_record

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/verify", response_model=VerificationOut, responses=problem_responses(401, 403))
def verify(_: Auditor, shared: Shared) -> VerificationOut:
    """Check the whole log as ``triage audit verify`` does (the chain, everything it references, the
    server's checkpoints); ``ok`` is false, naming the first bad event, after tampering."""
    settings = shared.settings
    try:
        heads = load_checkpoints(settings.checkpoint_path, settings.checkpoint_key_path)
    except CheckpointProblem as problem:
        why = (
            ("the server's checkpoint key is missing or unsafe: run `triage audit verify` on the server for details")
            if problem.names_server_paths
            else str(problem)
        )
        return VerificationOut(events=0, ok=False, first_bad_seq=None, problem=why)
    result = shared.store.log.verify(heads)
    if result.ok:
        with shared.store.db.connect() as conn:
            if mismatch := households_problem(conn):
                return VerificationOut(events=result.events, ok=False, first_bad_seq=None, problem=mismatch)
    return VerificationOut(
        events=result.events,
        ok=result.ok,
        first_bad_seq=result.first_bad_seq,
        problem=result.problem,
        checkpoints=result.checkpoints,
    )


@router.get("/events", response_model=AuditEventPage, responses=problem_responses(401, 403, 422))
def events(
    request: Request,
    _: Auditor,
    shared: Shared,
    after: Annotated[int, Query(ge=0, le=2**62, description="Cursor: events after this seq.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditEventPage:
    """Events in chain order as exported by ``triage audit export``: decisions, overrides, ruleset loads."""
    found = shared.store.queries.events_page(after, limit)
    next_page = str(request.url.include_query_params(after=found[-1].seq)) if len(found) == limit else None
    return AuditEventPage(items=[AuditEventOut(**export_record(event)) for event in found], next=next_page)
