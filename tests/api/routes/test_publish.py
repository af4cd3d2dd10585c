"""POST /v1/rulesets: a policy lead publishes a version; it decides what is received from its date."""

from __future__ import annotations

import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from triage.access import Role
from triage.api.routes import policy
from triage.rulebook import default_policy_dir

from support import alias_bomb, build_referral, child, parent

EXAMPLE_2026_2 = Path(__file__).resolve().parents[3] / "examples" / "policies" / "2026.2"
# two problems and a need score of 35: MAST under 2026.1, BSF under 2026.2
FAMILY = (parent(domestic_abuse={"marac_high_risk": True}, employment={"out_of_work_benefits": True}), child(age=9))
MAY_2027 = datetime(2027, 5, 4, 10, 5, tzinfo=UTC)  # 2026.2 is in force (from 2027-04-01)


def _files() -> dict[str, str]:
    return {
        str(path.relative_to(EXAMPLE_2026_2)): path.read_text(encoding="utf-8")
        for path in EXAMPLE_2026_2.rglob("*.yaml")
    }


@pytest.fixture
def policy_lead(issue):
    return issue(Role.POLICY_LEAD, "policy-lead")


def _publish(client, caller, files):
    return client.post("/v1/rulesets", json={"files": files}, headers=caller.headers)


def _months_later(app) -> None:
    """The API takes referrals received lately: move the app's clock on to send one received in May 2027."""
    app.state.services.front_door.clock = lambda: MAY_2027


def test_a_published_version_decides_referrals_received_from_its_date(client, policy_lead, submit, partner, app):
    published = _publish(client, policy_lead, _files())
    assert (published.status_code, published.json()["version"], published.json()["tests_passed"]) == (201, "2026.2", 92)
    now = submit(partner, build_referral(*FAMILY, referral_id="P-1", received_at="2026-11-20T10:00:00Z")).json()
    _months_later(app)
    later = submit(partner, build_referral(*FAMILY, referral_id="P-2", received_at="2027-05-04T10:00:00Z")).json()
    assert [(d["ruleset"]["version"], d["route"]) for d in (now, later)] == [("2026.1", "mast"), ("2026.2", "bsf")]


def test_publishing_is_recorded_with_who_published(client, policy_lead, app):
    _publish(client, policy_lead, _files())
    [event] = [e for e in app.state.services.store.queries.events() if e.body.get("published")]
    assert (event.kind, event.body["version"], event.body["by"]) == ("ruleset_loaded", "2026.2", "policy-lead")


def test_publishing_the_same_ruleset_again_changes_nothing(client, policy_lead):
    _publish(client, policy_lead, _files())
    again = _publish(client, policy_lead, _files())
    assert (again.status_code, again.json()["already_published"]) == (200, True)


def test_the_same_version_with_other_content_is_refused(client, policy_lead):
    _publish(client, policy_lead, _files())
    files = _files()
    files["rules/need_score.yaml"] = files["rules/need_score.yaml"].replace("points: 10", "points: 11", 1)
    assert _publish(client, policy_lead, files).status_code in (409, 422)  # its tests or its number refuse it


def test_a_ruleset_whose_tests_fail_is_refused_and_the_old_one_keeps_deciding(
    client, policy_lead, submit, partner, app
):
    files = _files()
    files["rules/routing.yaml"] = files["rules/routing.yaml"].replace(
        "derived.need_score, ge: 35", "derived.need_score, ge: 45"
    )
    refused = _publish(client, policy_lead, files)
    assert (refused.status_code, refused.json()["errors"][0]["path"]) == (422, "rules/tests")
    _months_later(app)
    later = submit(partner, build_referral(*FAMILY, referral_id="P-3", received_at="2027-05-04T10:00:00Z")).json()
    assert later["ruleset"]["version"] == "2026.1"


def test_a_broken_file_is_refused_naming_its_file_and_line(client, policy_lead):
    files = _files()
    files["rules/need_score.yaml"] += "\nneed_score: {points_per_problem: 10}\n"  # the section twice
    refused = _publish(client, policy_lead, files)
    assert refused.status_code == 422
    assert any(error["path"].startswith("rules/need_score.yaml") for error in refused.json()["errors"])


@pytest.mark.parametrize("name", ["../escape.yaml", "rules/../../x.yaml", "other/x.yaml", "rules/x.txt"])
def test_a_file_outside_a_policy_folder_is_refused(client, policy_lead, name):
    refused = _publish(client, policy_lead, {**_files(), name: "x: 1\n"})
    assert (refused.status_code, refused.json()["errors"][0]["path"]) == (422, f"files.{name}")


def test_another_instance_picks_up_a_publication(client, policy_lead, app, settings):
    from triage.app import create_app

    other = create_app(settings)  # a second worker on the same database
    _publish(client, policy_lead, _files())
    other.state.services.refresh(force=True)
    assert other.state.services.front_door.library.versions() == ["2026.1", "2026.2"]


def test_a_simulation_reports_what_the_candidate_would_change_and_records_nothing(
    client, policy_lead, submit, partner, app
):
    submit(partner, build_referral(*FAMILY, referral_id="S-1", received_at="2026-11-20T10:00:00Z"))
    before = len(list(app.state.services.store.queries.events()))
    report = client.post("/v1/simulate", json={"files": _files(), "sample": 1}, headers=policy_lead.headers)
    data = report.json()
    assert (report.status_code, data["total"], data["changed"], data["transitions"]["rows"]) == (200, 1, 1, ["mast"])
    assert data["sample"][0]["new"]["team"] == "bsf"
    assert len(list(app.state.services.store.queries.events())) == before


def test_referrals_sent_while_a_version_is_published_are_all_decided(client, policy_lead, partner):
    """Publishing swaps the installed versions under requests in flight: none of them fails."""
    import threading

    statuses: list[int] = []

    def send(thread: int) -> None:
        for n in range(15):
            referral = build_referral(*FAMILY, referral_id=f"F-{thread}-{n}", received_at="2026-11-20T10:00:00Z")
            statuses.append(client.post("/v1/referrals", json=referral, headers=partner.headers).status_code)

    senders = [threading.Thread(target=send, args=(t,)) for t in range(3)]
    for sender in senders:
        sender.start()
    published = _publish(client, policy_lead, _files())
    for sender in senders:
        sender.join()
    assert (published.status_code, statuses.count(201), len(statuses)) == (201, 45, 45)


def test_a_forced_refresh_waits_for_one_in_progress_rather_than_skipping(client, policy_lead, app, settings):
    from triage.app import create_app

    other = create_app(settings).state.services
    _publish(client, policy_lead, _files())
    other._refreshing.acquire()  # another request's refresh is under way (it read the log too early)
    releaser = threading.Timer(0.2, other._refreshing.release)
    releaser.start()
    other.refresh(force=True)
    releaser.join()
    assert other.front_door.library.versions() == ["2026.1", "2026.2"]


def test_a_second_simulation_while_one_runs_is_asked_to_wait(client, policy_lead):
    from triage.api.routes import policy

    with policy._SIMULATING:  # a simulation is under way
        response = client.post("/v1/simulate", json={"files": _files()}, headers=policy_lead.headers)
    assert (response.status_code, response.headers["retry-after"]) == (429, "30")
    assert "already running" in response.json()["detail"]


# --- pinning and what is in force (2026.2 takes effect on 2027-04-01) ---------------------------


def test_the_front_door_may_not_pin_a_version_that_takes_effect_after_the_day_received(client, policy_lead, front_door):
    _publish(client, policy_lead, _files())
    referral = build_referral(*FAMILY, referral_id="PIN-F", received_at="2026-11-20T10:00:00Z")
    response = client.post("/v1/referrals?ruleset=2026.2", json=referral, headers=front_door.headers)
    assert (response.status_code, response.json()["errors"][0]["path"]) == (422, "ruleset")
    assert "2026.2 takes effect on 2027-04-01" in response.json()["detail"]


def test_the_front_door_may_pin_a_version_in_force_before_the_day_received(client, policy_lead, front_door, app):
    _publish(client, policy_lead, _files())
    _months_later(app)
    referral = build_referral(*FAMILY, referral_id="PIN-E", received_at="2027-05-04T10:00:00Z")
    response = client.post("/v1/referrals?ruleset=2026.1", json=referral, headers=front_door.headers)
    assert (response.status_code, response.json()["ruleset"]["version"], response.json()["route"]) == (
        201,
        "2026.1",
        "mast",
    )


def test_readyz_names_the_version_in_force_today_and_lists_the_published_one_as_scheduled(client, policy_lead):
    _publish(client, policy_lead, _files())
    ready = client.get("/readyz").json()
    assert (ready["in_force"]["version"], [(s["version"], s["effective_from"]) for s in ready["scheduled"]]) == (
        "2026.1",
        [("2026.2", "2027-04-01")],
    )


def test_the_ruleset_list_names_the_version_in_force_today_and_the_scheduled_one(client, policy_lead, front_door):
    _publish(client, policy_lead, _files())
    listed = client.get("/v1/rulesets", headers=front_door.headers).json()
    assert (
        listed["in_force"]["version"],
        [s["version"] for s in listed["scheduled"]],
        [i["version"] for i in listed["installed"]],
    ) == ("2026.1", ["2026.2"], ["2026.1", "2026.2"])


# -- refusals: coverage, invariants, hostile files; none names a folder on the server --------------

SERVER_FOLDERS = ("/tmp", "triage-upload", "triage-simulate", tempfile.gettempdir())


def _shipped_files() -> dict[str, str]:
    root = default_policy_dir()
    return {
        str(path.relative_to(root)): path.read_text(encoding="utf-8")
        for folder in ("definitions", "rules", "service_catalogue")
        for path in (root / folder).rglob("*.yaml")
    }


def _refused(response) -> dict:
    body = response.json()
    assert response.status_code == 422, body
    assert not any(folder in response.text for folder in SERVER_FOLDERS), response.text
    return body


def _cp_plan_child_to_mast(files: dict[str, str]) -> dict[str, str]:
    """Safeguarding by immediate risk only; the rule tests about protection plans changed to match."""
    routing = yaml.safe_load(files["rules/routing.yaml"])
    [rule] = [r for r in routing["routing"] if r["id"] == "safeguarding"]
    rule["when"] = {
        "all": [{"field": "safeguarding.immediate_risk_of_harm", "eq": True}, {"exists": {"who": "dependent_child"}}]
    }
    changed = {"rules/routing.yaml": yaml.safe_dump(routing, allow_unicode=True)}
    for name, referral_id, expected in (
        (
            "rules/tests/routing.yaml",
            "T-ROUTE-SG-1",
            {"route": "consent_required", "matched_rule": "consent", "priority": "standard"},
        ),
        ("rules/tests/also_refer.yaml", "T-ALSO-CSC", {"route": "mast", "matched_rule": "mast_early_help"}),
    ):
        tests = yaml.safe_load(files[name])
        [case] = [c for c in tests["cases"] if c["referral"]["referral_id"] == referral_id]
        case["expect"].update(expected)
        changed[name] = yaml.safe_dump(tests, allow_unicode=True)
    ruleset = files["rules/ruleset.yaml"].replace('version: "2026.1"', 'version: "2026.9"', 1)
    return {**files, **changed, "rules/ruleset.yaml": ruleset}


def test_one_rule_sending_everyone_out_of_area_is_refused_for_its_coverage(client, policy_lead):
    files = {**_shipped_files(), "rules/ruleset.yaml": _files()["rules/ruleset.yaml"]}
    routing = yaml.safe_load(files["rules/routing.yaml"])
    routing["routing"] = [
        {
            "id": "everyone_out",
            "policy_ref": "none",
            "otherwise": True,
            "route": "out_of_area",
            "priority": "standard",
            "reason": "Not ours",
        }
    ]
    files = {name: text for name, text in files.items() if not name.startswith("rules/tests/")}
    files["rules/routing.yaml"] = yaml.safe_dump(routing)
    files["rules/tests/only.yaml"] = (
        "cases: [{name: out, expect: {route: out_of_area}, referral: {referral_id: T-1, received_at: "
        '"2027-05-04T10:00:00Z", referrer: {agency: school}, household: {postcode: S5 7AU, members: '
        "[{id: p1, role: parent_carer, age: 30}]}}}]\n"
    )
    body = _refused(_publish(client, policy_lead, files))
    assert any("coverage 2.2% is below the 100%" in e["reason"] for e in body["errors"])


def test_a_child_on_a_protection_plan_sent_to_mast_is_refused_with_a_counter_example(client, policy_lead):
    body = _refused(_publish(client, policy_lead, _cp_plan_child_to_mast(_shipped_files())))
    [error] = body["errors"]
    assert error["path"].startswith("rules/invariants.yaml:")
    assert "child_at_risk_goes_to_childrens_social_care" in error["reason"]
    assert '"child_protection_plan": true' in error["reason"]


@pytest.mark.parametrize(
    "tests",
    ["base: 1\ncases: []\n", "cases: [1]\n", "cases: " + "[" * 60 + "]" * 60 + "\n", "cases: *no_such_anchor\n"],
)
def test_a_bad_rule_test_file_is_refused_naming_it(client, policy_lead, tests):
    body = _refused(_publish(client, policy_lead, {**_files(), "rules/tests/bad.yaml": tests}))
    assert any(error["path"].startswith("rules/tests/bad.yaml") for error in body["errors"])


@pytest.mark.parametrize("endpoint", ["/v1/rulesets", "/v1/simulate"])
def test_an_alias_bomb_is_refused_naming_its_file_and_line(client, policy_lead, endpoint):
    body = _refused(
        client.post(
            endpoint, json={"files": {**_files(), "rules/extra.yaml": alias_bomb()}}, headers=policy_lead.headers
        )
    )
    assert [e["path"] for e in body["errors"]] == ["rules/extra.yaml:1"]


@pytest.mark.parametrize("tests", ["base: 1\ncases: []\n", "cases: [1]\n", "cases: " + "[" * 60 + "]" * 60 + "\n"])
def test_a_simulation_with_a_bad_rule_test_file_is_refused_naming_it(client, policy_lead, tests):
    body = _refused(
        client.post(
            "/v1/simulate", json={"files": {**_files(), "rules/tests/bad.yaml": tests}}, headers=policy_lead.headers
        )
    )
    assert any(error["path"].startswith("rules/tests/bad.yaml") for error in body["errors"])


@pytest.mark.parametrize("endpoint", ["/v1/rulesets", "/v1/simulate"])
def test_a_missing_folder_is_refused_without_naming_a_server_folder(client, policy_lead, endpoint):
    files = {name: text for name, text in _files().items() if not name.startswith("service_catalogue/")}
    body = _refused(client.post(endpoint, json={"files": files}, headers=policy_lead.headers))
    assert [e["path"] for e in body["errors"]] == ["service_catalogue/"]


def test_a_candidate_without_rule_tests_is_refused_without_naming_a_server_folder(client, policy_lead):
    files = {name: text for name, text in _files().items() if not name.startswith("rules/tests/")}
    body = _refused(_publish(client, policy_lead, files))
    assert any("no rule tests" in e["reason"] for e in body["errors"])


def test_an_upload_larger_than_a_policy_may_be_is_refused_before_it_is_written(client, policy_lead, app, monkeypatch):
    monkeypatch.setattr(policy, "MAX_UPLOAD_BYTES", 100_000)
    files = {**_files(), "rules/notes.yaml": "notes: " + "x" * 100_000 + "\n"}
    body = _refused(_publish(client, policy_lead, files))
    assert [e["path"] for e in body["errors"]] == ["files"]
