"""The family section's forms: a front door worker confirms that a referral is a family matching
proposed ("Confirm: this is the same family", with an optional note) or says it is not ("Not the
same family", with a reason), or takes it out of a household it was linked into by mistake. Each is an audit event recorded as the signed-in worker, through the
households service (the same as the API's); then back to the decision page, with a banner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from triage.access.staff import StaffUser
from triage.cases.service import InvalidChange
from triage.households.links import UnknownHousehold
from triage.services import Services, Shared
from triage.web import reasons
from triage.web.decisions import author, case_of, render_decision
from triage.web.deps import FamilyFinder
from triage.web.sessions import check_csrf

router = APIRouter(include_in_schema=False)

# what a refusal by the households service means to the worker, by the field it names
_REFUSED = {
    "reason": "Matching no longer suggests this family: add a note saying why it is the same family",
    "decision_id": "This referral's details were erased after the retention period, so it cannot be linked",
    "target": "This referral is no longer in that household: reload the page to see where it is now",
    "link": "This referral is no longer linked to a household: reload the page to see where it is now",
}


@router.post("/decisions/{decision_id}/family/confirm")
def confirm(
    request: Request,
    decision_id: str,
    shared: Shared,
    user: FamilyFinder,
    target: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Link the referral with the family matching proposed (``target``), as the signed-in worker."""
    check_csrf(request, csrf_token)
    case_of(shared, decision_id)  # 404 for no such decision
    problem = reasons.reason_problem(note, missing="", noun="note") or _refusal(  # a note is optional: "" if blank
        lambda: shared.households.confirm(decision_id, target, author(user), note.strip())
    )
    if problem:
        return _refused(request, shared, user, (decision_id, target, note), "note", problem)
    return RedirectResponse(f"/decisions/{decision_id}?done=linked", status_code=303)


@router.post("/decisions/{decision_id}/family/reject")
def reject(
    request: Request,
    decision_id: str,
    shared: Shared,
    user: FamilyFinder,
    target: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Record that the referral is not the family ``target`` holds: matching stops suggesting it."""
    check_csrf(request, csrf_token)
    case_of(shared, decision_id)  # 404 for no such decision
    problem = reasons.reason_problem(reason, missing="Enter why this is not the same family") or _refusal(
        lambda: shared.households.reject(decision_id, target, author(user), reason.strip())
    )
    if problem:
        return _refused(request, shared, user, (decision_id, target, reason), "reason", problem)
    return RedirectResponse(f"/decisions/{decision_id}?done=rejected", status_code=303)


@router.post("/decisions/{decision_id}/family/unlink")
def unlink(
    request: Request,
    decision_id: str,
    shared: Shared,
    user: FamilyFinder,
    target: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Take the referral out of the household ``target`` it was linked into by mistake, as the
    signed-in worker (a reason required); the link stays in the audit log."""
    check_csrf(request, csrf_token)
    case_of(shared, decision_id)  # 404 for no such decision
    problem = reasons.reason_problem(reason, missing="Enter why this referral is not this family's") or _refusal(
        lambda: shared.households.unlink(decision_id, author(user), reason.strip(), target)
    )
    if problem:
        return _refused(request, shared, user, (decision_id, target, reason), "unlink", problem)
    return RedirectResponse(f"/decisions/{decision_id}?done=unlinked", status_code=303)


def _refusal(record: Callable[[], object]) -> str | None:
    """Record the link or rejection; what stopped it, in the worker's words, or None once recorded."""
    try:
        record()
    except InvalidChange as refused:
        return _REFUSED.get(refused.field, f"This cannot be recorded: {refused.reason}")
    except UnknownHousehold:
        return "This household no longer exists: reload the page to see the families matching suggests now"
    return None


def _refused(
    request: Request, shared: Services, user: StaffUser, posted: tuple[str, str, str], field: str, message: str
) -> Response:
    """The decision page again (400): the problem in an error summary and beside the match's
    ``field``, with what was typed there kept. ``posted``: the decision, the target, the text typed."""
    decision_id, target, typed = posted
    error = {"target": target, "field": field, "message": message, "typed": typed}
    case = case_of(shared, decision_id)
    return render_decision(request, shared, user, case, status=400, family_error=error, error_summary=True)
