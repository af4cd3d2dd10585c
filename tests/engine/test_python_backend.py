"""The python backend's generated code says exactly what the compiled expressions say.

``triage.engine.python_backend`` writes each scope's tests out as Python source. These tests hold
one generated condition to a direct reading of the compiled form (``to_predicate``, closures over
the same ``Expr``) on random expressions and facts, and check that text written in a policy file
(keys, values, test ids) stays data and never becomes code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from triage.engine.compiler import Absent, And, Cmp, Expr, Or
from triage.engine.python_backend import (
    MAX_GENERATED_DEPTH,
    _Writer,
    depth,
    to_predicate,
)

KEYS = ("a", "b", "c'); import os; ('", "d\\n")
VALUES = st.one_of(
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.5, -0.0, math.inf, -math.inf]),
    st.sampled_from(["x", "y", "'); raise SystemExit('", '"""', "{}"]),
)
OPS = ("eq", "ne", "lt", "le", "gt", "ge")


def generated(expr: Expr) -> Callable[[dict[str, Any]], bool]:
    """One generated function returning the condition the backend writes for ``expr``."""
    namespace: dict[str, Any] = {}
    writer = _Writer(namespace)
    writer.body.append(f"    return {writer.condition(expr)}")
    exec("\n".join(writer.function("check(fact)", [], [])), namespace)  # noqa: S102 - the code under test
    check: Callable[[dict[str, Any]], bool] = namespace["check"]
    return check


def exprs() -> st.SearchStrategy[Expr]:
    leaf = st.one_of(
        st.builds(Cmp, st.sampled_from(KEYS), st.sampled_from(OPS), st.one_of(st.booleans(), st.integers(-3, 3))),
        st.builds(Absent, st.sampled_from(KEYS)),
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.builds(And, st.lists(inner, max_size=3).map(tuple)),
            st.builds(Or, st.lists(inner, max_size=3).map(tuple)),
        ),
        max_leaves=12,
    )


FACTS = st.dictionaries(st.sampled_from(KEYS), st.one_of(st.booleans(), st.integers(-3, 3)), max_size=4)


@settings(max_examples=400, deadline=None, database=None)
@given(exprs(), FACTS)
def test_a_generated_condition_holds_exactly_when_the_expression_does(expr: Expr, fact: dict[str, Any]) -> None:
    assert bool(generated(expr)(fact)) == bool(to_predicate(expr)(fact))


@settings(max_examples=200, deadline=None, database=None)
@given(st.sampled_from(KEYS), st.sampled_from(OPS), VALUES, VALUES)
def test_a_comparison_with_any_rule_value_is_read_as_data(key: str, op: str, value: Any, found: Any) -> None:
    """Strings that look like code, quotes, non-finite floats and -0.0 are compared, not run."""
    expr = Cmp(key, op, value)
    try:
        expected: Any = bool(to_predicate(expr)({key: found}))
    except TypeError:  # a str against a number: both readings refuse it
        expected = TypeError
    try:
        got: Any = bool(generated(expr)({key: found}))
    except TypeError:
        got = TypeError
    assert got == expected


def test_an_absent_field_fails_every_comparison_but_ne_and_eq_reads_it_as_none() -> None:
    for op in OPS:
        assert generated(Cmp("a", op, 1))({}) == to_predicate(Cmp("a", op, 1))({})
    assert generated(Cmp("a", "lt", 1))({}) is False


def test_empty_and_holds_and_empty_or_does_not() -> None:
    assert (generated(And(()))({}), generated(Or(()))({})) == (True, False)


def test_an_expression_nested_deeper_than_the_parser_takes_is_evaluated_by_closures() -> None:
    expr: Expr = Cmp("a", "eq", True)
    for level in range(MAX_GENERATED_DEPTH + 200):  # far deeper than Python's parser nests parentheses
        expr = And((expr, Absent("b"))) if level % 2 else Or((expr, Cmp("b", "gt", 5)))
    assert depth(expr) > MAX_GENERATED_DEPTH
    check = generated(expr)
    for fact in ({"a": True}, {"a": False}, {"a": True, "b": 9}, {"b": 1}):
        assert check(fact) == to_predicate(expr)(fact)
