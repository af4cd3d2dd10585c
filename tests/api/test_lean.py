"""The lean route of POST /v1/referrals answers exactly as the FastAPI route it stands in front of.

Each request is sent twice to the same app: once as it is served (the lean route answers), once
with the lean route taken out (FastAPI's route answers). Status, headers and body must be the same,
but for what differs between any two decisions (the decision's id and time, its Location) and the
request id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI

from triage.access import Role
from triage.api.lean import LeanReferrals

from support import build_referral, child, parent

PER_DECISION = {"decision_id", "decided_at"}
PER_RESPONSE = {"x-request-id", "location", "date", "content-length"}


@contextmanager
def _fastapi_only(app: FastAPI) -> Iterator[None]:
    """The app with its lean route taken out for a while."""
    routes = list(app.router.routes)
    app.router.routes[:] = [route for route in routes if not isinstance(route, LeanReferrals)]
    try:
        yield
    finally:
        app.router.routes[:] = routes


def _answer(response: Any) -> tuple[int, dict[str, str], Any]:
    headers = {name: value for name, value in response.headers.items() if name not in PER_RESPONSE}
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict):
        body = {name: value for name, value in body.items() if name not in PER_DECISION}
    return response.status_code, headers, body


def _referral(referral_id: str, **changes: Any) -> dict[str, Any]:
    return build_referral(parent(), child(), referral_id=referral_id, **changes)


def _requests(issue: Callable[..., Any]) -> dict[str, Callable[[str], dict[str, Any]]]:
    """Each case: request keyword arguments for TestClient.post, given a referral id of its own."""
    partner = issue(Role.PARTNER, "hillside-school-mis").headers
    school = issue(Role.PARTNER, "school-mis", agency="school").headers
    auditor = issue(Role.AUDITOR, "internal-audit").headers
    return {
        "new": lambda rid: {"json": _referral(rid), "headers": partner},
        "no key": lambda rid: {"json": _referral(rid)},
        "another scheme": lambda rid: {"json": _referral(rid), "headers": {"Authorization": "Basic abc"}},
        "unknown key": lambda rid: {"json": _referral(rid), "headers": {"Authorization": "Bearer tri_nope"}},
        "role may not submit": lambda rid: {"json": _referral(rid), "headers": auditor},
        "no key, not JSON": lambda rid: {"content": b"{", "headers": {"Content-Type": "text/plain"}},
        "role may not submit, bad JSON": lambda rid: {
            "content": b"{",
            "headers": {**auditor, "Content-Type": "application/json"},
        },
        "not JSON": lambda rid: {"content": b"{}", "headers": {**partner, "Content-Type": "text/plain"}},
        "bad JSON": lambda rid: {"content": b"{", "headers": {**partner, "Content-Type": "application/json"}},
        "bad UTF-8": lambda rid: {
            "content": b'{"a":"\xff"}',
            "headers": {**partner, "Content-Type": "application/json"},
        },
        "duplicate keys": lambda rid: {
            "content": b'{"a":1,"a":2}',
            "headers": {**partner, "Content-Type": "application/json"},
        },
        "invalid referral": lambda rid: {"json": {"referral_id": rid}, "headers": partner},
        "not an object": lambda rid: {"json": [1, 2], "headers": partner},
        "another agency": lambda rid: {"json": _referral(rid, referrer={"agency": "police"}), "headers": school},
        "received long ago": lambda rid: {
            "json": _referral(rid, received_at="2020-01-01T09:00:00Z"),
            "headers": partner,
        },
    }


@pytest.fixture
def counted(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the lean route answered."""
    answered: list[str] = []
    handle = LeanReferrals.handle

    async def counting(self: LeanReferrals, scope: Any, receive: Any, send: Any) -> None:
        answered.append(scope["path"])
        await handle(self, scope, receive, send)

    monkeypatch.setattr(LeanReferrals, "handle", counting)
    return answered


@pytest.mark.parametrize(
    "case",
    [
        "new",
        "no key",
        "another scheme",
        "unknown key",
        "role may not submit",
        "no key, not JSON",
        "role may not submit, bad JSON",
        "not JSON",
        "bad JSON",
        "bad UTF-8",
        "duplicate keys",
        "invalid referral",
        "not an object",
        "another agency",
        "received long ago",
    ],
)
def test_the_lean_route_answers_as_the_fastapi_route(app, client, issue, counted, case):
    request = _requests(issue)[case]
    lean = client.post("/v1/referrals", **request(f"LEAN-{case}"))
    with _fastapi_only(app):
        fastapi = client.post("/v1/referrals", **request(f"FASTAPI-{case}"))
    assert counted == ["/v1/referrals"]  # the first answer was the lean route's, the second not
    assert _answer(lean)[0] == _answer(fastapi)[0]
    lean_answer, fastapi_answer = _answer(lean), _answer(fastapi)
    if isinstance(lean_answer[2], dict) and "referral_id" in lean_answer[2]:  # a decision: its own id
        lean_answer[2].pop("referral_id"), fastapi_answer[2].pop("referral_id")
    assert lean_answer == fastapi_answer


def test_a_referral_sent_again_is_answered_200_by_either_route(app, client, partner, counted):
    referral = _referral("AGAIN-1")
    assert client.post("/v1/referrals", json=referral, headers=partner.headers).status_code == 201
    again = client.post("/v1/referrals", json=referral, headers=partner.headers)
    with _fastapi_only(app):
        fastapi = client.post("/v1/referrals", json=referral, headers=partner.headers)
    assert (again.status_code, fastapi.status_code) == (200, 200)
    assert again.json() == fastapi.json()
    assert again.headers["location"] == fastapi.headers["location"]


def test_the_same_id_with_another_payload_gets_409_from_either_route(app, client, partner, counted):
    client.post("/v1/referrals", json=_referral("CONFLICT-1"), headers=partner.headers)
    changed = _referral("CONFLICT-1", narrative="another referral")
    lean = client.post("/v1/referrals", json=changed, headers=partner.headers)
    with _fastapi_only(app):
        fastapi = client.post("/v1/referrals", json=changed, headers=partner.headers)
    assert lean.status_code == 409
    assert _answer(lean) == _answer(fastapi)


def test_a_request_with_a_query_string_goes_to_the_fastapi_route(client, front_door, counted):
    """The ruleset pin is checked by FastAPI (an empty one is a 422 naming the parameter)."""
    response = client.post("/v1/referrals?ruleset=", json=_referral("PIN-1"), headers=front_door.headers)
    assert response.status_code == 422
    assert counted == []
