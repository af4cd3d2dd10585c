"""Determinism: the same referral decided twice gives the same decision (bar its id and time)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from triage.engine import Engine
from triage.intake import parse_referral

VOLATILE = {"decision_id", "decided_at"}

FAMILY = [
    {
        "id": "p1",
        "role": "parent_carer",
        "age": 34,
        "employment": {"out_of_work_benefits": True},
        "health": {"mental_health_concern": True, "substance_misuse": True},
        "domestic_abuse": {"marac_high_risk": True},
    },
    {
        "id": "c1",
        "role": "child",
        "age": 12,
        "school": {"attendance_pct": 45.0, "fixed_term_exclusions_3_terms": 1},
        "offending": {"proven_offence_12m": True},
        "health": {"mental_health_concern": True},
    },
    {"id": "c2", "role": "child", "age": 3, "health": {"development_concern_under5": True}},
]


def stable(decision) -> dict:
    return {k: v for k, v in decision.model_dump().items() if k not in VOLATILE}


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="bsf"),
        pytest.param({"postcode": "M1 1AA"}, id="out-of-area"),
        pytest.param({"consent": None}, id="consent-required"),
        pytest.param({"safeguarding": {"immediate_risk_of_harm": True}}, id="safeguarding"),
    ],
)
def test_same_referral_twice_same_decision(decide, referral, changes):
    data = referral(*FAMILY, housing={"rent_arrears": True, "homeless": True}, **changes)
    first, second = decide(data), decide(data)
    assert stable(first) == stable(second)


def test_deciding_other_referrals_in_between_changes_nothing(decide, referral):
    data = referral(*FAMILY)
    first = decide(data)
    decide(referral(FAMILY[0], postcode="S10 2TN"))
    decide(referral(FAMILY[1], FAMILY[2], safeguarding={"immediate_risk_of_harm": True}, consent=None))
    assert stable(decide(data)) == stable(first)


def test_member_order_does_not_change_the_route_or_score(decide, referral):
    first = decide(referral(*FAMILY))
    second = decide(referral(*reversed(FAMILY)))
    for key in ("route", "locality", "priority", "respond_by", "problems", "need_score", "also_refer", "matched_rule"):
        assert getattr(first, key) == getattr(second, key), key


def test_ruleset_reference(decide, referral):
    ruleset = decide(referral(*FAMILY)).ruleset
    assert ruleset.version == "2026.1"
    assert re.fullmatch(r"[0-9a-f]{64}", ruleset.sha256)


def test_both_backends_report_the_same_ruleset(policy, referral):
    refs = set()
    for backend in ("durable", "python"):
        engine = Engine(policy, backend)
        refs.add(engine.decide(parse_referral(referral(*FAMILY), engine.compiled.agencies)).ruleset)
    assert len(refs) == 1


def test_decided_at_supplied_is_used(engine, referral):
    moment = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
    decision = engine.decide(parse_referral(referral(*FAMILY), engine.compiled.agencies), decided_at=moment)
    assert decision.decided_at == moment


def test_decision_ids_are_unique(decide, referral):
    data = referral(*FAMILY)
    assert len({decide(data).decision_id for _ in range(20)}) == 20
