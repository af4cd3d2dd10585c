"""The OpenAPI document: FastAPI's, plus the contract's referral schema and live examples.

Referral bodies are read by triage's own intake (see bodies.py), so FastAPI does not see their
model; it is added here. The decision example is not written by hand: it is the active ruleset's
decision on the referral example, so the documentation cannot drift from what the engine does.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from triage.api.household_schemas import LinkRequest
from triage.api.problems import FieldProblem, Problem
from triage.api.schemas import CloseRequest, OverrideRequest, RulesetUpload, SimulationRequest
from triage.costs.cohort import Scenario
from triage.engine import Engine
from triage.intake import parse_referral
from triage.models import Referral

REFERRAL_EXAMPLE: dict[str, Any] = json.loads(files("triage.api").joinpath("examples/referral.json").read_text())


def _component(schemas: dict[str, Any], name: str, schema: dict[str, Any]) -> None:
    """Add a model's schema and its definitions; a name already used for another schema (the
    contract's ``Health`` section and a health-check response, say) would silently replace it."""
    for part, part_schema in [*schema.pop("$defs", {}).items(), (name, schema)]:
        if schemas.setdefault(part, part_schema) != part_schema:
            raise ValueError(f"two OpenAPI schemas are both called {part!r}: rename one")


def example_decision(engine: Engine) -> dict[str, Any]:
    referral = parse_referral(REFERRAL_EXAMPLE, engine.compiled.agencies)
    decided_at = datetime.fromisoformat(REFERRAL_EXAMPLE["received_at"])
    return engine.decide(referral, decided_at=decided_at).model_dump(mode="json")


def build_openapi(app: FastAPI, engine: Engine) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
    )
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    template = "#/components/schemas/{model}"
    referral = Referral.model_json_schema(ref_template=template)
    referral["examples"] = [REFERRAL_EXAMPLE]
    _component(schemas, "Referral", referral)
    # what the catalogue allows, which the models cannot know
    schemas["Referrer"]["properties"]["agency"]["enum"] = sorted(engine.compiled.agencies)
    override = OverrideRequest.model_json_schema(ref_template=template)
    override["properties"]["route"]["enum"] = sorted(s.id for s in engine.policy.catalogue.services)
    _component(schemas, "OverrideRequest", override)
    requests: tuple[type[BaseModel], ...] = (CloseRequest, LinkRequest, RulesetUpload, SimulationRequest, Scenario)
    for model in requests:
        _component(schemas, model.__name__, model.model_json_schema(ref_template=template))
    for error_model in (Problem, FieldProblem):  # every error response refers to them
        schemas.setdefault(error_model.__name__, error_model.model_json_schema(ref_template=template))
    schemas["Decision"]["examples"] = [example_decision(engine)]
    return schema
