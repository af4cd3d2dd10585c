"""Pure-Python evaluation of the compiled tests: each expression becomes a closure, once.

This is the second backend (``--engine python``): a check on durable-rules (the differential test
runs both and requires identical decisions) and a fallback should durable-rules ever fail to build.
"""

from __future__ import annotations

import operator
from typing import Callable

from triage.engine.backend import Hits, Summarise
from triage.engine.compiler import Absent, And, Cmp, CompiledPolicy, Expr, Or, fact_key
from triage.engine.facts import Fact, FactSet

Predicate = Callable[[Fact], bool]
_OPERATORS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
              "gt": operator.gt, "ge": operator.ge}


def to_predicate(expr: Expr) -> Predicate:
    """Compile an expression to a function of one fact; an absent key fails every comparison.

    Small conjunctions and disjunctions get their own closures: a generator per test per member
    was most of the evaluation time.
    """
    if isinstance(expr, Cmp):
        return _comparison(expr)
    if isinstance(expr, Absent):
        key = expr.key
        return lambda fact: key not in fact
    parts = tuple(to_predicate(item) for item in expr.items)
    if isinstance(expr, And):
        return _conjunction(parts)
    assert isinstance(expr, Or), expr
    return _disjunction(parts)


def _comparison(expr: Cmp) -> Predicate:
    key, value = expr.key, expr.value
    if expr.op == "eq":  # an absent key gives None, which equals no rule value
        return lambda fact: fact.get(key) == value
    compare = _OPERATORS[expr.op]
    return lambda fact: (found := fact.get(key)) is not None and compare(found, value)


def _conjunction(parts: tuple[Predicate, ...]) -> Predicate:
    if not parts:
        return lambda fact: True
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda fact: a(fact) and b(fact)
    first, rest = parts[0], _conjunction(parts[1:])
    return lambda fact: first(fact) and rest(fact)


def _disjunction(parts: tuple[Predicate, ...]) -> Predicate:
    if not parts:
        return lambda fact: False
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda fact: a(fact) or b(fact)
    first, rest = parts[0], _disjunction(parts[1:])
    return lambda fact: first(fact) or rest(fact)


class PythonBackend:
    name = "python"

    def __init__(self, policy: CompiledPolicy) -> None:
        self._member_tests = [(t.id, to_predicate(t.expr)) for t in policy.tests if t.scope == "member"]
        self._household_tests = [(t.id, to_predicate(t.expr)) for t in policy.tests if t.scope == "household"]
        self._routes = [(r.id, to_predicate(r.expr)) for r in policy.routes]
        self._member_key = fact_key("member_id")

    def evaluate(self, facts: FactSet, summarise: Summarise) -> tuple[Hits, set[str]]:
        hits: Hits = {}
        for test_id, holds in self._household_tests:
            if holds(facts.household):
                hits[test_id] = {None}
        for member in facts.members:
            member_id = member[self._member_key]
            for test_id, holds in self._member_tests:
                if holds(member):
                    hits.setdefault(test_id, set()).add(member_id)
        summary = summarise(hits)
        return hits, {rule_id for rule_id, holds in self._routes if holds(summary)}
