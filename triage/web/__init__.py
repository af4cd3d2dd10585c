"""The staff pages, server-rendered in the same app as the API: one module per resource
(``decisions``, ``queue``, ``referrals``, ``costs``, ``reference``; families: ``search``,
``households``, and ``links`` for the decision page's family section; signing in: ``signing_in``),
what every page carries in ``rendering``, and who may see what in ``deps``.

Every page but sign-in needs a signed-in member of staff; every form carries the session's CSRF
token. Pages read the same services as the API (``triage.services``) and never import it.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from triage.web import costs, decisions, households, links, queue, reference, referrals, search
from triage.web.rendering import HERE, page
from triage.web.sessions import CsrfRefused, SignInRequired


async def _to_sign_in(_: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequired)  # registered for it (Starlette types every handler by Exception)
    return RedirectResponse(error.location, status_code=303)


async def _csrf_refused(request: Request, _: Exception) -> Response:
    """A whole page (title, language, landmarks) like every other, so a screen reader can tell what it is."""
    return page(request, request.app.state.services, "expired.html.j2", "This form has expired", status=403)


def install(app: FastAPI) -> None:
    """Add the pages and their static files to the app (signing in: ``triage.web.signing_in``)."""
    for module in (reference, decisions, links, queue, referrals, costs, search, households):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(SignInRequired, _to_sign_in)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
