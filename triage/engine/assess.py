"""Score a household from the test hits: problems met, need score, and the summary for routing.

This is the "k of n" arithmetic durable-rules cannot express natively (count the problems met,
add each modifier once), so it is done here in Python, between matching the member tests and
matching the routing rules, identically for both backends.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.engine.backend import Hits
from triage.engine.compiler import CompiledPolicy, ModifierRule, fact_key
from triage.engine.facts import Fact, FactSet

PROBLEMS_MET = fact_key("derived.problems_met")
NEED_SCORE = fact_key("derived.need_score")


@dataclass(frozen=True)
class Assessment:
    problems: tuple[str, ...]  # in the policy's order
    modifiers: tuple[ModifierRule, ...]
    need_score: int


def assess(policy: CompiledPolicy, hits: Hits) -> Assessment:
    met = {rule.problem for rule in policy.indicators if rule.test in hits}
    problems = tuple(p for p in policy.problems if p in met)
    modifiers = tuple(m for m in policy.modifiers if m.test in hits)
    score = policy.points_per_problem * len(problems) + sum(m.points for m in modifiers)
    return Assessment(problems, modifiers, score)


def summary_fact(policy: CompiledPolicy, facts: FactSet, hits: Hits, assessment: Assessment) -> Fact:
    """The household fact plus what routing needs: counts, score and one flag per lifted ``exists``."""
    summary = {
        **facts.household,
        "kind": "summary",
        PROBLEMS_MET: len(assessment.problems),
        NEED_SCORE: assessment.need_score,
    }
    for route in policy.routes:
        for test_id, _ in route.exists_tests:
            summary[fact_key(test_id)] = test_id in hits
    return summary
