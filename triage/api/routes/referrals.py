"""POST /v1/referrals and /v1/referrals/batch: where a partner's referral enters over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from triage.access import ApiKey, Permission, allowed
from triage.api.bodies import json_body, json_request
from triage.api.deps import Shared, Submitter
from triage.api.problems import ApiProblem, problem, problem_responses
from triage.api.schemas import BATCH_LIMIT, BatchItem, BatchResult
from triage.audit import ReferralConflict
from triage.engine import EngineFailure
from triage.engine.library import NoRulesetInForce, Pin, PinRefused
from triage.front_door import Submitted
from triage.intake import FieldError, InvalidReferral
from triage.models import Decision
from triage.services import Services

log = structlog.get_logger("triage.api")
router = APIRouter(prefix="/v1/referrals", tags=["referrals"])
Body = Annotated[Any, Depends(json_body)]
PinQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        description=(
            "Front door team only: decide with this installed ruleset version instead of the one in force on the day "
            "received. It must have taken effect by the day received (422 otherwise); a partner's key may not pin (403)."
        ),
    ),
]

_REFERRAL_BODY = json_request("Referral")
_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["referrals"],
                    "additionalProperties": False,
                    "properties": {
                        "referrals": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": BATCH_LIMIT,
                            "items": {
                                "description": "A Referral (see its schema). Each is validated on its "
                                "own: a bad one gets its problem in the results, "
                                "the others are still decided."
                            },
                        }
                    },
                }
            }
        },
    }
}


def _agency_refusal(key: ApiKey, data: Any) -> ApiProblem | None:
    """A key issued to one agency may refer only as that agency."""
    if key.agency is None or not isinstance(data, dict) or not isinstance(data.get("referrer"), dict):
        return None  # no agency to hold it to, or a malformed referral that validation will name
    agency = data["referrer"].get("agency")
    if agency is None or agency == key.agency:
        return None  # a missing agency is for validation to name (422)
    return ApiProblem(
        403,
        f"this API key refers for the agency {key.agency!r}, not {agency!r}",
        [FieldError("referrer.agency", f"must be {key.agency!r} for this API key")],
    )


def _pin(key: ApiKey, ruleset: str | None) -> Pin | None:
    """The caller's pinned version, held to versions in force by the day received; 403 for a role
    that may not choose the ruleset (a partner must not pick the policy its referral is decided by)."""
    if ruleset is None:
        return None
    if not allowed(key.role, Permission.PIN_RULESET):
        raise ApiProblem(
            403,
            f"the role {key.role.value!r} may not choose the ruleset version: leave out the "
            "'ruleset' parameter and the version in force on the day received decides",
            [FieldError("ruleset", "only the front door team and policy leads may pin a version")],
        )
    return Pin(ruleset)


def _as_problem(outcome: Exception) -> ApiProblem:
    """The HTTP problem for a referral that was not decided."""
    if isinstance(outcome, ApiProblem):
        return outcome
    if isinstance(outcome, InvalidReferral):
        return ApiProblem(422, "the referral is invalid", outcome.errors)
    if isinstance(outcome, ReferralConflict):
        return ApiProblem(409, str(outcome))
    if isinstance(outcome, PinRefused):
        return ApiProblem(422, str(outcome), [FieldError("ruleset", str(outcome))])
    if isinstance(outcome, NoRulesetInForce):
        return ApiProblem(422, str(outcome))
    # EngineFailure, or a bug: its message may quote the referral, so only its kind is logged
    log.error("referral_not_decided", error=type(outcome).__name__, engine_failure=isinstance(outcome, EngineFailure))
    return ApiProblem(500, "the referral could not be decided; nothing was recorded")


def _submit(shared: Services, key: ApiKey, items: list[Any], ruleset: str | None) -> list[Submitted]:
    """Decide the items this key may send, in one audit transaction; the others get their 403.
    They arrive now, so one received too long ago or in the future is refused (422)."""
    pinned = _pin(key, ruleset)
    refusals = [_agency_refusal(key, data) for data in items]
    decided = iter(
        shared.front_door.submit_many(
            [d for d, r in zip(items, refusals, strict=True) if r is None],
            caller=key.name,
            pinned=pinned,
            arriving=True,
        )
    )
    return [Submitted(refusal) if refusal else next(decided) for refusal in refusals]


@router.post(
    "",
    status_code=201,
    response_model=Decision,
    openapi_extra=_REFERRAL_BODY,
    responses={
        200: {
            "model": Decision,
            "description": "Already decided: the decision recorded for this referral id and payload",
        },
        201: {
            "description": "Decided and recorded",
            "headers": {"Location": {"description": "The decision's URL", "schema": {"type": "string"}}},
        },
        **problem_responses(400, 401, 403, 409, 413, 415, 422, 500),
    },
)
def submit_referral(key: Submitter, shared: Shared, data: Body, ruleset: PinQuery = None) -> Response:
    """Triage one referral and return the decision, recorded in the audit log before it is sent.

    Idempotent per caller: the same referral id with the same payload returns the recorded
    decision (200); with a different payload it is refused (409), since a new referral needs a new id.
    The ruleset version in force on the day received decides (``ruleset_selection`` says so),
    unless the front door team pins an installed version with ``ruleset`` (one that had taken effect
    by the day received).
    """
    [submitted] = _submit(shared, key, [data], ruleset)
    if isinstance(submitted.outcome, Exception):
        raise _as_problem(submitted.outcome)
    decision = submitted.outcome
    return Response(
        decision.model_dump_json(),
        status_code=201 if submitted.new else 200,
        media_type="application/json",
        headers={"Location": f"/v1/decisions/{decision.decision_id}"},
    )


def _batch_item(index: int, submitted: Submitted) -> BatchItem:
    if isinstance(submitted.outcome, Decision):
        return BatchItem(index=index, status=201 if submitted.new else 200, decision=submitted.outcome)
    refusal = _as_problem(submitted.outcome)
    return BatchItem(
        index=index, status=refusal.status, problem=problem(refusal.status, refusal.detail, refusal.errors)
    )


@router.post(
    "/batch",
    response_model=BatchResult,
    openapi_extra=_BATCH_BODY,
    responses=problem_responses(400, 401, 403, 413, 415, 422),
)
def submit_batch(key: Submitter, shared: Shared, data: Body, ruleset: PinQuery = None) -> BatchResult:
    """Triage up to 500 referrals in one call; each gets its own result, in order.

    One bad referral never fails the others: it gets its problem (422, 409 or 403) in its place.
    All the decisions are recorded in one audit transaction before the response is sent.
    """
    if not isinstance(data, dict) or set(data) != {"referrals"} or not isinstance(data["referrals"], list):
        raise ApiProblem(422, 'send {"referrals": [ ... ]}', [FieldError("referrals", "required: a list of referrals")])
    items = data["referrals"]
    if not 1 <= len(items) <= BATCH_LIMIT:
        raise ApiProblem(
            422,
            f"a batch holds 1 to {BATCH_LIMIT} referrals",
            [FieldError("referrals", f"{len(items)} referrals; send 1 to {BATCH_LIMIT}")],
        )
    return BatchResult(results=[_batch_item(i, s) for i, s in enumerate(_submit(shared, key, items, ruleset))])
