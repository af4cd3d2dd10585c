"""Signing in and out, and the session cookie's key.

Sign-in is limited (``triage.web.throttle``): repeated failures back off per account name and per
client address, and the page says when to try again; password checks are bounded per process
(``triage.access.staff.password_checks``), so a burst of sign-ins is refused, not queued without end.
The key that signs session cookies is kept in a file outside the database (``triage.keyfile``).
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.middleware.sessions import SessionMiddleware

from triage.access.lockout import SignInLockout
from triage.access.staff import PasswordChecksBusy, StaffUser
from triage.keyfile import read_or_create_key
from triage.services import Services, Shared
from triage.settings import Settings
from triage.web.deps import staff_store
from triage.web.rendering import page
from triage.web.sessions import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    SignInRequired,
    check_csrf,
    safe_next,
    signed_in,
    start_session,
)
from triage.web.throttle import BUSY, Refusal, SignInLimits

log = structlog.get_logger("triage.web")
router = APIRouter(include_in_schema=False)
WRONG = "Enter a correct username and password"  # one message whichever was wrong: who has an account stays unsaid


def _form(
    request: Request, shared: Services, next_page: str, username: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    return page(
        request,
        shared,
        "sign_in.html.j2",
        "Sign in",
        status=status,
        user=None,
        next=safe_next(next_page),
        username=username,
        error_summary=error,
    )


def _refused(request: Request, shared: Services, next_page: str, username: str, refusal: Refusal) -> HTMLResponse:
    log.info("sign_in_refused", status=refusal.status, retry_after=refusal.retry_after)  # never the name typed
    response = _form(request, shared, next_page, username, refusal.message, refusal.status)
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response


def _client(request: Request) -> str:
    """The client's address (uvicorn takes it from X-Forwarded-For only from a trusted proxy)."""
    return request.client.host if request.client else "unknown"


@router.get("/sign-in")
def sign_in_page(request: Request, shared: Shared, next: str = "/") -> HTMLResponse:
    return _form(request, shared, next)


@router.post("/sign-in")
def sign_in(
    request: Request,
    shared: Shared,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Sign in, unless this name or address has failed too often lately (then not even the right
    password is checked) or too many passwords are being checked already."""
    check_csrf(request, csrf_token)
    limits: SignInLimits = request.app.state.sign_in_limits
    name, address = username.strip(), _client(request)
    refusal = limits.refusal(name, address)
    if refusal is not None:
        return _refused(request, shared, next, username, refusal)
    try:
        user: StaffUser | None = staff_store(shared).authenticate(name, password)
    except PasswordChecksBusy:
        return _refused(request, shared, next, username, BUSY)
    if user is None:
        locked = limits.failed(name, address)
        if locked is not None:
            return _refused(request, shared, next, username, locked)
        return _form(request, shared, next, username, WRONG, status=400)
    limits.succeeded(name)
    start_session(request, user)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/sign-out")
def sign_out(request: Request, shared: Shared, csrf_token: Annotated[str, Form()] = "") -> Response:
    """Sign out everywhere: this account's sessions end on the server, so a copied cookie is useless."""
    check_csrf(request, csrf_token)
    staff = staff_store(shared)
    try:
        staff.end_sessions(signed_in(request, staff).username)
    except SignInRequired:
        pass  # an ended or stale session: it may not sign anyone else out, only leave
    request.session.clear()
    return RedirectResponse("/sign-in", status_code=303)


def install(app: FastAPI, shared: Services, settings: Settings) -> None:
    """Add signing in and out, its limits and the session cookie to the app.

    The cookie is signed with the key in ``settings.session_key_path`` (made on first use, 0600;
    ``KeyFileProblem`` if it cannot be used). SameSite=Lax, not Strict: a link to a decision in an
    email or a chat message must open it for someone signed in. Changes are POSTs, which Lax keeps
    same-site, and every form also carries the session's CSRF token."""
    key = read_or_create_key(settings.session_key_path, "session key")
    app.include_router(router)
    app.state.sign_in_limits = SignInLimits(SignInLockout(shared.store.db, key))
    app.add_middleware(
        SessionMiddleware,
        secret_key=key.decode("ascii"),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_SECONDS,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
