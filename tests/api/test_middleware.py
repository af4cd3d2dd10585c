"""The two middlewares: the request body limit (413) and the request log with its request id.

Every app in this module refuses bodies over 2 KiB (``Settings(max_body_bytes=2048)``).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from triage.settings import Settings

from support import SPEC_EXAMPLE

LIMIT = 2048
PROBLEM_JSON = "application/problem+json"
JSON = {"Content-Type": "application/json"}
NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def settings(tmp_path: Path, migrated_database: Path) -> Settings:
    shutil.copyfile(migrated_database, tmp_path / "api.sqlite3")
    return Settings(audit_db=tmp_path / "api.sqlite3", engine="python", max_body_bytes=LIMIT)


def padded(size: int) -> bytes:
    """The contract's example as JSON of exactly ``size`` bytes (its narrative padded)."""
    bare = json.dumps({**SPEC_EXAMPLE, "narrative": ""}).encode()
    return json.dumps({**SPEC_EXAMPLE, "narrative": "x" * (size - len(bare))}).encode()


def chunks(body: bytes, size: int = 500) -> Iterator[bytes]:
    """The body as a stream (sent chunked, without Content-Length)."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


# --- the body limit -----------------------------------------------------------------------------


def test_a_body_of_exactly_the_limit_is_accepted(client, partner):
    response = client.post("/v1/referrals", content=padded(LIMIT), headers={**partner.headers, **JSON})
    assert response.status_code == 201


def test_a_body_over_the_limit_with_content_length_gets_413(client, partner):
    response = client.post("/v1/referrals", content=padded(LIMIT + 1), headers={**partner.headers, **JSON})
    assert (response.status_code, response.headers["content-type"]) == (413, PROBLEM_JSON)
    assert response.json()["status"] == 413


def test_a_streamed_body_over_the_limit_gets_413(client, partner):
    response = client.post("/v1/referrals", content=chunks(padded(LIMIT + 1)), headers={**partner.headers, **JSON})
    assert "content-length" not in response.request.headers
    assert (response.status_code, response.headers["content-type"]) == (413, PROBLEM_JSON)


def test_a_streamed_body_within_the_limit_reaches_the_route_whole(client, partner):
    response = client.post(
        "/v1/referrals", content=chunks(padded(LIMIT), size=100), headers={**partner.headers, **JSON}
    )
    assert (response.status_code, response.json()["referral_id"]) == (201, "R-2026-000123")


def test_a_body_over_the_limit_is_refused_before_the_key_is_checked(client):
    response = client.post("/v1/referrals", content=padded(LIMIT + 1), headers=JSON)
    assert response.status_code == 413


def test_a_refused_body_records_nothing(client, partner, auditor):
    client.post("/v1/referrals", content=chunks(padded(LIMIT + 1)), headers={**partner.headers, **JSON})
    client.post("/v1/referrals", content=padded(LIMIT + 1), headers={**partner.headers, **JSON})
    assert client.get("/v1/audit/verify", headers=auditor.headers).json()["events"] == 1  # the ruleset load only


# --- the request id -----------------------------------------------------------------------------


def test_a_plain_request_id_is_echoed(client):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-2026.11_abc-1"}).headers["x-request-id"] == (
        "lb-2026.11_abc-1"
    )


@pytest.mark.parametrize(
    "given",
    ["has spaces", "semi;colon", "<script>", "x" * 65, ""],
    ids=["spaces", "semicolon", "markup", "too-long", "empty"],
)
def test_a_request_id_that_is_not_a_plain_token_is_replaced_with_a_new_one(client, given):
    assert NEW_ID.fullmatch(client.get("/healthz", headers={"X-Request-ID": given}).headers["x-request-id"])


def test_each_request_without_an_id_gets_its_own(client):
    first, second = (client.get("/healthz").headers["x-request-id"] for _ in range(2))
    assert NEW_ID.fullmatch(first) and NEW_ID.fullmatch(second) and first != second


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/v1/decisions", 401), ("GET", "/nowhere", 404), ("POST", "/v1/referrals", 413)],
)
def test_an_error_response_carries_the_request_id_too(client, method, path, status):
    response = client.request(
        method, path, content=padded(LIMIT + 1) if method == "POST" else None, headers={"X-Request-ID": "req-err-1"}
    )
    assert (response.status_code, response.headers.get("x-request-id")) == (status, "req-err-1")


def test_an_unexpected_error_carries_the_request_id_it_names(client, app, front_door, monkeypatch):
    """The 500 body says "request id req-500"; the header must say the same, as on every response."""

    def fail(decision_id):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(app.state.services.store.queries, "history", fail)
    response = client.get("/v1/decisions/abc", headers={**front_door.headers, "X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.headers.get("x-request-id") == "req-500"


# --- the request log ----------------------------------------------------------------------------


def test_a_request_is_logged_with_its_id_caller_route_template_and_status(client, partner, log_lines):
    response = client.post("/v1/referrals", json=SPEC_EXAMPLE, headers={**partner.headers, "X-Request-ID": "req-log-1"})
    events, _ = log_lines()
    [logged] = [e for e in events if e.get("event") == "request"]
    assert (logged["request_id"], logged["caller"], logged["route"], logged["status"], logged["method"]) == (
        "req-log-1",
        partner.key.key_id,
        "/v1/referrals",
        201,
        "POST",
    )
    assert response.headers["x-request-id"] == "req-log-1"


def test_a_request_is_logged_with_its_route_template_not_its_path(client, submit, partner, log_lines):
    decision_id = submit(partner, SPEC_EXAMPLE).json()["decision_id"]
    log_lines()
    client.get(f"/v1/decisions/{decision_id}", headers=partner.headers)
    events, err = log_lines()
    assert [e["route"] for e in events if e.get("event") == "request"] == ["/v1/decisions/{decision_id}"]
    assert decision_id not in err


def test_the_log_never_holds_the_narrative_nor_the_key(client, partner, log_lines):
    marker = "LOG-MARKER-51d0aa"
    client.post("/v1/referrals", json={**SPEC_EXAMPLE, "narrative": marker}, headers=partner.headers)
    client.post("/v1/referrals", json={**SPEC_EXAMPLE, "narrative": marker, "household": {}}, headers=partner.headers)
    events, err = log_lines()
    assert [e["status"] for e in events if e.get("event") == "request"] == [201, 422]
    assert marker not in err
    assert partner.token.split("_")[-1] not in err


def test_a_refused_request_is_logged_without_a_caller(client, log_lines):
    client.get("/v1/decisions", headers={"Authorization": "Bearer not-a-key"})
    events, _ = log_lines()
    [logged] = [e for e in events if e.get("event") == "request"]
    assert (logged["caller"], logged["status"]) == (None, 401)


def test_an_unexpected_error_is_logged_as_a_500_with_its_request_id(client, app, front_door, monkeypatch, log_lines):
    def fail(decision_id):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(app.state.services.store.queries, "history", fail)
    client.get("/v1/decisions/abc", headers={**front_door.headers, "X-Request-ID": "req-500"})
    events, _ = log_lines()
    assert sorted((e["event"], e["request_id"], e.get("status")) for e in events) == [
        ("request", "req-500", 500),
        ("request_failed", "req-500", None),
    ]
