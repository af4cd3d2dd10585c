"""Families, for the front door team alone (``Permission.FIND_FAMILIES``): search people, read a
household's record, see the families a referral may already be known as, and confirm or refuse a
link. Partners, policy leads and auditors get 403 and never see a name.

Nothing here is logged beyond the request line every route gets (route template, status): never
the search text, which holds names and dates of birth.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from triage.access import ApiKey
from triage.api.bodies import json_body, json_request, validated
from triage.api.deps import FamilyFinder, Shared
from triage.api.household_schemas import (
    HouseholdOut,
    LinkOutcome,
    LinkRequest,
    Matches,
    MatchOut,
    ReReferralOut,
    SearchHit,
    SearchResults,
)
from triage.api.problems import ApiProblem, problem_responses
from triage.api.routes.decisions import DecisionId
from triage.audit import UnknownDecision
from triage.cases.service import InvalidChange
from triage.households.links import UnknownHousehold
from triage.households.service import SEARCH_TEXT_LIMIT, search_refused
from triage.intake import FieldError
from triage.services import Services

router = APIRouter(tags=["households"])
HouseholdId = Annotated[
    str,
    Path(
        pattern=r"^[Hh]-[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{8}$",
        description="A household id: H- and 8 characters of Crockford's base32 (any case).",
    ),
]
SearchText = Annotated[
    str,
    Query(
        min_length=1,
        max_length=SEARCH_TEXT_LIMIT,
        description="A name (fuzzy, any order, nicknames), a date of birth (2014-03-02 or 2/3/2014, day "
        "first), a postcode or district, an NHS number, a UPN, a referral id or a household id, or "
        "several at once (`Khan 01/06/2015`).",
    ),
]
_LINKED = {
    "description": "The verdict recorded in the audit log",
    "headers": {
        "Location": {
            "description": "The household (a link confirmed) or the referral's matches (one rejected)",
            "schema": {"type": "string"},
        }
    },
}


def _known(shared: Services, decision_id: str) -> None:
    """404 unless a decision has this id (the front door reads every partner's)."""
    try:
        shared.store.queries.decision_event(decision_id)
    except UnknownDecision:
        raise ApiProblem(404, f"no decision {decision_id!r}") from None


@router.get("/v1/search", response_model=SearchResults, responses=problem_responses(401, 403, 422))
def search(q: SearchText, _: FamilyFinder, shared: Shared) -> SearchResults:
    """The people (and referrals) a front door search finds, best first, with each one's score and
    reasons, the household they are in and whether their referral is still open."""
    refused = search_refused(q)
    if refused is not None:
        raise ApiProblem(422, "the search is invalid", [FieldError("q", refused)])
    return SearchResults(items=[SearchHit.of(found) for found in shared.households.search(q)])


@router.get(
    "/v1/households/{household_id}", response_model=HouseholdOut, responses=problem_responses(401, 403, 404, 422)
)
def household(household_id: HouseholdId, _: FamilyFinder, shared: Shared) -> HouseholdOut:
    """A household's record: its people (each once, with their age today), every referral with its
    route, priority and team, each override, closing and link (who, and the evidence), who
    referred and how to reach them, and its address. An id merged into another household answers
    with that household (``household_id``; ``merged`` is true)."""
    door = shared.front_door
    try:
        record = shared.households.household(household_id, door.library.today(door.clock()))
    except UnknownHousehold:
        raise ApiProblem(404, f"no household {household_id!r}") from None
    return HouseholdOut.of(record, household_id)


@router.get(
    "/v1/decisions/{decision_id}/matches",
    response_model=Matches,
    responses=problem_responses(401, 403, 404, 422),
)
def matches(decision_id: DecisionId, _: FamilyFinder, shared: Shared) -> Matches:
    """The earlier families this referral may be, strongest first (not its own household, nor one
    a worker has said it is not), the household it is linked into, and, if it is, how often that
    household was referred in the ruleset's re-referral window (``households.re_referral_months``
    of the ruleset in force today)."""
    families = shared.households
    try:
        found = families.matches(decision_id)
    except UnknownDecision:
        raise ApiProblem(404, f"no decision {decision_id!r}") from None
    months = shared.front_door.in_force_today.policy.rules.households.re_referral_months
    flag = families.referred_before([decision_id], months).get(decision_id)
    return Matches(
        decision_id=decision_id,
        household_id=families.household_of(decision_id),
        referred_before=ReReferralOut.of(flag) if flag else None,
        matches=[MatchOut.of(match) for match in found],
    )


@router.post(
    "/v1/decisions/{decision_id}/links",
    status_code=201,
    response_model=LinkOutcome,
    openapi_extra=json_request("LinkRequest"),
    responses={201: _LINKED, **problem_responses(400, 401, 403, 404, 413, 415, 422)},
)
def link(
    decision_id: DecisionId, key: FamilyFinder, shared: Shared, data: Annotated[Any, Depends(json_body)]
) -> JSONResponse:
    """Confirm that this referral is the family ``target`` holds (a household id, or an earlier
    referral's decision id), or reject it so it is not proposed again. Recorded in the audit log
    with who (the API key's holder) and the evidence shown; a reason is required to reject, and to
    confirm a family matching did not propose. Linking two households joins them under the older id.
    ``undo`` takes the referral out of the household ``target`` it was linked into by mistake."""
    wanted = validated(LinkRequest, data)
    _known(shared, decision_id)
    try:
        outcome = _verdict(shared, decision_id, wanted, key)
    except InvalidChange as error:
        raise ApiProblem(422, "the link is invalid", [FieldError(error.field, error.reason)]) from None
    except UnknownHousehold:
        detail = f"no household {wanted.target!r}"
        raise ApiProblem(404, detail, [FieldError("target", detail)]) from None
    location = (
        f"/v1/households/{outcome.household_id}" if outcome.household_id else f"/v1/decisions/{decision_id}/matches"
    )
    return JSONResponse(outcome.model_dump(mode="json"), status_code=201, headers={"Location": location})


def _verdict(shared: Services, decision_id: str, wanted: LinkRequest, key: ApiKey) -> LinkOutcome:
    families = shared.households
    if wanted.verdict == "confirm":
        return LinkOutcome.confirmed(families.confirm(decision_id, wanted.target, key.name, wanted.reason))
    if wanted.verdict == "undo":
        return LinkOutcome.undone(families.unlink(decision_id, key.name, wanted.reason, wanted.target))
    return LinkOutcome.rejected(families.reject(decision_id, wanted.target, key.name, wanted.reason))
