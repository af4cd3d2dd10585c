"""Who may do what: every endpoint for every role, and the keys that must get no further than 401.

The policy (triage/access/roles.py) as the API must enforce it, written out here as a table:
partners submit, read their own decisions and the shared vocabulary; the front door team also
reads everything, overrides, reads the rules and alone finds families (search, households,
matches, links); policy leads read decisions and rules, publish
rulesets and simulate candidates; auditors read everything, the audit log included, and never write.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from triage.access import Role

from support import build_referral, child, parent

PROBLEM_JSON = "application/problem+json"
EXAMPLE_2026_2 = Path(__file__).resolve().parents[2] / "examples" / "policies" / "2026.2"
CHALLENGE = 'Bearer realm="triage"'

P, FD, PL, AU = Role.PARTNER, Role.FRONT_DOOR, Role.POLICY_LEAD, Role.AUDITOR

# (method, path): the status each role gets. 403 is "forbidden for this role"; every other status
# is the endpoint's ordinary success. A partner reads a decision it submitted itself.
ACCESS: dict[tuple[str, str], dict[Role, int]] = {
    ("POST", "/v1/referrals"): {P: 201, FD: 201, PL: 403, AU: 403},
    ("POST", "/v1/referrals/batch"): {P: 200, FD: 200, PL: 403, AU: 403},
    ("GET", "/v1/decisions"): {P: 200, FD: 200, PL: 200, AU: 200},
    ("GET", "/v1/decisions/{decision_id}"): {P: 200, FD: 200, PL: 200, AU: 200},
    ("GET", "/v1/decisions/{decision_id}/history"): {P: 200, FD: 200, PL: 200, AU: 200},
    ("POST", "/v1/decisions/{decision_id}/override"): {P: 403, FD: 201, PL: 403, AU: 403},
    ("POST", "/v1/decisions/{decision_id}/close"): {P: 403, FD: 201, PL: 403, AU: 403},
    ("GET", "/v1/rulesets"): {P: 403, FD: 200, PL: 200, AU: 200},
    ("GET", "/v1/rulesets/{version}"): {P: 403, FD: 200, PL: 200, AU: 200},
    ("POST", "/v1/rulesets"): {P: 403, FD: 403, PL: 201, AU: 403},
    ("POST", "/v1/simulate"): {P: 403, FD: 403, PL: 200, AU: 403},
    ("GET", "/v1/costs"): {P: 403, FD: 403, PL: 200, AU: 200},
    ("POST", "/v1/costs"): {P: 403, FD: 403, PL: 200, AU: 200},
    ("GET", "/v1/definitions"): {P: 200, FD: 200, PL: 200, AU: 200},
    ("GET", "/v1/services"): {P: 200, FD: 200, PL: 200, AU: 200},
    ("GET", "/v1/audit/verify"): {P: 403, FD: 403, PL: 403, AU: 200},
    ("GET", "/v1/audit/events"): {P: 403, FD: 403, PL: 403, AU: 200},
    ("GET", "/v1/search"): {P: 403, FD: 200, PL: 403, AU: 403},
    ("GET", "/v1/households/{household_id}"): {P: 403, FD: 200, PL: 403, AU: 403},
    ("GET", "/v1/decisions/{decision_id}/matches"): {P: 403, FD: 200, PL: 403, AU: 403},
    ("POST", "/v1/decisions/{decision_id}/links"): {P: 403, FD: 201, PL: 403, AU: 403},
}

NEW_REFERRAL = build_referral(parent(), child(), referral_id="ACCESS-NEW")
QUERIES: dict[tuple[str, str], dict[str, str]] = {("GET", "/v1/search"): {"q": "ACCESS-SEED"}}
BODIES: dict[tuple[str, str], Any] = {  # a valid body for each endpoint that takes one ({…}: filled in)
    ("POST", "/v1/decisions/{decision_id}/links"): {"target": "{household_id}", "verdict": "confirm", "reason": "same"},
    ("POST", "/v1/referrals"): NEW_REFERRAL,
    ("POST", "/v1/referrals/batch"): {"referrals": [NEW_REFERRAL]},
    ("POST", "/v1/decisions/{decision_id}/override"): {"route": "mast", "reason": "known to the MAST team"},
    ("POST", "/v1/decisions/{decision_id}/close"): {"reason": "the family is with MAST"},
    ("POST", "/v1/rulesets"): {
        "files": {
            str(path.relative_to(EXAMPLE_2026_2)): path.read_text(encoding="utf-8")
            for path in EXAMPLE_2026_2.rglob("*.yaml")
        }
    },
    ("POST", "/v1/costs"): {
        "name": "access check",
        "groups": [{"route": "bsf", "families": 3, "problems": ["crime_asb"]}],
    },
    ("POST", "/v1/simulate"): {
        "files": {
            str(path.relative_to(EXAMPLE_2026_2)): path.read_text(encoding="utf-8")
            for path in EXAMPLE_2026_2.rglob("*.yaml")
        }
    },
}

ROLE_CASES = [
    pytest.param(method, path, role, status, id=f"{role.value}-{method} {path}")
    for (method, path), statuses in ACCESS.items()
    for role, status in statuses.items()
]
ENDPOINTS = [pytest.param(method, path, id=f"{method} {path}") for method, path in ACCESS]


def test_the_table_names_every_v1_endpoint_and_every_role(client):
    paths = client.get("/openapi.json").json()["paths"]
    endpoints = {
        (method.upper(), path) for path, operations in paths.items() if path.startswith("/v1/") for method in operations
    }
    assert set(ACCESS) == endpoints
    assert all(set(statuses) == set(Role) for statuses in ACCESS.values())


@pytest.fixture
def call(client: TestClient, submit, partner, front_door, app) -> Callable[..., Any]:
    """``call(method, path, headers)`` with the path's (and a body's) placeholders filled in: a
    decision that ``partner`` submitted, the active ruleset's version, and a household of two others."""
    # persistent absence: MAST, so the cost-benefit endpoints have a key working family to appraise
    decided = submit(partner, build_referral(parent(), child(school={"attendance_pct": 80}), referral_id="ACCESS-SEED"))
    assert decided.status_code == 201
    others = [
        submit(front_door, build_referral(parent(), referral_id=f"ACCESS-{n}")).json()["decision_id"] for n in (1, 2)
    ]
    values = {
        "decision_id": decided.json()["decision_id"],
        "version": app.state.services.front_door.latest.policy.version,
        "household_id": app.state.services.households.confirm(*others, "tests", "same family").household_id,
    }

    def request(method: str, path: str, headers: dict[str, str]):
        body = BODIES.get((method, path))
        if isinstance(body, dict):
            body = {name: v.format(**values) if isinstance(v, str) else v for name, v in body.items()}
        return client.request(
            method, path.format(**values), params=QUERIES.get((method, path)), json=body, headers=headers
        )

    return request


@pytest.mark.parametrize(("method", "path", "role", "status"), ROLE_CASES)
def test_each_role_may_do_only_what_its_grants_allow(call, partner, issue, method, path, role, status):
    caller = partner if role is P else issue(role)  # the partner reads the decision it submitted
    response = call(method, path, caller.headers)
    assert response.status_code == status, response.text
    if status == 403:
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.json()["status"] == 403


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_a_request_without_a_key_gets_401_and_a_bearer_challenge(call, method, path):
    response = call(method, path, {})
    assert (response.status_code, response.headers.get("www-authenticate")) == (401, CHALLENGE)
    assert response.headers["content-type"] == PROBLEM_JSON


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_a_revoked_key_gets_401_even_for_what_its_role_may_do(call, issue, app, method, path):
    revoked = issue(FD)
    app.state.services.keys.revoke(revoked.key.key_id)
    response = call(method, path, revoked.headers)
    assert (response.status_code, response.headers.get("www-authenticate")) == (401, CHALLENGE)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_a_malformed_token_gets_401(call, method, path):
    response = call(method, path, {"Authorization": "Bearer not-a-triage-key"})
    assert (response.status_code, response.headers.get("www-authenticate")) == (401, CHALLENGE)


def test_a_well_formed_token_with_the_wrong_secret_gets_401(call, issue):
    genuine = issue(AU)
    forged = genuine.token[:-4] + ("AAAA" if not genuine.token.endswith("AAAA") else "BBBB")
    response = call("GET", "/v1/audit/verify", {"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_a_key_sent_with_another_scheme_than_bearer_gets_401(call, issue):
    response = call("GET", "/v1/definitions", {"Authorization": f"Basic {issue(AU).token}"})
    assert (response.status_code, response.headers.get("www-authenticate")) == (401, CHALLENGE)


def test_a_partner_key_rotated_under_the_same_name_still_reads_the_old_keys_decisions(call, partner, issue, app):
    old = partner
    [decision_id] = [d["decision_id"] for d in call("GET", "/v1/decisions", old.headers).json()["items"]]
    app.state.services.keys.revoke(old.key.key_id)
    rotated = issue(P, old.key.name)
    assert call("GET", f"/v1/decisions/{decision_id}", rotated.headers).status_code == 200
