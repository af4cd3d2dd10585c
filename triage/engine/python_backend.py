"""Pure-Python evaluation of the compiled tests, written out as Python source once per ruleset.

This is the second backend (``--engine python``): a check on durable-rules (the differential test
runs both and requires identical decisions), a fallback should durable-rules ever fail to build,
and what ``triage simulate`` runs by default.

Each scope's tests become one generated function: every field a test compares is read from the
fact once into a local, and each test is one ``if`` over those locals, in the compiled form's
own terms (``and``/``or`` as written; an absent field reads as None, which fails every
comparison; ``Absent`` is ``key not in fact``). Calling a closure per test per member, even
indexed by each test's first flag, cost several times more. Keys, test ids and values enter the
source only through ``repr`` (floats that have no literal through the namespace), so nothing
written in a policy file can become code. An expression nested deeper than Python's parser takes
is evaluated by closures (``to_predicate``) instead; ``tests/engine/test_python_backend.py``
holds the generated code to a direct reading of the compiled form.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from triage.engine.backend import Hits, Summarise
from triage.engine.compiler import Absent, And, Cmp, CompiledPolicy, Expr, Or
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
_SYMBOLS = {"ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
MAX_GENERATED_DEPTH = 40  # And/Or levels written as source; deeper ones run as closures


def to_predicate(expr: Expr) -> Predicate:
    """A function of one fact, built from closures: for expressions too deep to write as source."""
    if isinstance(expr, Cmp):
        key, value = expr.key, expr.value
        if expr.op == "eq":  # an absent key gives None, which equals no rule value
            return lambda fact: fact.get(key) == value
        compare = _OPERATORS[expr.op]
        return lambda fact: (found := fact.get(key)) is not None and compare(found, value)
    if isinstance(expr, Absent):
        absent = expr.key
        return lambda fact: absent not in fact
    assert isinstance(expr, (And, Or)), expr
    parts = tuple(to_predicate(item) for item in expr.items)
    if isinstance(expr, And):
        return lambda fact: all(part(fact) for part in parts)
    return lambda fact: any(part(fact) for part in parts)


def depth(expr: Expr) -> int:
    """How many And/Or levels ``expr`` nests (a comparison alone: 0)."""
    if isinstance(expr, (And, Or)):
        return 1 + max((depth(item) for item in expr.items), default=0)
    return 0


class _Writer:
    """Writes the source of one generated function: locals for the fields read, one ``if`` per test."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace  # constants and closures the source refers to by name
        self.fields: dict[str, str] = {}  # fact key -> local variable
        self.body: list[str] = []

    def condition(self, expr: Expr) -> str:
        """A Python expression that holds exactly when ``expr`` holds for ``fact``."""
        if depth(expr) > MAX_GENERATED_DEPTH:
            return f"{self._constant(to_predicate(expr))}(fact)"
        return self._expression(expr)

    def _expression(self, expr: Expr) -> str:
        if isinstance(expr, Cmp):
            found = self._field(expr.key)
            if expr.op == "eq":
                return f"{found} == {self._literal(expr.value)}"
            return f"({found} is not None and {found} {_SYMBOLS[expr.op]} {self._literal(expr.value)})"
        if isinstance(expr, Absent):
            return f"({expr.key!r} not in fact)"
        assert isinstance(expr, (And, Or)), expr
        if not expr.items:
            return "True" if isinstance(expr, And) else "False"
        joined = (" and " if isinstance(expr, And) else " or ").join(self._expression(item) for item in expr.items)
        return f"({joined})"

    def _field(self, key: str) -> str:
        if key not in self.fields:
            self.fields[key] = f"v{len(self.fields)}"
        return self.fields[key]

    def _literal(self, value: bool | float | str) -> str:
        if isinstance(value, float) and not math.isfinite(value):
            return self._constant(value)
        return repr(value)

    def _constant(self, value: Any) -> str:
        name = f"c{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def function(self, signature: str, before: list[str], after: list[str]) -> list[str]:
        reads = [f"    {name} = get({key!r})" for key, name in self.fields.items()]
        return [f"def {signature}:", "    get = fact.get", *before, *reads, *self.body, *after, ""]


def _member_tests(policy: CompiledPolicy, namespace: dict[str, Any]) -> list[str]:
    """``member(fact, hits)``: adds the member's id to the hits of every member test it passes."""
    writer = _Writer(namespace)
    for test in policy.tests:
        if test.scope == "member":
            writer.body += [
                f"    if {writer.condition(test.expr)}:",
                f"        found = hits.get({test.id!r})",
                "        if found is None:",
                f"            hits[{test.id!r}] = {{member_id}}",
                "        else:",
                "            found.add(member_id)",
            ]
    return writer.function("member(fact, hits)", ["    member_id = fact['member_id']"], [])


def _household_tests(policy: CompiledPolicy, namespace: dict[str, Any]) -> list[str]:
    """``household(fact, hits)``: a household test that holds has the household (None) as its hit."""
    writer = _Writer(namespace)
    for test in policy.tests:
        if test.scope == "household":
            writer.body += [f"    if {writer.condition(test.expr)}:", f"        hits[{test.id!r}] = {{None}}"]
    return writer.function("household(fact, hits)", [], [])


def _routing(policy: CompiledPolicy, namespace: dict[str, Any]) -> list[str]:
    """``routes(fact)``: the ids of every routing rule that holds for the summary fact."""
    writer = _Writer(namespace)
    for route in policy.routes:
        writer.body += [f"    if {writer.condition(route.expr)}:", f"        holding.add({route.id!r})"]
    return writer.function("routes(fact)", ["    holding = set()"], ["    return holding"])


def evaluator_source(policy: CompiledPolicy, namespace: dict[str, Any]) -> str:
    """The generated functions ``household``, ``member`` and ``routes`` for ``policy``; names the
    source refers to (constants, closures) are put in ``namespace``."""
    lines = [*_household_tests(policy, namespace), *_member_tests(policy, namespace), *_routing(policy, namespace)]
    return "\n".join(lines)


class PythonBackend:
    name = "python"

    def __init__(self, policy: CompiledPolicy) -> None:
        namespace: dict[str, Any] = {}
        self.source = evaluator_source(policy, namespace)
        exec(compile(self.source, f"<rules {policy.version}>", "exec"), namespace)  # noqa: S102 - generated above
        self._household: Callable[[Fact, Hits], None] = namespace["household"]
        self._member: Callable[[Fact, Hits], None] = namespace["member"]
        self._routes: Callable[[Fact], set[str]] = namespace["routes"]

    def evaluate(self, facts: FactSet, summarise: Summarise) -> tuple[Hits, set[str]]:
        hits: Hits = {}
        self._household(facts.household, hits)
        member = self._member
        for fact in facts.members:
            member(fact, hits)
        return hits, self._routes(summarise(hits))
