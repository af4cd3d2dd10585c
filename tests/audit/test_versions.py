"""The audit log with two ruleset versions installed: both loads recorded once, both archived,
each decision replayable under the version that made it."""

from __future__ import annotations

from pathlib import Path

from triage.engine import Engine
from triage.engine.library import RulesetLibrary
from triage.front_door import FrontDoor
from triage.replay import replay
from triage.rulebook import load_policy

from support import build_referral, child, parent

EXAMPLE_2026_2 = Path(__file__).resolve().parents[2] / "examples" / "policies" / "2026.2"
FAMILY = (parent(domestic_abuse={"marac_high_risk": True}, employment={"out_of_work_benefits": True}), child(age=9))


def _door(store) -> FrontDoor:
    library = RulesetLibrary([Engine(load_policy(), "python"), Engine(load_policy(EXAMPLE_2026_2), "python")])
    return FrontDoor(library, store, "tests")


def test_both_versions_are_recorded_as_loaded_once_however_often_the_door_opens(store):
    for _ in range(3):
        _door(store)
    loads = [e.body["version"] for e in store.queries.events() if e.kind == "ruleset_loaded"]
    assert loads == ["2026.1", "2026.2"]


def test_each_decision_replays_identically_under_the_version_that_made_it(store):
    door = _door(store)
    old = door.decide(build_referral(*FAMILY, referral_id="V-1", received_at="2026-11-20T10:00:00Z"))
    new = door.decide(build_referral(*FAMILY, referral_id="V-2", received_at="2027-05-04T10:00:00Z"))
    assert (old.ruleset.version, new.ruleset.version) == ("2026.1", "2026.2")
    assert all(replay(store, d.decision_id, "python").identical for d in (old, new))
    assert store.log.verify().ok
