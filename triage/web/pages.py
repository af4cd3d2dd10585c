"""The web pages: sign in and out, the definitions glossary, the rules and services.

Every page but sign-in needs a signed-in member of staff; every form carries the session's CSRF
token. Pages read the same services as the API (``triage.api.services``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from triage.access.staff import StaffStore, StaffUser, session_secret
from triage.api.services import Services, services
from triage.rulebook.conditions import describe
from triage.web.sessions import (SESSION_COOKIE, SESSION_SECONDS, CsrfRefused, SignInRequired, check_csrf,
                                 csrf_token, safe_next, signed_in)

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)
Shared = Annotated[Services, Depends(services)]


def _staff(shared: Shared) -> StaffStore:
    return StaffStore(shared.store.engine)


def staff_user(request: Request, shared: Shared) -> StaffUser:
    return signed_in(request, _staff(shared))


Staff = Annotated[StaffUser, Depends(staff_user)]


def _page(request: Request, shared: Services, template: str, title: str, status: int = 200,
          **context: Any) -> HTMLResponse:
    policy = shared.front_door.engine.rulebook
    return templates.TemplateResponse(request, template, {
        "title": title, "csrf_token": csrf_token(request), "ruleset": policy, **context}, status_code=status)


@router.get("/sign-in")
def sign_in_page(request: Request, shared: Shared, next: str = "/") -> HTMLResponse:  # noqa: A002 - the query's name
    return _page(request, shared, "sign_in.html.j2", "Sign in", next=safe_next(next), username="", user=None)


@router.post("/sign-in")
def sign_in(request: Request, shared: Shared, username: Annotated[str, Form()] = "",
            password: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
            next: Annotated[str, Form()] = "/") -> Response:  # noqa: A002
    check_csrf(request, csrf_token)
    user = _staff(shared).authenticate(username.strip(), password)
    if user is None:  # one message whichever was wrong: the page must not reveal who has an account
        return _page(request, shared, "sign_in.html.j2", "Sign in", status=400, user=None, next=safe_next(next),
                     username=username, error_summary="Enter a correct username and password")
    request.session.clear()  # a new session on sign-in: nothing from before carries over
    request.session["username"] = user.username
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/sign-out")
def sign_out(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    request.session.clear()
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/")
def home(request: Request, shared: Shared, user: Staff) -> HTMLResponse:
    return _page(request, shared, "home.html.j2", "Home", user=user)


@router.get("/glossary")
def glossary(request: Request, shared: Shared, user: Staff) -> HTMLResponse:
    definitions = [{"id": d.id, "label": d.label, "version": d.version, "text": d.text, "policy_ref": d.policy_ref,
                    "test": describe(d.condition) if d.test is not None else None}
                   for d in shared.front_door.engine.rulebook.definitions.definitions]
    return _page(request, shared, "glossary.html.j2", "Definitions", user=user, definitions=definitions)


def _when(test: Any) -> str:
    who = getattr(test, "who", None)
    return f"{who}: {describe(test.condition)}" if who else describe(test.condition)


@router.get("/rules")
def rules(request: Request, shared: Shared, user: Staff) -> HTMLResponse:
    policy = shared.front_door.engine.rulebook
    r = policy.rules
    return _page(request, shared, "rules.html.j2", "Rules and services", user=user, rules=r,
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


def install(app: FastAPI, shared: Services, secure_cookies: bool) -> None:
    """Add the pages, their static files and the session cookie to the app."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(SignInRequired, _to_sign_in)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    app.add_middleware(SessionMiddleware, secret_key=session_secret(shared.store.engine), session_cookie=SESSION_COOKIE,
                       max_age=SESSION_SECONDS, same_site="strict", https_only=secure_cookies)
