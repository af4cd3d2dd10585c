"""/healthz and /readyz: for load balancers, without a key."""

from __future__ import annotations


def test_healthz_answers_ok_without_a_key(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_names_the_ruleset_in_force_today_and_none_scheduled(client, app):
    rulebook = app.state.services.front_door.latest.policy
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "scheduled": [],
        "in_force": {
            "version": rulebook.version,
            "sha256": rulebook.sha256,
            "effective_from": rulebook.rules.effective_from.isoformat(),
            "effective_to": None,
        },
    }


def test_readyz_is_503_when_the_database_is_not_at_the_current_schema(client, app):
    with app.state.services.store.db.begin() as conn:
        conn.exec_driver_sql("DELETE FROM alembic_version")
    response = client.get("/readyz")
    assert (response.status_code, response.headers["content-type"]) == (503, "application/problem+json")
