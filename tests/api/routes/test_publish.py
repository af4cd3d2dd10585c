"""POST /v1/rulesets: a policy lead publishes a version; it decides what is received from its date."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from triage.access import Role

from support import build_referral, child, parent

EXAMPLE_2026_2 = Path(__file__).resolve().parents[3] / "examples" / "policies" / "2026.2"
# two problems and a need score of 35: MAST under 2026.1, BSF under 2026.2
FAMILY = (parent(domestic_abuse={"marac_high_risk": True}, employment={"out_of_work_benefits": True}), child(age=9))
MAY_2027 = datetime(2027, 5, 4, 10, 5, tzinfo=UTC)  # 2026.2 is in force (from 2027-04-01)


def _files() -> dict[str, str]:
    return {str(path.relative_to(EXAMPLE_2026_2)): path.read_text(encoding="utf-8")
            for path in EXAMPLE_2026_2.rglob("*.yaml")}


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
    [event] = [e for e in app.state.services.store.events() if e.body.get("published")]
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


def test_a_ruleset_whose_tests_fail_is_refused_and_the_old_one_keeps_deciding(client, policy_lead, submit, partner,
                                                                              app):
    files = _files()
    files["rules/routing.yaml"] = files["rules/routing.yaml"].replace("derived.need_score, ge: 35",
                                                                      "derived.need_score, ge: 45")
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
    from triage.api.app import create_app
    other = create_app(settings)  # a second worker on the same database
    _publish(client, policy_lead, _files())
    other.state.services.refresh(force=True)
    assert other.state.services.front_door.library.versions() == ["2026.1", "2026.2"]


def test_a_simulation_reports_what_the_candidate_would_change_and_records_nothing(client, policy_lead, submit,
                                                                                   partner, app):
    submit(partner, build_referral(*FAMILY, referral_id="S-1", received_at="2026-11-20T10:00:00Z"))
    before = len(list(app.state.services.store.events()))
    report = client.post("/v1/simulate", json={"files": _files(), "sample": 1}, headers=policy_lead.headers)
    data = report.json()
    assert (report.status_code, data["total"], data["changed"], data["transitions"]["rows"]) == (200, 1, 1, ["mast"])
    assert data["sample"][0]["new"]["team"] == "bsf"
    assert len(list(app.state.services.store.events())) == before


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
    from triage.api.app import create_app
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
