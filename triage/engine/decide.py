"""Where a referral is routed, dated and explained.

The backend says which tests hold; this module turns that into the decision: the first routing
rule that holds wins, the priority sets the respond-by date, also-refer services are added, and
every rule that fired contributes one plain-English sentence naming the member and the evidence.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from triage.engine.assess import Assessment, assess, summary_fact
from triage.engine.backend import Backend, EngineFailure, Hits
from triage.engine.compiler import CompiledPolicy, RouteRule
from triage.engine.facts import Fact, FactSet, build_facts
from triage.models import Decision, Evidence, ModifierEvidence, Referral, RulesetRef
from triage.rulebook.loader import RANKED_SPECIALIST
from triage.rulebook.templates import render


class _Route(NamedTuple):
    rule: RouteRule
    service: str
    reason_template: str


class _Explainer:
    """Names members the way the wording in rules/ruleset.yaml says: "Child c1 (age 12)"."""

    def __init__(self, policy: CompiledPolicy, facts: FactSet) -> None:
        self.policy = policy
        self.members = {m["member_id"]: m for m in facts.members}
        self.order: dict[str | None, int] = {None: -1, **{member_id: i for i, member_id in enumerate(self.members)}}
        self.household = facts.household
        self._names: dict[str | None, str] = {}  # a member is often named by several reasons

    def ordered(self, ids: set[str | None]) -> list[str | None]:
        """Household first, then members in the referral's order: decisions must not depend on
        the order a backend happened to report them in."""
        return list(ids) if len(ids) == 1 else sorted(ids, key=self.order.__getitem__)

    def name(self, member_id: str | None) -> str:
        named = self._names.get(member_id)
        if named is None:
            named = self._names[member_id] = self._name(member_id)
        return named

    def _name(self, member_id: str | None) -> str:
        if member_id is None:
            return self.policy.wording.household
        member = self.members[member_id]
        return render(
            self.policy.wording.member,
            {"role": self.policy.wording.roles[member["role"]], "id": member_id, "age": member["age"]},
        )

    def names(self, ids: set[str | None]) -> str:
        return ", ".join(self.name(m) for m in self.ordered(ids))

    def value(self, member_id: str | None, key: str | None) -> Any:
        fact = self.household if member_id is None else self.members[member_id]
        return fact.get(key) if key else None


class _Scorer:
    """The ``summarise`` step a backend calls between matching member tests and routing; it
    keeps the assessment so the decision can report it."""

    def __init__(self, policy: CompiledPolicy, facts: FactSet) -> None:
        self.policy, self.facts = policy, facts
        self.assessment: Assessment | None = None

    def __call__(self, hits: Hits) -> Fact:
        self.assessment = assess(self.policy, hits)
        return summary_fact(self.policy, self.facts, hits, self.assessment)


class Routing(NamedTuple):
    """Where a referral goes, before it is explained: what a what-if simulation compares."""

    route: str
    locality: str | None
    priority: str
    matched_rule: str
    respond_by: date


class _Routed(NamedTuple):
    """Everything routing worked out that the explanation reuses."""

    facts: FactSet
    hits: Hits
    assessment: Assessment
    route: _Route
    locality: str | None
    respond_by: date


def _route_referral(policy: CompiledPolicy, backend: Backend, referral: Referral) -> _Routed:
    """Facts, backend, score, the first routing rule that holds, and its respond-by date."""
    facts = build_facts(referral, policy)
    scorer = _Scorer(policy, facts)
    hits, holding = backend.evaluate(facts, scorer)
    if scorer.assessment is None:
        raise EngineFailure("the backend did not score the referral")
    route = _choose_route(policy, hits, holding)
    respond_by = policy.calendar.respond_by(referral.received_at, policy.working_days[route.rule.priority])
    locality = facts.locality if route.service in policy.locality_routes else None
    return _Routed(facts, hits, scorer.assessment, route, locality, respond_by)


def route_of(policy: CompiledPolicy, backend: Backend, referral: Referral) -> Routing:
    """Where ``decide`` would send the referral, without explaining why: building the evidence
    and the sentences costs more than routing, and a simulation needs them only for the few
    referrals whose route changes. Same steps as ``decide``, so the same route and the same errors."""
    routed = _route_referral(policy, backend, referral)
    return Routing(
        routed.route.service, routed.locality, routed.route.rule.priority, routed.route.rule.id, routed.respond_by
    )


def decide(
    policy: CompiledPolicy, backend: Backend, referral: Referral, decided_at: datetime | None = None
) -> Decision:
    """Decide one validated referral. Pure apart from ``decision_id`` and ``decided_at``."""
    facts, hits, assessment, route, locality, respond_by = _route_referral(policy, backend, referral)
    explain = _Explainer(policy, facts)
    also = _also_refer(policy, hits, route.service)
    evidence, indicator_reasons = _indicator_evidence(policy, hits, explain)
    route_reason = render(
        route.reason_template,
        {
            "problems_met": len(assessment.problems),
            "problems": ", ".join(policy.problems[p] for p in assessment.problems) or policy.wording.no_problems,
            "need_score": assessment.need_score,
            "members": explain.names(_route_members(route.rule, hits)),
            "service": policy.service_names[route.service],
            "locality": locality or "",
            "district": facts.district,
            "priority": route.rule.priority,
            "respond_by": respond_by.isoformat(),
        },
    )
    return Decision(
        decision_id=_decision_id(),
        referral_id=referral.referral_id,
        route=route.service,
        locality=locality,
        priority=route.rule.priority,
        respond_by=respond_by,
        problems=list(assessment.problems),
        need_score=assessment.need_score,
        also_refer=also,
        matched_rule=route.rule.id,
        reasons=[
            route_reason,
            *indicator_reasons,
            *_modifier_reasons(assessment, hits, explain),
            *_also_refer_reasons(policy, hits, also, explain),
        ],
        evidence=evidence,
        modifiers=[
            ModifierEvidence(
                modifier=m.id, points=m.points, members=[x for x in explain.ordered(hits[m.test]) if x is not None]
            )
            for m in assessment.modifiers
        ],
        ruleset=_ruleset(policy.version, policy.sha256),
        decided_at=decided_at or datetime.now(UTC),
    )


_UUID_VERSION_BITS = (0xF000 << 64) | (0xC000 << 48)
_UUID_VERSION_4 = (4 << 76) | (0x8000 << 48)


def _decision_id() -> str:
    """``uuid.uuid4().hex``, without building a UUID object on every decision: 16 random bytes
    with the version (4) and variant (RFC 4122) bits set exactly as ``uuid.UUID`` sets them."""
    number = int.from_bytes(os.urandom(16), "big")
    return f"{number & ~_UUID_VERSION_BITS | _UUID_VERSION_4:032x}"


def _choose_route(policy: CompiledPolicy, hits: Hits, holding: set[str]) -> _Route:
    """The first rule in the table's order that holds; the catch-all guarantees there is one."""
    rule = next((r for r in policy.routes if r.id in holding), None)
    if rule is None:
        raise EngineFailure("no routing rule held, not even the catch-all")
    if rule.route != RANKED_SPECIALIST:
        return _Route(rule, rule.route, rule.reason)
    need = next((n for n in policy.specialist_needs if n.test in hits), None)
    if need is None:  # the loader guarantees a fallback for ranked_specialist
        return _Route(rule, str(rule.fallback), rule.fallback_reason or rule.reason)
    return _Route(rule, need.service, rule.reason)


def _route_members(rule: RouteRule, hits: Hits) -> set[str | None]:
    """Members behind a routing rule: those who passed its specific tests, else its plain ones."""
    specific = {m for test, has_when in rule.exists_tests if has_when for m in hits.get(test, ())}
    return specific or {m for test, _ in rule.exists_tests for m in hits.get(test, ())}


def _also_refer(policy: CompiledPolicy, hits: Hits, route: str) -> list[str]:
    if route in policy.also_refer_except:
        return []
    return sorted({r.service for r in policy.also_refer if r.test in hits} - {route})


def _indicator_evidence(policy: CompiledPolicy, hits: Hits, explain: _Explainer) -> tuple[list[Evidence], list[str]]:
    evidence, reasons = [], []
    for rule in policy.indicators:
        if rule.test not in hits:
            continue
        for member in explain.ordered(hits[rule.test]):
            value = explain.value(member, rule.evidence_key)
            # Built from compiled, typed values, so not validated again item by item: this runs
            # for every indicator of every referral.
            evidence.append(
                Evidence.model_construct(
                    problem=rule.problem,
                    indicator=rule.indicator,
                    member=member,
                    value=value,
                    definition=rule.definition,
                )
            )
            reasons.append(
                render(
                    rule.reason, {"member": explain.name(member), "value": value, "definition": rule.definition or ""}
                )
            )
    return evidence, reasons


@lru_cache(maxsize=64)
def _ruleset(version: str, sha256: str) -> RulesetRef:
    """One (frozen) RulesetRef per ruleset, not one per decision."""
    return RulesetRef(version=version, sha256=sha256)


def _modifier_reasons(assessment: Assessment, hits: Hits, explain: _Explainer) -> list[str]:
    return [
        render(m.reason, {"members": explain.names(hits[m.test]), "points": m.points, "definition": m.definition or ""})
        for m in assessment.modifiers
    ]


def _also_refer_reasons(policy: CompiledPolicy, hits: Hits, also: list[str], explain: _Explainer) -> list[str]:
    """One sentence per also-refer rule that added its service (not for the primary route)."""
    return [
        render(r.reason, {"members": explain.names(hits[r.test]), "service": policy.service_names[r.service]})
        for r in policy.also_refer
        if r.test in hits and r.service in also
    ]
