"""/openapi.json: the contract's Referral and Decision with live examples, the bearer scheme, and
problem details documented where they are answered."""

from __future__ import annotations

import pytest

PROBLEM_JSON = "application/problem+json"


@pytest.fixture
def document(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_referral_schema_has_the_contracts_example(document):
    referral = document["components"]["schemas"]["Referral"]
    [example] = referral["examples"]
    assert example["referral_id"] == "R-2026-000123"
    assert set(example) <= set(referral["properties"])
    assert set(referral["required"]) <= set(example)


def test_the_decision_schema_has_an_example_with_every_required_field(document):
    decision = document["components"]["schemas"]["Decision"]
    [example] = decision["examples"]
    assert set(decision["required"]) <= set(example)


def test_the_decision_example_is_what_posting_the_referral_example_decides(document, submit, partner):
    [referral] = document["components"]["schemas"]["Referral"]["examples"]
    [example] = document["components"]["schemas"]["Decision"]["examples"]
    decided = submit(partner, referral).json()
    fields = ("referral_id", "route", "priority", "problems", "matched_rule", "respond_by")
    assert {f: example[f] for f in fields} == {f: decided[f] for f in fields}


def test_the_bearer_scheme_is_declared_and_required_by_the_referral_endpoint(document):
    schemes = document["components"]["securitySchemes"]
    assert [(name, s["type"], s["scheme"]) for name, s in schemes.items()] == [("HTTPBearer", "http", "bearer")]
    assert document["paths"]["/v1/referrals"]["post"]["security"] == [{"HTTPBearer": []}]


@pytest.mark.parametrize("status", ["401", "403", "422"])
def test_posting_a_referral_documents_its_problems_as_problem_json(document, status):
    responses = document["paths"]["/v1/referrals"]["post"]["responses"]
    assert responses[status]["content"][PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_posting_a_referral_documents_201_with_location_and_200_for_a_repeat(document):
    responses = document["paths"]["/v1/referrals"]["post"]["responses"]
    assert "Location" in responses["201"]["headers"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Decision"}


def test_the_referral_body_is_documented_as_a_referral(document):
    body = document["paths"]["/v1/referrals"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Referral"}


def test_the_agencies_and_override_routes_are_the_catalogues(document, app):
    rulebook = app.state.services.front_door.latest.policy
    schemas = document["components"]["schemas"]
    assert schemas["Referrer"]["properties"]["agency"]["enum"] == sorted(
        app.state.services.front_door.latest.compiled.agencies
    )
    assert schemas["OverrideRequest"]["properties"]["route"]["enum"] == sorted(
        s.id for s in rulebook.catalogue.services
    )


def test_the_documentation_is_served_without_a_cdn(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn.jsdelivr.net" not in page.text and "unpkg.com" not in page.text


def test_the_link_body_is_documented_as_a_link_request(document):
    body = document["paths"]["/v1/decisions/{decision_id}/links"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/LinkRequest"}
    link_request = document["components"]["schemas"]["LinkRequest"]
    assert set(link_request["properties"]) == {"target", "verdict", "reason"}


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/v1/search", "SearchResults"),
        ("/v1/households/{household_id}", "HouseholdOut"),
        ("/v1/decisions/{decision_id}/matches", "Matches"),
    ],
)
def test_the_families_answers_are_documented_with_their_models(document, path, model):
    responses = document["paths"][path]["get"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
    assert responses["403"]["content"][PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
