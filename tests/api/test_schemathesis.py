"""Schemathesis against the API's own OpenAPI document: no server errors, and every response
(status, content type, headers, body) as the document says.

Hypothesis generates requests for every operation from the schema, valid and invalid. Only the
conformance checks run: a schema-valid referral may still be refused with 422 for what a schema
cannot say (a "child" aged 30, two members with one id), and a bad item in a batch is answered in
the results, by design.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from triage.access import Role
from triage.app import create_app
from triage.settings import Settings

# schemathesis loads the schema when the module is collected, so the app is built here, once
_FOLDER = tempfile.mkdtemp(prefix="triage-schemathesis-")
atexit.register(shutil.rmtree, _FOLDER, True)
APP = create_app(Settings(audit_db=Path(_FOLDER) / "audit.sqlite3", engine="python"))
TOKEN = APP.state.services.keys.create("schemathesis", Role.FRONT_DOOR)[1]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=50, suppress_health_check=list(HealthCheck), deadline=None)
def test_every_response_conforms_to_the_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)
