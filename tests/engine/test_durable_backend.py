"""The durable-rules backend's containment: threads, swaps, session clean-up, failures, patterns."""

from __future__ import annotations

import random
import threading
from types import SimpleNamespace

import pytest

import triage.engine.durable_backend as durable_backend
from triage.engine import Engine, EngineFailure
from triage.engine.compiler import Absent, And, Cmp, Or
from triage.intake import parse_referral
from triage.models import Decision, Referral

VOLATILE = {"decision_id", "decided_at"}


def stable(decision: Decision) -> dict:
    return decision.model_dump(exclude=VOLATILE)


def varied_referrals(policy_agencies: frozenset[str], count: int) -> list[Referral]:
    """Small households that reach several different routes."""
    rng = random.Random(7)
    referrals = []
    for i in range(count):
        members = [
            {"id": "p1", "role": "parent_carer", "age": 30 + i % 20, "health": {"substance_misuse": rng.random() < 0.3}}
        ]
        if rng.random() < 0.8:
            members.append(
                {
                    "id": "c1",
                    "role": "child",
                    "age": rng.randint(3, 17),
                    "school": {"attendance_pct": rng.choice([40.0, 88.0, 95.0])},
                    "social_care": {"child_protection_plan": rng.random() < 0.1},
                }
            )
        data = {
            "referral_id": f"C-{i}",
            "received_at": "2026-11-20T10:15:00Z",
            "referrer": {"agency": "school"},
            "consent": {"given": rng.random() < 0.9},
            "household": {
                "postcode": rng.choice(["S5 7AU", "S2 1AA", "S10 2TN", "M1 1AA"]),
                "housing": {"rent_arrears": rng.random() < 0.4},
                "members": members,
            },
        }
        referrals.append(parse_referral(data, policy_agencies))
    return referrals


def test_concurrent_threads_get_the_same_decisions_as_one_thread(policy):
    engine, reference = Engine(policy, "durable"), Engine(policy, "python")
    referrals = varied_referrals(reference.compiled.agencies, 240)
    expected = [stable(reference.decide(r)) for r in referrals]
    results: dict[int, dict] = {}

    def work(offset: int) -> None:
        for i in range(offset, len(referrals), 8):
            results[i] = stable(engine.decide(referrals[i]))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(len(referrals))] == expected


def test_sessions_are_deleted_so_more_than_1024_evaluations_run(policy):
    """durable allows 1024 live sessions per ruleset; every evaluation must delete its own."""
    engine = Engine(policy, "durable")
    referral = varied_referrals(engine.compiled.agencies, 1)[0]
    routes = {engine.decide(referral).route for _ in range(1100)}
    assert len(routes) == 1


@pytest.mark.parametrize("code", [1, 2], ids=["not-handled", "observed"])
def test_a_fact_durable_does_not_take_is_an_engine_failure(policy, monkeypatch, code):
    engine = Engine(policy, "durable")
    referral = varied_referrals(engine.compiled.agencies, 1)[0]
    deleted: list[str] = []
    fake_core = SimpleNamespace(
        error=durable_backend.core.error,
        assert_facts=lambda handle, text: (code, 0),
        delete_state=lambda handle, sid: deleted.append(sid),
    )
    monkeypatch.setattr(durable_backend, "core", fake_core)
    with pytest.raises(EngineFailure):
        engine.decide(referral)
    assert deleted == []  # no action ran in the session: deleting it would crash the process


def test_an_action_that_fails_is_abandoned_and_the_referral_gets_no_decision(policy, monkeypatch):
    """As durable's own Ruleset does: the C core is told, so the session is not left mid-action."""
    engine = Engine(policy, "durable")
    referral = varied_referrals(engine.compiled.agencies, 1)[0]
    abandoned: list[tuple[int, int]] = []

    def fail(handle: int, state: str) -> None:
        raise durable_backend.core.error("update failed")

    fake_core = SimpleNamespace(
        error=durable_backend.core.error,
        assert_facts=lambda handle, text: (0, 7),
        start_action_for_state=lambda handle, state: ("{}", '{"catch_all": {"m": {}}}'),
        update_state=fail,
        abandon_action=lambda handle, state: abandoned.append((handle, state)),
        delete_state=lambda handle, sid: None,
    )
    monkeypatch.setattr(durable_backend, "core", fake_core)
    with pytest.raises(EngineFailure):
        engine.decide(referral)
    assert [state for _, state in abandoned] == [7]


@pytest.mark.parametrize(
    ("expr", "pattern"),
    [
        (Cmp("age", "eq", 5), {"age": 5}),
        (Cmp("age", "le", 5), {"$lte": {"age": 5}}),
        (Cmp("role", "ne", "child"), {"$neq": {"role": "child"}}),
        (Absent("school__attendance_pct"), {"$nex": {"school__attendance_pct": 1}}),
        (
            And((Cmp("a", "eq", True), Or((Cmp("b", "gt", 1), Absent("b"))))),
            {"$and": [{"a": True}, {"$or": [{"$gt": {"b": 1}}, {"$nex": {"b": 1}}]}]},
        ),
    ],
)
def test_expressions_become_durable_patterns(expr, pattern):
    assert durable_backend.to_pattern(expr) == pattern


def test_every_rule_is_anchored_on_a_fact_kind(policy):
    """A pattern made only of absence tests matches the session state and loops for ever."""
    from triage.engine.compiler import compile_policy

    rules, _, _ = durable_backend.build_ruleset(compile_policy(policy))
    for name, rule in rules.items():
        first = rule["all"][0]["m"]
        anchor = first["$and"][0] if "$and" in first else first
        assert "kind" in anchor, name
