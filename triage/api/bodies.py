"""Reading JSON request bodies the way the rest of triage reads referrals.

Routes take the body through ``json_body`` rather than a pydantic parameter so that a referral
is parsed by the same intake as on the command line: duplicate keys refused, every error naming
its field, and per-item results in a batch instead of one error for the whole request.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from triage.api.problems import ApiProblem
from triage.intake import FieldError, InvalidReferral, load_text

Model = TypeVar("Model", bound=BaseModel)


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


async def json_body(request: Request) -> Any:
    """The request body as parsed JSON: 415 unless sent as JSON, 400 when it is not valid JSON."""
    if not _is_json(request.headers.get("content-type", "")):
        raise ApiProblem(415, "send the body as JSON, with 'Content-Type: application/json'")
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiProblem(400, "the body is not valid UTF-8") from None
    try:
        return load_text(text)
    except InvalidReferral as error:
        raise ApiProblem(400, "the body is not valid JSON", error.errors) from None


def json_request(schema: str) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a route that reads its body through ``json_body``: required
    JSON of the named component schema (FastAPI cannot see it in the route's signature)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }
    }


def field_errors(error: ValidationError) -> list[FieldError]:
    """A pydantic error as field paths and reasons, without the input (it may be personal data)."""
    return [FieldError(".".join(str(part) for part in e["loc"]), e["msg"]) for e in error.errors(include_input=False)]


def validated(model: type[Model], data: Any) -> Model:
    """``data`` as ``model``, or 422 naming each field refused."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ApiProblem(422, f"the {model.__name__} is invalid", field_errors(error)) from None
