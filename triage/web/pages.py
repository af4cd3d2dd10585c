"""The web pages: a decision with its reasons, overriding it, its audit history, the queue, entering
a referral, the definitions glossary, the rules and services, costs (signing in: ``signing_in``).

Every page but sign-in needs a signed-in member of staff; every form carries the session's CSRF
token. Pages read the same services as the API (``triage.api.services``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from triage.access import Permission, allowed
from triage.access.callers import staff_caller
from triage.access.staff import StaffStore, StaffUser
from triage.api.services import Services, services
from triage.audit import AuditEvent, CaseClosed, UnknownDecision
from triage.audit.events import Unreadable, decision_in
from triage.costs.appraisal import NothingToAppraise, appraise_cohort
from triage.costs.cohort import audit_cohort
from triage.costs.loader import CostDataInvalid, load_cost_data
from triage.costs.report import as_html, money, ratio, years
from triage.models import Decision
from triage.engine.library import LONDON
from triage.intake import FieldError, InvalidReferral
from triage.rulebook.conditions import describe
from triage.simulation.summary import capacity
from triage.web import intake, reasons
from triage.web.sessions import CsrfRefused, SignInRequired, check_csrf, csrf_token, signed_in

HERE = Path(__file__).parent
# autoescape on for every template: Starlette's default judges by extension and takes ".html.j2"
# for not-HTML, which would put reasons, narratives and names into pages unescaped
templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True))
router = APIRouter(include_in_schema=False)
Shared = Annotated[Services, Depends(services)]


def staff_store(shared: Shared) -> StaffStore:
    return StaffStore(shared.store.engine)


def staff_user(request: Request, shared: Shared) -> StaffUser:
    return signed_in(request, staff_store(shared))


Staff = Annotated[StaffUser, Depends(staff_user)]


# the menu: (link, label, the permission it needs; None: every signed-in member of staff)
NAVIGATION = [("/referrals/new", "Enter a referral", Permission.SUBMIT), ("/queue", "Queue", None),
              ("/glossary", "Definitions", None), ("/rules", "Rules and services", None),
              ("/costs", "Costs and benefits", Permission.APPRAISE)]


def page(request: Request, shared: Services, template: str, title: str, status: int = 200,
         **context: Any) -> HTMLResponse:
    """A page from its template, with what every page carries: the menu for the signed-in person's
    role, the session's CSRF token and the ruleset in force."""
    policy = shared.front_door.current.rulebook
    user = context.get("user")
    nav = [(href, label) for href, label, needs in NAVIGATION
           if user is not None and (needs is None or allowed(user.role, needs))]
    return templates.TemplateResponse(request, template, {
        "title": title, "csrf_token": csrf_token(request), "ruleset": policy, "nav": nav, **context},
        status_code=status)


@router.get("/")
def home(request: Request, shared: Shared, user: Staff) -> HTMLResponse:
    return page(request, shared, "home.html.j2", "Home", user=user)


@router.get("/glossary")
def glossary(request: Request, shared: Shared, user: Staff) -> HTMLResponse:
    definitions = [{"id": d.id, "label": d.label, "version": d.version, "text": d.text, "policy_ref": d.policy_ref,
                    "test": describe(d.condition) if d.test is not None else None}
                   for d in shared.front_door.current.rulebook.definitions.definitions]
    return page(request, shared, "glossary.html.j2", "Definitions", user=user, definitions=definitions)


def _when(test: Any) -> str:
    who = getattr(test, "who", None)
    return f"{who}: {describe(test.condition)}" if who else describe(test.condition)


@router.get("/rules")
def rules(request: Request, shared: Shared, user: Staff) -> HTMLResponse:
    policy = shared.front_door.current.rulebook
    r = policy.rules
    return page(request, shared, "rules.html.j2", "Rules and services", user=user, rules=r,
                 routing=[{"id": x.id, "policy_ref": x.policy_ref, "route": x.route, "priority": x.priority,
                           "when": "otherwise" if x.otherwise else _when(x)} for x in r.routing],
                 problems=[{"label": p.label, "indicators": [{"id": i.id, "when": _when(i)} for i in p.indicators]}
                           for p in r.problems],
                 points_per_problem=r.need_score.points_per_problem,
                 modifiers=[{"id": m.id, "points": m.points, "when": _when(m)} for m in r.need_score.modifiers],
                 services=policy.catalogue.services, localities=policy.catalogue.localities)


async def _to_sign_in(_: Request, error: SignInRequired) -> Response:
    return RedirectResponse(error.location, status_code=303)


async def _csrf_refused(_: Request, __: CsrfRefused) -> Response:
    return HTMLResponse("<h1>This form has expired</h1><p>Go back, reload the page and try again.</p>", status_code=403)


def install(app: FastAPI) -> None:
    """Add the pages and their static files to the app (signing in: ``triage.web.signing_in``)."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(SignInRequired, _to_sign_in)
    app.add_exception_handler(CsrfRefused, _csrf_refused)


def _recorded(shared: Services, decision_id: str) -> list[AuditEvent]:
    """The decision's events (decision first, then overrides, closing); 404, or 500 if unreadable."""
    try:
        events = shared.store.history(decision_id)
    except UnknownDecision:
        raise HTTPException(404, "no such decision") from None
    if decision_in(events[0].body) is None:
        raise HTTPException(500, "This decision was recorded in a form this version cannot show; the audit log keeps it.")
    return events


def _decision_context(shared: Services, events: list[AuditEvent]) -> dict[str, Any]:
    overrides = [e.body for e in events[1:] if e.kind == "override"]
    decision = Decision.from_record(events[0].body["decision"])
    names = {s.id: s.name for s in shared.front_door.engine.rulebook.catalogue.services}
    return {"decision": decision, "overrides": overrides, "overridden": bool(overrides), "service_names": names,
            "current_route": overrides[-1]["route"] if overrides else decision.route,
            "closed": next((e.body for e in events[1:] if e.kind == "closed"), None)}


@router.get("/decisions/{decision_id}")
def decision_page(request: Request, decision_id: str, shared: Shared, user: Staff) -> HTMLResponse:
    context = _decision_context(shared, _recorded(shared, decision_id))
    return page(request, shared, "decision.html.j2", f"Decision for {context['decision'].referral_id}", user=user,
                 may_override=allowed(user.role, Permission.OVERRIDE), **context)


@router.get("/decisions/{decision_id}/history")
def history_page(request: Request, decision_id: str, shared: Shared, user: Staff) -> HTMLResponse:
    events = _recorded(shared, decision_id)
    entries = [{"when": events[0].recorded_at, "what": f"Decided: {events[0].body['decision']['route']}",
                "who": events[0].body["caller"], "why": f"rule {events[0].body['decision']['matched_rule']}"}]
    entries += [{"when": e.recorded_at, "who": e.body["by"], "why": e.body["reason"],
                 "what": f"Overridden: {e.body['previous_route']} to {e.body['route']}" if e.kind == "override"
                 else "Case closed"} for e in events[1:] if e.kind in ("override", "closed")]
    return page(request, shared, "history.html.j2", "Audit history", user=user, entries=entries,
                 decision=Decision.from_record(events[0].body["decision"]))


def _author(user: StaffUser) -> str:
    """Who overrode or closed, as recorded: the person's name and their caller, which no API key
    can take (a key's name has no ':'), so the history cannot be made to show a false author."""
    return f"{user.name} ({staff_caller(user.username)})"


def _overrider(user: Staff) -> StaffUser:
    if not allowed(user.role, Permission.OVERRIDE):
        raise HTTPException(403, "your role may not override decisions")
    return user


Overrider = Annotated[StaffUser, Depends(_overrider)]


def _override_form(request: Request, shared: Services, user: StaffUser, events: list[AuditEvent], status: int = 200,
                   **form: Any) -> HTMLResponse:
    context = _decision_context(shared, events)
    routes = sorted(context["service_names"].items(), key=lambda item: item[1])
    return page(request, shared, "override.html.j2", "Override the decision", status=status, user=user,
                 routes=routes, **{"route": "", "reason": "", "errors": {}, **form}, **context)


@router.get("/decisions/{decision_id}/override")
def override_page(request: Request, decision_id: str, shared: Shared, user: Overrider) -> HTMLResponse:
    return _override_form(request, shared, user, _recorded(shared, decision_id))


@router.post("/decisions/{decision_id}/override")
def override(request: Request, decision_id: str, shared: Shared, user: Overrider,
             route: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
             csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    events = _recorded(shared, decision_id)
    known = {s.id for s in shared.front_door.current.rulebook.catalogue.services}
    errors = {}
    if route not in known:
        errors["route"] = "Choose the route this family should take"
    if problem := reasons.reason_problem(reason, missing="Enter why you are overriding the decision"):
        errors["reason"] = problem
    if errors:
        return _override_form(request, shared, user, events, status=400, route=route, reason=reason, errors=errors)
    try:
        shared.store.override(decision_id, route, reason.strip(), _author(user), shared.front_door.current.rulebook)
    except CaseClosed:
        pass  # closed meanwhile (another tab, a colleague): the decision page says by whom and why
    return RedirectResponse(f"/decisions/{decision_id}", status_code=303)


def _close_form(request: Request, shared: Services, user: StaffUser, events: list[AuditEvent], status: int = 200,
                reason: str = "", error: str | None = None) -> HTMLResponse:
    """The form asking why the case can be closed (with the error, when the reason was left out)."""
    return page(request, shared, "close.html.j2", "Close the case", status=status, user=user, reason=reason,
                 error=error, **_decision_context(shared, events))


@router.get("/decisions/{decision_id}/close")
def close_page(request: Request, decision_id: str, shared: Shared, user: Overrider) -> Response:
    """The close form; a case already closed goes back to its decision page, which says by whom."""
    events = _recorded(shared, decision_id)
    if any(event.kind == "closed" for event in events):
        return RedirectResponse(f"/decisions/{decision_id}", status_code=303)
    return _close_form(request, shared, user, events)


@router.post("/decisions/{decision_id}/close")
def close_case(request: Request, decision_id: str, shared: Shared, user: Overrider,
               reason: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "") -> Response:
    """The front door has finished with the case: it leaves the queue (the decision stays on record)."""
    check_csrf(request, csrf_token)
    events = _recorded(shared, decision_id)
    if problem := reasons.reason_problem(reason, missing="Enter why the case can be closed"):
        return _close_form(request, shared, user, events, status=400, error=problem)
    try:
        shared.store.close(decision_id, reason.strip(), _author(user))
    except CaseClosed:
        pass  # closed meanwhile (another tab, a colleague): the decision page says by whom and why
    return RedirectResponse(f"/decisions/{decision_id}", status_code=303)


QUEUE_LIMIT = 200


def _due(respond_by: date, today: date) -> str | None:
    return "overdue" if respond_by < today else "today" if respond_by == today else None


@router.get("/queue")
def queue(request: Request, shared: Shared, user: Staff, route: str = "", locality: str = "",
          priority: str = "") -> HTMLResponse:
    """Decisions by respond-by date, overdue and due today marked in words as well as colour."""
    policy = shared.front_door.current.rulebook
    today, unreadable = datetime.now(LONDON).date(), Unreadable()
    rows = [{"decision_id": d.decision_id, "referral_id": d.referral_id, "respond_by": d.respond_by.isoformat(),
             "due": _due(d.respond_by, today), "priority": d.priority, "overridden": moved is not None,
             "team": moved or (f"{d.route}/{d.locality}" if d.locality else d.route)}
            for d, moved in shared.store.queue(route or None, locality or None, priority or None, QUEUE_LIMIT, unreadable)]
    held = capacity(policy)
    load = [(team, count, held.get(team)) for team, count in sorted(shared.store.team_load().items())]
    filters = [("route", "Route", [(s.id, s.name) for s in policy.catalogue.services]),
               ("locality", "Locality", [(loc.id, loc.name) for loc in policy.catalogue.localities]),
               ("priority", "Priority", [(p.id, p.label) for p in policy.rules.priorities])]
    return page(request, shared, "queue.html.j2", "Queue", user=user, rows=rows, load=load, filters=filters,
                limit=QUEUE_LIMIT, unreadable=unreadable.note(),
                chosen={"route": route, "locality": locality, "priority": priority})


def _submitter(user: Staff) -> StaffUser:
    if not allowed(user.role, Permission.SUBMIT):
        raise HTTPException(403, "your role may not enter referrals")
    return user


Submitter = Annotated[StaffUser, Depends(_submitter)]


def _intake_form(request: Request, shared: Services, user: StaffUser, form: dict[str, str],
                 members: list[dict[str, str]], errors: dict[str, str], status: int = 200) -> HTMLResponse:
    def errors_in(index: int, section: str) -> bool:
        return any(key.startswith(f"member-{index}-{section}-") for key in errors)

    def filled(member: dict[str, str], section: str) -> bool:
        return any(key.startswith(f"{section}-") and value for key, value in member.items())

    policy = shared.front_door.engine.rulebook
    return page(request, shared, "intake.html.j2", "Enter a referral", status=status, user=user, form=form,
                 members=members, errors=errors, errors_in=errors_in, filled=filled, roles=intake.ROLES,
                 sections=intake.MEMBER_SECTIONS, housing=intake.HOUSING, agencies=policy.catalogue.partner_agencies)


@router.get("/referrals/new")
def intake_page(request: Request, shared: Shared, user: Submitter) -> HTMLResponse:
    now = datetime.now(LONDON)
    form = {"referral_id": intake.new_referral_id(), "received_date": now.date().isoformat(),
            "received_time": now.strftime("%H:%M")}
    return _intake_form(request, shared, user, form, [intake.blank_member(0)], {})


@router.post("/referrals/new")
async def intake_submit(request: Request, shared: Shared, user: Submitter) -> Response:
    """Add or remove a member (the form comes back as typed), or triage the referral: a decision
    page on success, the form with every error beside its field otherwise."""
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    check_csrf(request, form.get("csrf_token"))
    members = intake.members_in(form)
    action = form.get("action", "submit")
    if action == "add" and len(members) < 20:
        return _intake_form(request, shared, user, form, [*members, intake.blank_member(len(members))], {})
    removing = re.fullmatch(r"remove-([0-9]{1,2})", action)
    if removing and int(removing.group(1)) < len(members) and len(members) > 1:
        del members[int(removing.group(1))]
        return _intake_form(request, shared, user, form, members, {})
    referral, errors = intake.referral_from(form)
    if not errors:
        [submitted] = await run_in_threadpool(shared.front_door.submit_many, [referral], staff_caller(user.username), arriving=True)
        if isinstance(submitted.outcome, Decision):
            return RedirectResponse(f"/decisions/{submitted.outcome.decision_id}", status_code=303)
        errors = submitted.outcome.errors if isinstance(submitted.outcome, InvalidReferral) else [
            FieldError("referral_id", str(submitted.outcome))]
    shown: dict[str, str] = {}
    for error in errors:  # the first message for each field
        shown.setdefault(intake.field_id(error.path), intake.message(error))
    return _intake_form(request, shared, user, form, members, shown, status=400)


def _appraiser(user: Staff) -> StaffUser:
    if not allowed(user.role, Permission.APPRAISE):
        raise HTTPException(403, "your role may not see the cost-benefit appraisal")
    return user


Appraiser = Annotated[StaffUser, Depends(_appraiser)]


def _period(since: str, until: str) -> tuple[date | None, date | None, dict[str, str]]:
    """The chosen days, and an error for each that is not a date (the page says which)."""
    days: dict[str, date | None] = {}
    errors = {}
    for name, text in (("since", since), ("until", until)):
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            days[name], errors[name] = None, "Enter a date like 2026-04-01"
    return days["since"], days["until"], errors


def _cost_report(shared: Services, since: date | None, until: date | None,
                 draws: int | None) -> tuple[dict[str, Any] | None, str | None]:
    """The appraisal of the families decided in the period, or None and the reason there is none."""
    cohort = audit_cohort(shared.store, since, until)
    if not cohort.families:
        return None, "No decisions were recorded in that period." + (f" {cohort.unreadable_note}." if cohort.unreadable_note else "")
    policy = shared.front_door.current.rulebook
    try:
        return appraise_cohort(load_cost_data(policy, shared.settings.cost_data_dir), cohort, policy, draws), None
    except NothingToAppraise as error:
        return None, f"Nothing to appraise: {error}."
    except CostDataInvalid as error:  # the server's files: say what is wrong, for whoever maintains them
        raise HTTPException(500, "The cost-benefit data on this server is invalid: "
                                 + "; ".join(map(str, error.problems))) from None


@router.get("/costs")
def costs_page(request: Request, shared: Shared, user: Appraiser, since: str = "", until: str = "") -> HTMLResponse:
    """Cost-benefit of key working for the families decided in a period: who pays, who saves."""
    first, last, errors = _period(since, until)
    report, notice = (None, None) if errors else _cost_report(shared, first, last, draws=0)  # Monte Carlo: in the download
    return page(request, shared, "costs.html.j2", "Costs and benefits", status=400 if errors else 200, user=user,
                 report=report, notice=notice, errors=errors, since=since, until=until, money=money, ratio=ratio,
                 years=years)


@router.get("/costs/report.html")
def costs_report(shared: Shared, user: Appraiser, since: str = "", until: str = "") -> HTMLResponse:
    """The full self-contained report (charts, sensitivity, Monte Carlo) to save or forward."""
    first, last, errors = _period(since, until)
    if errors:
        raise HTTPException(400, "; ".join(f"{name}: {why}" for name, why in errors.items()))
    report, notice = _cost_report(shared, first, last, draws=None)
    if report is None:
        raise HTTPException(404, notice)
    return HTMLResponse(as_html(report), headers={"Content-Disposition": 'attachment; filename="cost-benefit.html"'})
