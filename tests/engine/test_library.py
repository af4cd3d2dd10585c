"""Several ruleset versions installed at once: the one in force on the day received decides."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cli import app
from triage.engine import Engine
from triage.engine.library import NoRulesetInForce, Pin, PinRefused, RulesetLibrary
from triage.front_door import FrontDoor
from triage.intake import parse_referral
from triage.policy_tests import load_rule_tests, measure_coverage, run_rule_tests
from triage.rulebook import PolicyInvalid, load_policy

from support import build_referral, child, parent

EXAMPLE_2026_2 = Path(__file__).resolve().parents[2] / "examples" / "policies" / "2026.2"
# two problems and a need score of 35: MAST under 2026.1 (BSF needs 40), BSF under 2026.2
FAMILY = (parent(domestic_abuse={"marac_high_risk": True}, employment={"out_of_work_benefits": True}), child(age=9))


@pytest.fixture(scope="module")
def library() -> RulesetLibrary:
    return RulesetLibrary([Engine(load_policy(EXAMPLE_2026_2), "python"), Engine(load_policy(), "python")])


def _received(when: str) -> dict:
    return build_referral(*FAMILY, received_at=when)


def _select(library: RulesetLibrary, when: str, pinned: str | Pin | None = None):
    return library.select(parse_referral(_received(when), library.latest.compiled.agencies), pinned)


def test_a_referral_is_decided_by_the_version_in_force_when_received(library):
    assert _select(library, "2026-11-20T10:00:00Z").engine.policy.version == "2026.1"
    assert _select(library, "2027-05-04T10:00:00+01:00").engine.policy.version == "2026.2"


def test_the_day_received_is_taken_in_europe_london(library):
    # 23:30 UTC on 31 March 2027 is 00:30 on 1 April in London (summer time): 2026.2 is in force
    selection = _select(library, "2027-03-31T23:30:00Z")
    assert (selection.engine.policy.version, "2027-04-01" in selection.reason) == ("2026.2", True)


def test_a_caller_may_pin_a_version(library):
    selection = _select(library, "2027-05-04T10:00:00Z", pinned="2026.1")
    assert (selection.engine.policy.version, selection.reason) == ("2026.1", "version 2026.1 pinned by the caller")


def test_a_pin_held_to_the_day_received_refuses_a_version_taking_effect_later(library):
    with pytest.raises(
        PinRefused,
        match="2026.2 takes effect on 2027-04-01, after this referral was received "
        r"\(2026-11-20",
    ):
        _select(library, "2026-11-20T10:00:00Z", pinned=Pin("2026.2"))


def test_a_pin_held_to_the_day_received_may_name_a_version_that_took_effect_earlier(library):
    selection = _select(library, "2027-05-04T10:00:00Z", pinned=Pin("2026.1"))
    assert (selection.engine.policy.version, selection.reason) == ("2026.1", "version 2026.1 pinned by the caller")


def test_a_version_taking_effect_on_the_day_received_may_be_pinned(library):
    assert _select(library, "2027-04-01T09:00:00+01:00", pinned=Pin("2026.2")).engine.policy.version == "2026.2"


def test_an_operators_plain_pin_may_name_any_installed_version(library):
    """The CLI's --ruleset: an operator's tool, e.g. to try a scheduled version before its day."""
    assert _select(library, "2026-11-20T10:00:00Z", pinned="2026.2").engine.policy.version == "2026.2"


def test_the_versions_scheduled_after_a_day_are_those_taking_effect_later(library):
    assert (
        [e.policy.version for e in library.scheduled_after(date(2027, 3, 31))],
        library.scheduled_after(date(2027, 4, 1)),
    ) == (["2026.2"], [])


def test_pinning_a_version_not_installed_is_refused_naming_those_installed(library):
    with pytest.raises(NoRulesetInForce, match="'2025.9' is not installed; installed: 2026.1, 2026.2"):
        _select(library, "2027-05-04T10:00:00Z", pinned="2025.9")


def test_before_every_installed_version_the_earliest_decides_and_says_so(library):
    selection = _select(library, "2024-06-01T10:00:00Z")
    assert selection.engine.policy.version == "2026.1"
    assert "before any installed version took effect" in selection.reason


def test_a_gap_after_a_version_ends_is_refused(policy_copy, edit):
    def ends(data):
        data["effective_to"] = date(2026, 3, 31)

    edit(policy_copy / "rules" / "ruleset.yaml", ends)
    gap = RulesetLibrary([Engine(load_policy(policy_copy), "python")])
    with pytest.raises(NoRulesetInForce, match="no installed ruleset is in force on 2026-11-20"):
        _select(gap, "2026-11-20T10:00:00Z")


def test_a_version_is_in_force_on_its_last_day(policy_copy, edit):
    edit(policy_copy / "rules" / "ruleset.yaml", lambda data: data.update(effective_to=date(2026, 11, 20)))
    ending = RulesetLibrary([Engine(load_policy(policy_copy), "python")])
    assert _select(ending, "2026-11-20T23:30:00Z").engine.policy.version == "2026.1"  # 23:30 in London
    with pytest.raises(NoRulesetInForce):
        _select(ending, "2026-11-21T00:30:00Z")


def test_a_version_that_ends_before_it_starts_is_refused_by_the_loader(policy_copy, edit):
    def backwards(data):
        data["effective_to"] = date(2020, 1, 1)

    edit(policy_copy / "rules" / "ruleset.yaml", backwards)
    with pytest.raises(PolicyInvalid, match="effective_to: ends"):
        load_policy(policy_copy)


def test_the_same_version_cannot_be_installed_twice():
    with pytest.raises(ValueError, match="installed twice: 2026.1"):
        RulesetLibrary([Engine(load_policy(), "python"), Engine(load_policy(), "python")])


def test_the_decision_says_which_version_decided_and_why(library):
    door = FrontDoor(library, None, "tests")
    before, after = door.decide(_received("2026-11-20T10:00:00Z")), door.decide(_received("2027-05-04T10:00:00Z"))
    assert (before.ruleset.version, before.route, after.ruleset.version, after.route) == (
        "2026.1",
        "mast",
        "2026.2",
        "bsf",
    )
    assert after.ruleset_selection.startswith("in force on 2027-05-04")


def test_triage_decide_installs_each_rules_folder_given(tmp_path):
    referral = tmp_path / "referral.json"
    referral.write_text(json.dumps(_received("2027-05-04T10:00:00Z")))
    result = CliRunner().invoke(
        app,
        ["decide", str(referral), "--engine", "python", "--no-audit", "--rules", ".", "--rules", str(EXAMPLE_2026_2)],
    )
    decision = json.loads(result.stdout)
    assert (result.exit_code, decision["ruleset"]["version"], decision["route"]) == (0, "2026.2", "bsf")


@pytest.mark.parametrize("backend", ["python", "durable"])
def test_the_example_2026_2_passes_its_own_rule_tests_with_full_coverage(backend):
    policy = load_policy(EXAMPLE_2026_2)
    outcomes = run_rule_tests(Engine(policy, backend), load_rule_tests(policy.root))
    assert [o.explain() for o in outcomes if not o.passed] == []
    assert measure_coverage(policy, [o.decision for o in outcomes]).missed == ()


def test_two_versions_taking_effect_the_same_day_are_ordered_by_version_number(policy_copy, edit):
    def renumber(data):
        data["version"] = "2026.10"

    edit(policy_copy / "rules" / "ruleset.yaml", renumber)
    same_day = RulesetLibrary([Engine(load_policy(policy_copy), "python"), Engine(load_policy(), "python")])
    assert same_day.versions() == ["2026.1", "2026.10"]
    assert _select(same_day, "2026-11-20T10:00:00Z").engine.policy.version == "2026.10"


@pytest.mark.parametrize(
    ("day", "version"),
    [
        (date(2026, 11, 27), "2026.1"),
        (date(2027, 3, 31), "2026.1"),
        (date(2027, 4, 1), "2026.2"),
        (date(2020, 1, 1), "2026.1"),
    ],
)
def test_the_rules_shown_on_a_day_are_those_in_force_then(library, day, version):
    assert library.in_force_on(day).policy.version == version  # 2020: before both, the earliest


def test_the_front_door_shows_todays_rules_not_a_version_published_for_later(library, monkeypatch):
    class March2027(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2027, 3, 31, 12, tzinfo=tz)

    monkeypatch.setattr("triage.front_door.datetime", March2027)
    door = FrontDoor(library, None, caller="tests")
    assert (door.in_force_today.policy.version, door.latest.policy.version) == ("2026.1", "2026.2")
