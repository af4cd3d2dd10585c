"""Cost-benefit of key working: for the families the front door decided, or for a scenario."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from triage.api.bodies import json_body, json_request, validated
from triage.api.deps import Appraiser, Shared
from triage.api.problems import ApiProblem, problem_responses
from triage.costs.appraisal import NothingToAppraise, TooFewDraws, appraise_cohort
from triage.costs.cohort import Cohort, Scenario, audit_cohort, unknown_names
from triage.costs.loader import CostDataInvalid, load_cost_data
from triage.intake import FieldError
from triage.services import Services

router = APIRouter(prefix="/v1", tags=["costs"])
# each draw re-runs the model (about 1.5 ms): 5,000 keeps one request under about 10 s
Draws = Annotated[
    int | None,
    Query(ge=0, le=5_000, description="Monte Carlo draws (0: none, else at least 10); default from the cost data."),
]


def _appraise(shared: Services, cohort: Cohort, draws: int | None, scenario: bool) -> dict[str, Any]:
    """The report, on the ruleset in force today (its problems, routes and service costs)."""
    policy = shared.front_door.in_force_today.policy
    try:
        return appraise_cohort(load_cost_data(policy, shared.settings.cost_data_dir), cohort, policy, draws)
    except CostDataInvalid as error:  # the server's data files, not the caller's request
        raise ApiProblem(
            500, "the cost-benefit data on this server is invalid: " + "; ".join(map(str, error.problems))
        ) from None
    except TooFewDraws as error:
        raise ApiProblem(
            422, "the draws asked for are too few", [FieldError("draws", str(error).split(": ", 1)[1])]
        ) from None
    except NothingToAppraise as error:  # a scenario (POST) asked for it; the audit log (GET) just has none
        raise ApiProblem(422 if scenario else 404, str(error)) from None


@router.get("/costs", response_model=dict[str, Any], responses=problem_responses(401, 403, 404, 422))
def appraise_decisions(
    _: Appraiser, shared: Shared, since: date | None = None, until: date | None = None, draws: Draws = None
) -> dict[str, Any]:
    """The cost-benefit of key working for the families decided between two UTC days (inclusive),
    each on its route as it stands (overrides applied), as ``triage costs --cohort audit --json``:
    costs and fiscal benefits by agency, present values, benefit-cost ratios, payback, a funding
    proposal in proportion to fiscal benefit, one-way sensitivity and a seeded Monte Carlo. 404 when
    no family was decided in the period, or none of them went to key working (BSF or MAST)."""
    cohort = audit_cohort(shared.store, since, until)
    if not cohort.families:
        left_out = f" ({cohort.unreadable_note})" if cohort.unreadable_note else ""
        raise ApiProblem(404, f"no decisions were recorded in that period{left_out}")
    return _appraise(shared, cohort, draws, scenario=False)


@router.post(
    "/costs",
    response_model=dict[str, Any],
    openapi_extra=json_request("Scenario"),
    responses=problem_responses(400, 401, 403, 413, 415, 422),
)
def appraise_scenario(
    _: Appraiser, shared: Shared, data: Annotated[Any, Depends(json_body)], draws: Draws = None
) -> dict[str, Any]:
    """The cost-benefit of key working for a scenario: groups of families, each with a route and
    the headline problems they share (the ``scenario:`` section of a file in examples/costs/)."""
    scenario = validated(Scenario, data)
    policy = shared.front_door.in_force_today.policy
    mistakes = unknown_names(scenario, policy)
    if mistakes:
        raise ApiProblem(
            422, "the Scenario is invalid", [FieldError(".".join(map(str, where)), why) for where, why in mistakes]
        )
    return _appraise(shared, scenario.cohort(), draws, scenario=True)
