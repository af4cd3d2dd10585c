"""Who is signed in, and the CSRF token every form carries.

Sessions are Starlette's signed cookie (HttpOnly, SameSite=Lax, Secure unless
TRIAGE_SECURE_COOKIES=false for a plain-http test server), holding only the username, when they
signed in, the account's session generation and the CSRF token: nothing personal about families is
ever put in a cookie. A session ends a working day after signing in however busy it is, and at once
when the account signs out or is disabled (the generation moves on), copies of the cookie included.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import quote

from fastapi import Request

from triage.access.staff import StaffStore, StaffUser

SESSION_COOKIE = "triage_session"
SESSION_SECONDS = 8 * 60 * 60  # a working day; then sign in again


class SignInRequired(Exception):
    """The page needs a signed-in member of staff; answered with a redirect to the sign-in page."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.location = f"/sign-in?next={quote(back_to, safe='/')}"


class CsrfRefused(Exception):
    """A form came without this session's CSRF token (forged, or from an expired session)."""


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if token is None:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, sent: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise CsrfRefused()


def start_session(request: Request, user: StaffUser) -> None:
    """A new session for ``user``: nothing from before carries over."""
    request.session.clear()
    request.session.update(username=user.username, since=int(time.time()), generation=user.session_generation)


def signed_in(request: Request, staff: StaffStore) -> StaffUser:
    """The signed-in member of staff. A session older than a working day, or from before the
    account last signed out or was disabled, is over: sign in again."""
    username = request.session.get("username")
    user = staff.get(username) if username else None
    if user is None or not _current(request, user):
        request.session.clear()
        raise SignInRequired(request.url.path)
    return user


def _current(request: Request, user: StaffUser) -> bool:
    age = time.time() - request.session.get("since", 0)
    return (
        user.disabled_at is None
        and request.session.get("generation") == user.session_generation
        and 0 <= age < SESSION_SECONDS
    )


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never //host or a full URL)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
