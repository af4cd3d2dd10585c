"""Score a household from the test hits: problems met, need score, and the summary for routing.

This is the "k of n" arithmetic durable-rules cannot express natively (count the problems met,
add each modifier once), so it is done here in Python, between matching the member tests and
matching the routing rules, identically for both backends.
"""

from __future__ import annotations

from typing import NamedTuple

from triage.engine.backend import Hits
from triage.engine.compiler import CompiledPolicy, ModifierRule, fact_key
from triage.engine.facts import Fact, FactSet

PROBLEMS_MET = fact_key("derived.problems_met")
NEED_SCORE = fact_key("derived.need_score")


class Assessment(NamedTuple):  # built for every referral: a tuple is the cheapest immutable record
    problems: tuple[str, ...]  # in the policy's order
    modifiers: tuple[ModifierRule, ...]
    need_score: int


def assess(policy: CompiledPolicy, hits: Hits) -> Assessment:
    problems_of = policy.problems_of_test
    met = {problem for test in hits if test in problems_of for problem in problems_of[test]}
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
    for test_id, key in policy.summary_flags:
        summary[key] = test_id in hits
    return summary
