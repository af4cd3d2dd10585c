"""The front door's received window: a referral arriving now (the API, the web pages) must have been
received within the ruleset's ``intake.received_within_days`` and not more than 5 minutes ahead of
the clock; every other way in (the command line, replay, simulation) takes any date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from triage.engine import Engine
from triage.front_door import FrontDoor
from triage.intake import InvalidReferral
from triage.models import Decision

from support import build_referral

NOW = datetime(2026, 11, 20, 10, 20, tzinfo=UTC)


@pytest.fixture
def door(policy) -> FrontDoor:
    return FrontDoor(Engine(policy, "python"), None, "tests", clock=lambda: NOW)


def _received(moment: datetime) -> dict:
    return build_referral(received_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


@pytest.mark.parametrize(
    ("offset", "taken"),
    [
        (timedelta(minutes=6), False),
        (timedelta(minutes=4), True),
        (timedelta(0), True),
        (-timedelta(days=91), False),
        (-timedelta(days=89), True),
        (-timedelta(days=90), True),
    ],
    ids=["6-minutes-ahead", "4-minutes-ahead", "now", "91-days-ago", "89-days-ago", "exactly-90-days-ago"],
)
def test_arriving_now_takes_only_referrals_received_in_the_window(door, offset, taken):
    [submitted] = door.submit_many([_received(NOW + offset)], arriving=True)
    assert isinstance(submitted.outcome, Decision) is taken


def test_a_referral_outside_the_window_is_refused_naming_received_at_and_the_window(door):
    [submitted] = door.submit_many([_received(datetime(2000, 1, 3, 9, tzinfo=UTC))], arriving=True)
    assert isinstance(submitted.outcome, InvalidReferral)
    assert [str(e) for e in submitted.outcome.errors] == [
        (
            "received_at: must be within the last 90 days and no more than 5 minutes ahead of now: "
            "between 2026-08-22T10:20:00Z and 2026-11-20T10:25:00Z"
        )
    ]
    assert submitted.outcome.referral_id == "T-1"


@pytest.mark.parametrize("year", [2000, 2099])
def test_every_other_way_in_takes_any_date(door, year):
    assert door.decide(_received(datetime(year, 1, 5, 9, tzinfo=UTC))).referral_id == "T-1"


def test_the_window_is_the_rulesets(policy_copy, edit):
    edit(policy_copy / "rules" / "ruleset.yaml", lambda data: data["intake"].update(received_within_days=7))
    from triage.rulebook import load_policy

    door = FrontDoor(Engine(load_policy(policy_copy), "python"), None, "tests", clock=lambda: NOW)
    outcomes = [
        s.outcome
        for s in door.submit_many(
            [_received(NOW - timedelta(days=6)), _received(NOW - timedelta(days=8))], arriving=True
        )
    ]
    assert [isinstance(o, Decision) for o in outcomes] == [True, False]


def test_the_version_in_force_today_is_the_clocks(policy, policy_copy, edit):
    """What the pages and the cost work call "the rules in force today" follows the same clock."""
    from triage.engine.library import RulesetLibrary
    from triage.rulebook import load_policy

    edit(
        policy_copy / "rules" / "ruleset.yaml",
        lambda data: data.update(version="2027.1", effective_from=date(2027, 4, 1)),
    )
    library = RulesetLibrary([Engine(policy, "python"), Engine(load_policy(policy_copy), "python")])
    door = FrontDoor(library, None, "tests", clock=lambda: NOW)
    before = door.in_force_today.policy.version
    door.clock = lambda: datetime(2027, 4, 1, 9, tzinfo=UTC)
    assert (before, door.in_force_today.policy.version) == ("2026.1", "2027.1")
