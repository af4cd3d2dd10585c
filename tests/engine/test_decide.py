"""The decision's sentences: who a routing reason names, the fallback sentence, definitions cited
in reasons, the wording for "no problems", and also-refer sentences only for services added."""

from __future__ import annotations

import uuid

from triage.engine import Engine
from triage.intake import parse_referral
from triage.rulebook import load_policy

from support import child, other, parent


def _routing_rule(data, rule_id):
    [rule] = [r for r in data["routing"] if r["id"] == rule_id]
    return rule


def test_a_safeguarding_reason_names_the_child_on_a_plan_not_every_child(decide, referral):
    decision = decide(
        referral(parent(), child(id="c1", social_care={"child_protection_plan": True}), child(id="c2", age=8))
    )
    assert decision.matched_rule == "safeguarding"
    assert "(Child c1 (age 12))" in decision.reasons[0]


def test_without_a_specific_child_the_safeguarding_reason_names_every_child(decide, referral):
    decision = decide(
        referral(parent(), child(id="c1"), child(id="c2", age=8), safeguarding={"immediate_risk_of_harm": True})
    )
    assert decision.matched_rule == "safeguarding"
    assert "(Child c1 (age 12), Child c2 (age 8))" in decision.reasons[0]


def test_a_household_without_children_or_specialist_need_gets_the_fallback_sentence(decide, referral):
    decision = decide(referral(other(age=40)))
    assert (decision.route, decision.reasons[0]) == (
        "universal_signpost",
        "No dependent child lives in the household and no specialist need is present: signpost to universal services",
    )


def test_indicator_and_modifier_reasons_cite_their_definitions(decide, referral):
    decision = decide(referral(parent(), child(school={"attendance_pct": 40.0})))
    assert any("(definition persistent_absence@" in reason for reason in decision.reasons)
    assert any("severely absent from school (definition severe_absence@" in reason for reason in decision.reasons)


def test_also_refer_sentences_only_for_services_added(decide, referral):
    """An adult who misuses drugs, alone: routed to the drug and alcohol service itself, so it is not
    also referred there and no also-refer sentence is written for it."""
    decision = decide(referral(other(age=40, health={"substance_misuse": True})))
    assert (decision.route, decision.also_refer) == ("drug_alcohol_service", [])
    assert not [reason for reason in decision.reasons if reason.startswith("Also refer")]


def test_each_service_added_gets_its_sentence(decide, referral):
    decision = decide(referral(parent(health={"substance_misuse": True}), child(school={"attendance_pct": 80.0})))
    assert "drug_alcohol_service" in decision.also_refer
    assert [r for r in decision.reasons if r.startswith("Also refer")] == [
        "Also refer to Drug and alcohol service: Parent/carer p1 (age 34) is an adult who misuses drugs or alcohol"
    ]


def test_a_reason_listing_no_problems_uses_the_policys_word_for_none(policy_copy, edit, referral):
    edit(
        policy_copy / "rules" / "routing.yaml",
        lambda data: _routing_rule(data, "below_threshold").update(reason="Problems met: {problems}"),
    )
    engine = Engine(load_policy(policy_copy), "python")
    decision = engine.decide(parse_referral(referral(parent(), child()), engine.compiled.agencies))
    assert decision.reasons[0] == "Problems met: none"


def test_decision_ids_are_random_uuid4_in_hex(decide, referral):
    """Made without a UUID object, but exactly what ``uuid.uuid4().hex`` gives: version 4, RFC 4122."""
    ids = [decide(referral(child())).decision_id for _ in range(200)]
    parsed = [uuid.UUID(hex=i) for i in ids]
    assert all(i == p.hex for i, p in zip(ids, parsed, strict=True))
    assert {(p.version, p.variant) for p in parsed} == {(4, uuid.RFC_4122)}
    assert len(set(ids)) == len(ids)
