"""Differential test: the durable-rules and pure-Python backends decide identically.

A seeded generator builds several thousand varied referrals (members 1-6, every flag, numbers
around every threshold, consent present / absent / false, safeguarding, covered and uncovered
postcodes in every accepted form, dates around weekends and bank holidays). Each is decided by
both backends; the decisions must be equal apart from ``decision_id`` and ``decided_at``. The test
also checks that the generated set reaches every routing rule, so a generator that has become too
narrow makes the test fail rather than pass vacuously.
"""

from __future__ import annotations

import json
import random
from typing import Any

from triage.engine import Engine
from triage.intake import parse_referral

from support import (
    BOOL_FIELDS,
    HOUSING_FIELDS,
    MEMBER_COUNTS,
    POLICY_ORDER,
    ROUTING_RULE_IDS,
    RULE_4_ROUTES,
    set_consent_and_risk,
)

SEED = 20260401
N_REFERRALS = 3_200
VOLATILE = {"decision_id", "decided_at"}

ROUTING_RULES = set(ROUTING_RULE_IDS)
ALSO_REFER = {"domestic_abuse_service", "youth_justice_service", "drug_alcohol_service", "camhs", "housing_solutions"}
PROBLEMS = set(POLICY_ORDER)

ATTENDANCE = [0, 1e-05, 10.5, 49.9, 50, 50.0, 50.1, 75, 89.9, 90, 90.0, 90.1, 95, 100]
COUNTS = [0, 1, 2, 3, 4, 9, 1000]  # 1000: the largest count the contract takes
CHILD_AGES = [0, 1, 4, 5, 6, 10, 14, 15, 16, 17]
OTHER_AGES = [0, 12, 15, 16, 17, 18, 19, 24, 25, 34, 50, 75, 120]
COVERED = [
    "S5 7AU",
    "s57au",
    "S5",
    " s5 7au ",
    "s12bx",
    "S12 2BX",
    "S122bx",
    "S35 1AA",
    "S351aa",
    "S20",
    "S20 1AB",
    "S10 2TN",
    "S3 8AA",
    "S2",
    "s4 7qq",
    "S9 3HU",
    "S13 8AB",
    "S14",
    "S6 2AA",
    "S36 4HG",
    "S7 1AA",
    "s80zz",
    "S11 8AA",
    "S17 3AA",
    "S1 2BX",
    "  S1  ",
]
UNCOVERED = ["S40 1AA", "M1 1AA", "S18 1AA", "S21", "s401aa", "DN1 1AA", "SW1A 1AA", "S60 1AA"]
DATES = [
    "2026-11-20T10:15:00Z",
    "2026-11-21T09:00:00Z",
    "2026-05-23T09:00:00Z",
    "2026-05-25T12:00:00+01:00",
    "2026-06-30T23:30:00Z",
    "2026-12-24T16:00:00Z",
    "2026-12-25T08:00:00Z",
    "2026-12-28T09:00:00Z",
    "2027-01-01T09:00:00Z",
    "2026-04-02T08:00:00+01:00",
    "2026-11-20T23:30:00-05:00",
    "2026-03-29T00:30:00Z",
]


def random_member(rng: random.Random, member_id: str, density: float) -> dict[str, Any]:
    role = rng.choice(["parent_carer", "parent_carer", "child", "child", "child", "other_adult"])
    if role == "child":
        age = rng.choice(CHILD_AGES + [rng.randint(0, 17)])
    else:
        age = rng.choice(OTHER_AGES + [rng.randint(18, 90)])
    member: dict[str, Any] = {"id": member_id, "role": role, "age": age}
    for sec, fields in BOOL_FIELDS.items():
        for field in fields:
            r = rng.random()
            if r < density:
                member.setdefault(sec, {})[field] = True
            elif r < density + 0.08:
                member.setdefault(sec, {})[field] = False
            elif r < density + 0.1:
                member.setdefault(sec, {})  # an empty section now and then
    for sec, field in MEMBER_COUNTS:
        if rng.random() < density + 0.1:
            member.setdefault(sec, {})[field] = rng.choice(COUNTS)
    if rng.random() < 0.4:
        member.setdefault("school", {})["attendance_pct"] = rng.choice(ATTENDANCE + [round(rng.uniform(0, 100), 1)])
    return member


def random_referral(rng: random.Random, index: int) -> dict[str, Any]:
    density = rng.choice([0.0, 0.02, 0.05, 0.1, 0.2])
    n = rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6])
    members = [random_member(rng, f"m{j}", density) for j in range(n)]
    household: dict[str, Any] = {
        "postcode": rng.choice(UNCOVERED) if rng.random() < 0.08 else rng.choice(COVERED),
        "members": members,
    }
    if rng.random() < 0.6:
        household["housing"] = {f: rng.random() < max(density, 0.05) for f in HOUSING_FIELDS if rng.random() < 0.7}
    data: dict[str, Any] = {
        "referral_id": f"D-{index}",
        "received_at": rng.choice(DATES),
        "referrer": {"agency": rng.choice(["school", "police", "health", "housing", "self_referral"])},
        "household": household,
    }
    consent = rng.choices(["absent", "empty", "true", "false", "null"], weights=[8, 4, 70, 14, 4])[0]
    risk = rng.choices(["absent", "empty", "false", "true"], weights=[50, 10, 30, 10])[0]
    set_consent_and_risk(data, consent, risk)
    return data


def stable(decision) -> dict[str, Any]:
    return {k: v for k, v in decision.model_dump(mode="json").items() if k not in VOLATILE}


def test_durable_and_python_backends_agree(policy):
    durable, python = Engine(policy, "durable"), Engine(policy, "python")
    rng = random.Random(SEED)
    rules: set[str] = set()
    rule_4_routes: set[str] = set()
    also: set[str] = set()
    problems: set[str] = set()
    mismatches: list[str] = []
    for index in range(N_REFERRALS):
        data = random_referral(rng, index)
        referral = parse_referral(data, python.compiled.agencies)
        a, b = stable(durable.decide(referral)), stable(python.decide(referral))
        if a != b:
            diff = {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
            mismatches.append(f"{json.dumps(data)}\n  durable vs python: {diff}")
        rules.add(b["matched_rule"])
        if b["matched_rule"] == "no_dependent_children":
            rule_4_routes.add(b["route"])
        also.update(b["also_refer"])
        problems.update(b["problems"])
    assert not mismatches, f"{len(mismatches)} of {N_REFERRALS} differ; first ones:\n" + "\n".join(mismatches[:5])
    # the generator must be broad enough for the comparison to mean something
    assert rules == ROUTING_RULES
    assert rule_4_routes == RULE_4_ROUTES
    assert also == ALSO_REFER
    assert problems == PROBLEMS
