"""``POST /v1/referrals`` without FastAPI's per-request machinery: the same endpoint, its
dependencies called by hand.

A partner's referral is the API's busiest call, and FastAPI spent more CPU on it (solving five
dependencies, checking each parameter, wrapping the call) than deciding and recording the referral
took. ``LeanReferrals`` sits in front of the FastAPI route for the same path and does what FastAPI
would do for it, step for step and in the same order, by calling the very functions the route
depends on: the bearer scheme, the shared services, the key, its role, the JSON body, then the
endpoint itself in the thread pool. Their errors are raised as before, and answered by the same
handlers (the middlewares and exception handlers around the router are unchanged).

A request it does not cover goes to the FastAPI route as before: one with a query string (the
``ruleset`` pin, whose checks and 422 answers FastAPI makes). The FastAPI route also still makes
the OpenAPI document: this one is not in it.
"""

from __future__ import annotations

from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.routing import BaseRoute, Match, get_route_path
from starlette.types import Receive, Scope, Send

from triage.api.bodies import json_body
from triage.api.deps import authenticated, bearer, may_submit
from triage.api.routes.referrals import router, submit_referral
from triage.services import services


class LeanReferrals(BaseRoute):
    """POST /v1/referrals without a query string, answered as the FastAPI ``route`` would."""

    def __init__(self, route: APIRoute) -> None:
        self.route = route
        self.path = self.path_format = route.path  # what the router and the request log read

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and not scope["query_string"]
            and get_route_path(scope) == self.path
        ):
            return Match.FULL, {"endpoint": submit_referral, "path_params": {}}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self.route  # the request log names the route as it always has
        request = Request(scope, receive, send)
        # FastAPI's order: the key's dependencies (scheme, services), the key, its role; the body
        credentials = await bearer(request)
        shared = await services(request)
        key = await may_submit(await authenticated(request, credentials, shared))
        data = await json_body(request)
        response = await run_in_threadpool(submit_referral, key, shared, data, None)
        await response(scope, receive, send)


def lean_referrals() -> LeanReferrals:
    """The lean route for the referrals router's ``POST /v1/referrals``."""
    [route] = [
        r
        for r in router.routes
        if isinstance(r, APIRoute) and r.path == "/v1/referrals" and "POST" in (r.methods or ())
    ]
    return LeanReferrals(route)
