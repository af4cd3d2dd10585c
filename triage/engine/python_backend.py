"""Pure-Python evaluation of the compiled tests: each expression becomes a closure, once.

This is the second backend (``--engine python``): a check on durable-rules (the differential test
runs both and requires identical decisions) and a fallback should durable-rules ever fail to build.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from triage.engine.backend import Hits, Summarise
from triage.engine.compiler import Absent, And, Cmp, CompiledPolicy, Expr, Or, fact_key
from triage.engine.facts import Fact, FactSet

Predicate = Callable[[Fact], bool]
_OPERATORS = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


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
    assert isinstance(expr, (And, Or)), expr
    return _chain(parts, every=isinstance(expr, And))


def _comparison(expr: Cmp) -> Predicate:
    key, value = expr.key, expr.value
    if expr.op == "eq":  # an absent key gives None, which equals no rule value
        return lambda fact: fact.get(key) == value
    compare = _OPERATORS[expr.op]
    return lambda fact: (found := fact.get(key)) is not None and compare(found, value)


def _chain(parts: tuple[Predicate, ...], every: bool) -> Predicate:
    """``a and b and ...`` (every) or ``a or b or ...`` as nested closures, not a generator."""
    if not parts:
        return lambda fact: every  # all() of nothing is true, any() of nothing is false
    if len(parts) == 1:
        return parts[0]
    first, rest = parts[0], _chain(parts[1:], every)
    if every:
        return lambda fact: first(fact) and rest(fact)
    return lambda fact: first(fact) or rest(fact)


def guard(expr: Expr) -> tuple[str, bool] | None:
    """A key without which ``expr`` cannot hold: ``(key, True)`` if it must be exactly true,
    ``(key, False)`` if it must merely be present (an absent field fails every comparison).

    Most tests start with one flag (``domestic_abuse__victim_12m = true``) that is false for most
    members, or a count that is usually absent; indexing tests by that key lets a member skip
    every test whose key it lacks, the way a RETE network's alpha nodes do.
    """
    items = expr.items if isinstance(expr, And) else (expr,)
    compares = [item for item in items if isinstance(item, Cmp)]
    for item in compares:
        if item.op == "eq" and item.value is True:
            return item.key, True
    for item in compares:
        if item.op in ("lt", "le", "gt", "ge"):
            return item.key, False
    return None


class _TestIndex:
    """Compiled tests of one scope, indexed by their guard key."""

    def __init__(self, tests: list[tuple[str, Expr]]) -> None:
        self.when_true: dict[str, list[tuple[str, Predicate]]] = {}
        self.when_present: dict[str, list[tuple[str, Predicate]]] = {}
        self.always: list[tuple[str, Predicate]] = []
        for test_id, expr in tests:
            entry, found = (test_id, to_predicate(expr)), guard(expr)
            if found is None:
                self.always.append(entry)
            else:
                key, must_be_true = found
                (self.when_true if must_be_true else self.when_present).setdefault(key, []).append(entry)

    def holding(self, fact: Fact) -> list[str]:
        """Ids of the tests that hold for ``fact``; each test is tried at most once."""
        candidates = list(self.always)
        for key, value in fact.items():
            if value is True and key in self.when_true:
                candidates += self.when_true[key]
        for key, tests in self.when_present.items():
            if key in fact:
                candidates += tests
        return [test_id for test_id, holds in candidates if holds(fact)]


class PythonBackend:
    name = "python"

    def __init__(self, policy: CompiledPolicy) -> None:
        self._members = _TestIndex([(t.id, t.expr) for t in policy.tests if t.scope == "member"])
        self._household = _TestIndex([(t.id, t.expr) for t in policy.tests if t.scope == "household"])
        self._routes = [(r.id, to_predicate(r.expr)) for r in policy.routes]
        self._member_key = fact_key("member_id")

    def evaluate(self, facts: FactSet, summarise: Summarise) -> tuple[Hits, set[str]]:
        hits: Hits = {test_id: {None} for test_id in self._household.holding(facts.household)}
        for member in facts.members:
            member_id = member[self._member_key]
            for test_id in self._members.holding(member):
                hits.setdefault(test_id, set()).add(member_id)
        summary = summarise(hits)
        return hits, {rule_id for rule_id, holds in self._routes if holds(summary)}
