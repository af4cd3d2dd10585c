"""Where a referral is routed, dated and explained.

The backend says which tests hold; this module turns that into the decision: the first routing
rule that holds wins, the priority sets the respond-by date, also-refer services are added, and
every rule that fired contributes one plain-English sentence naming the member and the evidence.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from triage.engine.assess import Assessment, assess, summary_fact
from triage.engine.backend import Backend, EngineFailure, Hits
from triage.engine.compiler import CompiledPolicy, RouteRule
from triage.engine.facts import Fact, FactSet, build_facts
from triage.models import Decision, Evidence, ModifierEvidence, Referral, RulesetRef
from triage.rulebook.loader import RANKED_SPECIALIST
from triage.rulebook.templates import render


@dataclass(frozen=True)
class _Route:
    rule: RouteRule
    service: str
    reason_template: str


class _Explainer:
    """Names members the way the wording in rules/ruleset.yaml says: "Child c1 (age 12)"."""

    def __init__(self, policy: CompiledPolicy, facts: FactSet) -> None:
        self.policy = policy
        self.members = {m["member_id"]: m for m in facts.members}
        self.order = {member_id: i for i, member_id in enumerate(self.members)}
        self.household = facts.household

    def ordered(self, ids: set[str | None]) -> list[str | None]:
        """Household first, then members in the referral's order: decisions must not depend on
        the order a backend happened to report them in."""
        return sorted(ids, key=lambda m: -1 if m is None else self.order[m])

    def name(self, member_id: str | None) -> str:
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


def decide(
    policy: CompiledPolicy, backend: Backend, referral: Referral, decided_at: datetime | None = None
) -> Decision:
    """Decide one validated referral. Pure apart from ``decision_id`` and ``decided_at``."""
    facts = build_facts(referral, policy)
    scorer = _Scorer(policy, facts)
    hits, holding = backend.evaluate(facts, scorer)
    if scorer.assessment is None:
        raise EngineFailure("the backend did not score the referral")
    assessment = scorer.assessment
    route = _choose_route(policy, hits, holding)
    explain = _Explainer(policy, facts)
    respond_by = policy.calendar.respond_by(referral.received_at, policy.working_days[route.rule.priority])
    locality = facts.locality if route.service in policy.locality_routes else None
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
        decision_id=uuid.uuid4().hex,
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
        ruleset=RulesetRef(version=policy.version, sha256=policy.sha256),
        decided_at=decided_at or datetime.now(UTC),
    )


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
