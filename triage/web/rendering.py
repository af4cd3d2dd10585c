"""Rendering a page: the templates, the menu each role sees, and what every page carries.

Autoescape is on for every template: Starlette's default judges by extension and takes ".html.j2"
for not-HTML, which would put reasons, narratives and names into pages unescaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from triage.access import Permission, allowed
from triage.services import Services
from triage.web.sessions import csrf_token
from triage.web.words import long_date

HERE = Path(__file__).parent
templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True))
templates.env.filters["long_date"] = long_date

# the menu: (link, label, the permission it needs; None: every signed-in member of staff)
NAVIGATION = [
    ("/referrals/new", "Enter a referral", Permission.SUBMIT),
    ("/queue", "Queue", None),
    ("/search", "Search", Permission.FIND_FAMILIES),
    ("/glossary", "Definitions", None),
    ("/rules", "Rules and services", None),
    ("/costs", "Costs and benefits", Permission.APPRAISE),
]


def page(
    request: Request, shared: Services, template: str, title: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page from its template, with what every page carries: the menu for the signed-in person's
    role, the session's CSRF token and the ruleset in force."""
    policy = shared.front_door.in_force_today.policy
    user = context.get("user")
    nav = [
        (href, label)
        for href, label, needs in NAVIGATION
        if user is not None and (needs is None or allowed(user.role, needs))
    ]
    return templates.TemplateResponse(
        request,
        template,
        {"title": title, "csrf_token": csrf_token(request), "ruleset": policy, "nav": nav, **context},
        status_code=status,
    )
