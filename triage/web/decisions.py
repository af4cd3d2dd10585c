"""A decision's pages: the decision with its reasons, its audit history, overriding its route and
closing its case, through the cases service (the same as the API and the command line)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from triage.access import Permission, allowed
from triage.access.callers import staff_caller
from triage.access.staff import StaffUser
from triage.audit import CaseClosed, UnknownDecision
from triage.cases.history import CaseHistory, UnreadableDecision
from triage.cases.service import InvalidChange, check_route
from triage.naming import member_labels, named
from triage.services import Services, Shared
from triage.web import family, reasons
from triage.web.deps import Overrider, Staff
from triage.web.rendering import page
from triage.web.sessions import check_csrf

router = APIRouter(include_in_schema=False)


def case_of(shared: Services, decision_id: str) -> CaseHistory:
    """The decision's case; 404, or 500 if it was recorded in a form this version cannot show."""
    try:
        return shared.cases.history(decision_id)
    except UnknownDecision:
        raise HTTPException(404, "no such decision") from None
    except UnreadableDecision:
        raise HTTPException(
            500, "This decision was recorded in a form this version cannot show; the audit log keeps it."
        ) from None


def _context(shared: Services, case: CaseHistory, names_shown: bool = True) -> dict[str, Any]:
    """What a decision's pages show; members named in its reasons only where ``names_shown``
    (front door staff: other roles never see names)."""
    policy = shared.front_door.latest.policy
    names = {s.id: s.name for s in policy.catalogue.services}
    referral = shared.cases.referral(case)
    reasons = named(case.decision.reasons, referral, policy) if names_shown else case.decision.reasons
    return {
        "decision": case.decision,
        "reasons": reasons,
        "members": member_labels(referral, policy, with_names=names_shown),
        "overrides": case.overrides,
        "overridden": bool(case.overrides),
        "service_names": names,
        "current_route": case.current_route,
        "closed": case.closed,
    }


def render_decision(
    request: Request, shared: Services, user: StaffUser, case: CaseHistory, status: int = 200, **extra: Any
) -> HTMLResponse:
    """The decision page; for front door staff with the family section (``family``), which other
    roles never see. ``extra``: a banner (``done``) or a family form's error (``family_error``)."""
    finds_families = allowed(user.role, Permission.FIND_FAMILIES)
    today = shared.front_door.library.today(datetime.now(UTC))
    return page(
        request,
        shared,
        "decision.html.j2",
        f"Decision for {case.decision.referral_id}",
        status=status,
        user=user,
        may_override=allowed(user.role, Permission.OVERRIDE),
        family=family.section(shared, case, today) if finds_families else None,
        **_context(shared, case, names_shown=finds_families),
        **{"done": "", "family_error": None, **extra},
    )


@router.get("/decisions/{decision_id}")
def decision_page(request: Request, decision_id: str, shared: Shared, user: Staff, done: str = "") -> HTMLResponse:
    """The decision; ``done``: what a family form just did ("linked", "rejected"), for its banner."""
    return render_decision(request, shared, user, case_of(shared, decision_id), done=done)


@router.get("/decisions/{decision_id}/history")
def history_page(request: Request, decision_id: str, shared: Shared, user: Staff) -> HTMLResponse:
    case = case_of(shared, decision_id)
    entries = [
        {
            "when": case.recorded_at,
            "what": f"Decided: {case.decision.route}",
            "who": case.caller,
            "why": f"rule {case.decision.matched_rule}",
        }
    ]
    entries += [
        {"when": o.recorded_at, "who": o.by, "why": o.reason, "what": f"Overridden: {o.previous_route} to {o.route}"}
        for o in case.overrides
    ]
    if case.closed is not None:
        entries.append(
            {"when": case.closed.recorded_at, "who": case.closed.by, "why": case.closed.reason, "what": "Case closed"}
        )
    return page(request, shared, "history.html.j2", "Audit history", user=user, entries=entries, decision=case.decision)


def author(user: StaffUser) -> str:
    """Who overrode or closed, as recorded: the person's name and their caller, which no API key
    can take (a key's name has no ':'), so the history cannot be made to show a false author."""
    return f"{user.name} ({staff_caller(user.username)})"


def _override_form(
    request: Request, shared: Services, user: StaffUser, case: CaseHistory, status: int = 200, **form: Any
) -> HTMLResponse:
    context = _context(shared, case)
    routes = sorted(context["service_names"].items(), key=lambda item: item[1])
    return page(
        request,
        shared,
        "override.html.j2",
        "Override the decision",
        status=status,
        user=user,
        routes=routes,
        **{"route": "", "reason": "", "errors": {}, **form},
        **context,
    )


@router.get("/decisions/{decision_id}/override")
def override_page(request: Request, decision_id: str, shared: Shared, user: Overrider) -> HTMLResponse:
    return _override_form(request, shared, user, case_of(shared, decision_id))


@router.post("/decisions/{decision_id}/override")
def override(
    request: Request,
    decision_id: str,
    shared: Shared,
    user: Overrider,
    route: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    case = case_of(shared, decision_id)
    policy = shared.front_door.in_force_today.policy
    errors = {}
    try:
        check_route(route, policy)
    except InvalidChange:
        errors["route"] = "Choose the route this family should take"
    if problem := reasons.reason_problem(reason, missing="Enter why you are overriding the decision"):
        errors["reason"] = problem
    if errors:
        return _override_form(request, shared, user, case, status=400, route=route, reason=reason, errors=errors)
    try:
        shared.cases.override(decision_id, route, reason.strip(), author(user), policy)
    except CaseClosed:
        pass  # closed meanwhile (another tab, a colleague): the decision page says by whom and why
    return RedirectResponse(f"/decisions/{decision_id}", status_code=303)


def _close_form(
    request: Request,
    shared: Services,
    user: StaffUser,
    case: CaseHistory,
    status: int = 200,
    reason: str = "",
    error: str | None = None,
) -> HTMLResponse:
    """The form asking why the case can be closed (with the error, when the reason was left out)."""
    return page(
        request,
        shared,
        "close.html.j2",
        "Close the case",
        status=status,
        user=user,
        reason=reason,
        error=error,
        **_context(shared, case),
    )


@router.get("/decisions/{decision_id}/close")
def close_page(request: Request, decision_id: str, shared: Shared, user: Overrider, merged_with: str = "") -> Response:
    """The close form; a case already closed goes back to its decision page, which says by whom.
    ``merged_with``: another open case of the family, this one a duplicate of it (the reason is
    filled in, for the worker to check)."""
    case = case_of(shared, decision_id)
    if case.closed is not None:
        return RedirectResponse(f"/decisions/{decision_id}", status_code=303)
    merged = family.merge_reason(shared, case, merged_with) if allowed(user.role, Permission.FIND_FAMILIES) else ""
    return _close_form(request, shared, user, case, reason=merged)


@router.post("/decisions/{decision_id}/close")
def close_case(
    request: Request,
    decision_id: str,
    shared: Shared,
    user: Overrider,
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The front door has finished with the case: it leaves the queue (the decision stays on record)."""
    check_csrf(request, csrf_token)
    case = case_of(shared, decision_id)
    if problem := reasons.reason_problem(reason, missing="Enter why the case can be closed"):
        return _close_form(request, shared, user, case, status=400, error=problem)
    try:
        shared.cases.close(decision_id, reason.strip(), author(user))
    except CaseClosed:
        pass  # closed meanwhile (another tab, a colleague): the decision page says by whom and why
    return RedirectResponse(f"/decisions/{decision_id}", status_code=303)
