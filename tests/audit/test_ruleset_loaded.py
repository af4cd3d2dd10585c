"""ruleset_loaded events: a front door with auditing records the ruleset it decides with, but only
when it differs from the last one recorded (repeated CLI runs must not flood the log)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from triage.audit.store import AuditStore
from triage.engine import Engine
from triage.front_door import FrontDoor
from triage.rulebook import Policy, load_policy


def _loads(store: AuditStore) -> list[dict[str, Any]]:
    return [e.body for e in store.queries.events() if e.kind == "ruleset_loaded"]


def _open(store: AuditStore, policy: Policy, caller: str = "tests") -> FrontDoor:
    return FrontDoor(Engine(policy, "python"), store, caller)


def _stricter(policy_copy: Path, edit: Callable[..., None]) -> Policy:
    """The policy copy with persistent absence at 85% instead of 90%: another ruleset hash."""

    def change(data: dict[str, Any]) -> None:
        [term] = [d for d in data["definitions"] if d["id"] == "persistent_absence"]
        [attendance] = [c for c in term["test"]["all"] if c.get("field") == "school.attendance_pct"]
        attendance["le"] = 85

    edit(policy_copy / "definitions" / "terms.yaml", change)
    return load_policy(policy_copy)


def test_opening_a_front_door_records_who_loaded_which_ruleset(store: AuditStore, policy: Policy) -> None:
    """An auditor must see which rules were in force from when, and who brought them in."""
    _open(store, policy, caller="intake-team")
    assert _loads(store) == [{"version": policy.version, "sha256": policy.sha256, "by": "intake-team"}]


def test_the_same_ruleset_again_is_not_recorded_again(store: AuditStore, policy: Policy) -> None:
    """Every CLI run opens a front door: identical loads would bury the decisions."""
    _open(store, policy)
    _open(store, policy, caller="someone else")
    assert len(_loads(store)) == 1


def test_a_changed_ruleset_is_recorded(
    store: AuditStore, policy: Policy, policy_copy: Path, edit: Callable[..., None]
) -> None:
    """A change of rules is exactly what the log must show."""
    _open(store, policy)
    stricter = _stricter(policy_copy, edit)
    _open(store, stricter)
    assert [body["sha256"] for body in _loads(store)] == [policy.sha256, stricter.sha256]


def test_going_back_to_an_earlier_ruleset_is_recorded(
    store: AuditStore, policy: Policy, policy_copy: Path, edit: Callable[..., None]
) -> None:
    """Only the latest load counts: a rollback changes the rules in force, so it must show."""
    stricter = _stricter(policy_copy, edit)
    for rules in (policy, stricter, policy):
        _open(store, rules)
    assert [body["sha256"] for body in _loads(store)] == [policy.sha256, stricter.sha256, policy.sha256]


def test_the_chain_verifies_with_ruleset_loads_among_decisions(store: AuditStore, policy: Policy) -> None:
    """Ruleset loads are chained like every other event."""
    from support import build_referral

    door = _open(store, policy)
    door.decide(build_referral(referral_id="RL-1"))
    assert [e.kind for e in store.queries.events()] == ["ruleset_loaded", "decision"]
    assert store.log.verify().ok


def test_a_front_door_without_auditing_records_nothing(store: AuditStore, policy: Policy) -> None:
    """Auditing off means no database writes at all."""
    FrontDoor(Engine(policy, "python"), None, "tests")
    assert list(store.queries.events()) == []
