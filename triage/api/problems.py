"""Errors as RFC 9457 problem details: what went wrong, for which field, and nothing else.

No stack trace, no internal path and no personal data ever reaches a caller: an unexpected error
is logged with its request id and answered with that id only.
"""

from __future__ import annotations

from html import escape
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from triage.api.headers import security_headers
from triage.intake import FieldError

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("triage.api")


class FieldProblem(BaseModel):
    """One field that was refused: its path in the request (``household.members[1].age``) and why."""

    path: str
    reason: str


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = None


class ApiProblem(Exception):
    """Raised by a route to answer with a problem detail."""

    def __init__(
        self, status: int, detail: str, errors: list[FieldError] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors, headers


def problem(status: int, detail: str | None = None, errors: list[FieldError] | None = None) -> Problem:
    return Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        errors=None if errors is None else [FieldProblem(path=e.path, reason=e.reason) for e in errors],
    )


def problem_response(
    status: int,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = problem(status, detail, errors).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problems a route can answer with."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def _location(loc: tuple[Any, ...]) -> str:
    """FastAPI's error location as a path: ("query", "limit") -> "limit"."""
    parts = (
        [str(part) for part in loc[1:]]
        if loc and loc[0] in ("query", "path", "header", "body")
        else list(map(str, loc))
    )
    return ".".join(parts)


async def _api_problem(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiProblem)  # registered for ApiProblem (Starlette types every handler by Exception)
    return problem_response(error.status, error.detail, error.errors, error.headers)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    detail = error.detail if isinstance(error.detail, str) else None
    if "text/html" in request.headers.get("accept", ""):  # a person in a browser (a staff page, or a typo)
        return HTMLResponse(
            _ERROR_PAGE.format(title=escape(HTTPStatus(error.status_code).phrase), detail=escape(detail or "")),
            status_code=error.status_code,
        )
    return problem_response(error.status_code, detail, headers=getattr(error, "headers", None))


_ERROR_PAGE = """<!DOCTYPE html><html lang="en" class="govuk-template"><head><meta charset="utf-8">
<title>{title} – Family front door triage</title>
<link rel="stylesheet" href="/static/govuk-frontend/govuk-frontend-council.min.css"></head>
<body class="govuk-template__body"><div class="govuk-width-container"><main class="govuk-main-wrapper">
<h1 class="govuk-heading-l">{title}</h1><p class="govuk-body">{detail}</p>
<p class="govuk-body"><a class="govuk-link" href="/">Go to the start page</a></p></main></div></body></html>"""


async def _invalid_parameters(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    # the reason only: FastAPI's error also quotes the input, which may be personal data
    errors = [FieldError(_location(tuple(e.get("loc", ()))), e.get("msg", "invalid")) for e in error.errors()]
    return problem_response(422, "the request's parameters are invalid", errors)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    request_id = request.scope.get("state", {}).get("request_id")
    log.error("request_failed", request_id=request_id, error=type(error).__name__)
    # this handler answers outside the middlewares (Starlette's error layer), so neither the request
    # log nor the security headers can add theirs to the response here: they are added by hand
    headers = {**security_headers(PROBLEM_JSON), **({"X-Request-ID": request_id} if request_id else {})}
    return problem_response(500, f"the request could not be completed (request id {request_id})", headers=headers)


def install(app: FastAPI) -> None:
    """Answer every error, expected or not, with a problem detail."""
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_parameters)
    app.add_exception_handler(Exception, _unexpected)
