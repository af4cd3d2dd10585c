"""Rule coverage: which parts of a policy the rule tests exercise, and which none does.

Read off the decisions themselves, so coverage means "a test saw this rule decide something":
- a routing rule is covered when a decision was made by it (``matched_rule``);
- an indicator, when a decision cites it as evidence; a modifier, when it added to a need score;
- a specialist need, when the ranked-specialist rule routed a referral to its service;
- an also-refer rule, when a decision also refers to its service.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.models import Decision
from triage.rulebook.loader import Policy

RANKED_SPECIALIST = "ranked_specialist"


@dataclass(frozen=True)
class Coverage:
    """Every coverage item (``kind: id``) and those no test exercised."""

    items: tuple[str, ...]
    missed: tuple[str, ...]

    @property
    def percent(self) -> float:
        return 100.0 * (len(self.items) - len(self.missed)) / len(self.items) if self.items else 100.0

    def report(self) -> str:
        lines = [
            f"coverage: {len(self.items) - len(self.missed)} of {len(self.items)} rules, indicators and "
            f"modifiers exercised ({self.percent:.1f}%)"
        ]
        if self.missed:
            lines.append("not exercised by any test:")
            lines.extend(f"  - {item}" for item in self.missed)
        return "\n".join(lines)


def _items(policy: Policy) -> list[str]:
    rules = policy.rules
    return [
        *(f"routing rule: {r.id}" for r in rules.routing),
        *(f"indicator: {p.id}/{i.id}" for p in rules.problems for i in p.indicators),
        *(f"modifier: {m.id}" for m in rules.need_score.modifiers),
        *(f"specialist need: {s.service}" for s in rules.specialist_needs),
        *(f"also refer: {a.id}" for a in rules.also_refer.rules),
    ]


def _exercised(policy: Policy, decision: Decision) -> set[str]:
    ranked = {r.id for r in policy.rules.routing if r.route == RANKED_SPECIALIST}
    also = {a.id for a in policy.rules.also_refer.rules if a.service in decision.also_refer}
    return {
        f"routing rule: {decision.matched_rule}",
        *(f"indicator: {e.problem}/{e.indicator}" for e in decision.evidence),
        *(f"modifier: {m.modifier}" for m in decision.modifiers),
        *([f"specialist need: {decision.route}"] if decision.matched_rule in ranked else []),
        *(f"also refer: {rule}" for rule in also),
    }


def measure_coverage(policy: Policy, decisions: list[Decision]) -> Coverage:
    """Coverage of ``policy`` by the decisions its tests produced."""
    items = _items(policy)
    exercised = set().union(*(_exercised(policy, d) for d in decisions)) if decisions else set()
    return Coverage(tuple(items), tuple(item for item in items if item not in exercised))
