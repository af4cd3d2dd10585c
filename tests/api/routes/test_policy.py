"""GET /v1/rulesets (active and archived), /v1/rulesets/{version}, /v1/definitions, /v1/services."""

from __future__ import annotations

from fastapi.encoders import jsonable_encoder

from support import SPEC_EXAMPLE

PROBLEM_JSON = "application/problem+json"


def test_the_ruleset_list_shows_the_version_in_force_and_its_hash(client, app, front_door):
    rulebook = app.state.services.front_door.latest.policy
    active = client.get("/v1/rulesets", headers=front_door.headers).json()["in_force"]
    assert (active["version"], active["sha256"]) == (rulebook.version, rulebook.sha256)
    assert len(active["sha256"]) == 64


def test_the_ruleset_that_decided_is_listed_as_archived(client, submit, partner, front_door):
    submit(partner, SPEC_EXAMPLE)
    listed = client.get("/v1/rulesets", headers=front_door.headers).json()
    assert [(r["version"], r["sha256"]) for r in listed["archived"]] == [
        (listed["in_force"]["version"], listed["in_force"]["sha256"])
    ]


def test_the_active_version_is_served_with_its_content(client, app, front_door):
    rulebook = app.state.services.front_door.latest.policy
    response = client.get(f"/v1/rulesets/{rulebook.version}", headers=front_door.headers)
    assert response.status_code == 200
    detail = response.json()
    assert (detail["version"], detail["sha256"], detail["active"]) == (rulebook.version, rulebook.sha256, True)
    assert set(detail["content"]) == {"definitions", "rules", "service_catalogue"}


def test_the_served_content_is_the_rulebooks_own(client, app, front_door):
    rulebook = app.state.services.front_door.latest.policy
    detail = client.get(f"/v1/rulesets/{rulebook.version}", headers=front_door.headers).json()
    assert detail["content"] == jsonable_encoder(rulebook.content)  # dates as ISO text


def test_an_unknown_ruleset_version_gets_404(client, front_door):
    response = client.get("/v1/rulesets/1999.9", headers=front_door.headers)
    assert (response.status_code, response.headers["content-type"]) == (404, PROBLEM_JSON)


def test_the_definitions_are_the_rulebooks(client, app, partner):
    expected = {d.id for d in app.state.services.front_door.latest.policy.definitions.definitions}
    definitions = client.get("/v1/definitions", headers=partner.headers).json()
    assert {d["id"] for d in definitions} == expected
    assert all(d["text"] and d["version"] >= 1 for d in definitions)


def test_the_services_are_the_catalogues(client, partner):
    catalogue = client.get("/v1/services", headers=partner.headers).json()
    assert {"bsf", "mast", "universal_signpost", "childrens_social_care"} <= {s["id"] for s in catalogue["services"]}
    assert catalogue["localities"]
