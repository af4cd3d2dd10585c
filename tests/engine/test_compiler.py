"""The compiler's negation normal form, checked on a tiny made-up policy in both backends.

No shipped rule negates a comparison, so the shipped policy cannot tell whether ``not (x <= v)``
compiles to ``x > v``; and both backends run the compiler's output, so comparing them cannot tell
either. Here every operator is compiled plain and negated and checked at v-1, v, v+1 and with the
field absent, against the condition language's own meaning (written out below, not read from the
compiler); and generated condition trees are compared with a direct reading of the tree.
"""

from __future__ import annotations

import operator
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.engine import BACKENDS, Engine
from triage.intake import parse_referral
from triage.rulebook import Policy, default_policy_dir, load_policy
from triage.rulebook.conditions import OPERATORS

from support import build_referral, child


class _NoAliases(yaml.SafeDumper):
    """Writes a value used twice out in full: policy files refuse YAML anchors and aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


THRESHOLD = 5
COUNT = "social_care.missing_episodes_12m"  # an optional whole number: it can be absent
# The condition language's meaning (conditions.py): an absent field makes every comparison false.
MEANING: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
DEFINITIONS = [
    {
        "id": "anyone",
        "label": "Anyone",
        "version": 1,
        "applies_to": "member",
        "policy_ref": "test",
        "text": "Every member.",
        "test": {"field": "age", "ge": 0},
    },
    {
        "id": "teenager",
        "label": "Teenager",
        "version": 1,
        "applies_to": "member",
        "policy_ref": "test",
        "text": "Aged 13 to 19.",
        "test": {"all": [{"field": "age", "ge": 13}, {"field": "age", "le": 19}]},
    },
]


def write_tiny_policy(root: Path, conditions: dict[str, Any]) -> Policy:
    """A policy whose only rules are one problem per condition (id -> YAML condition), each with one
    indicator on ``anyone``, and a catch-all route; the shipped calendar, wording and catalogue."""
    shipped = default_policy_dir()
    if not (root / "service_catalogue").exists():
        shutil.copytree(shipped / "service_catalogue", root / "service_catalogue")
        (root / "rules").mkdir()
        (root / "definitions").mkdir()
        shutil.copy(shipped / "rules" / "ruleset.yaml", root / "rules" / "ruleset.yaml")
        (root / "definitions" / "terms.yaml").write_text(yaml.dump({"definitions": DEFINITIONS}, Dumper=_NoAliases))
    rules = {
        "problems": [
            {
                "id": problem,
                "label": problem,
                "policy_ref": "test",
                "indicators": [{"id": "it", "who": "anyone", "when": when, "reason": "{member}"}],
            }
            for problem, when in conditions.items()
        ],
        "need_score": {"points_per_problem": 1, "modifiers": []},
        "routing": [
            {
                "id": "all",
                "policy_ref": "test",
                "otherwise": True,
                "route": "universal_signpost",
                "priority": "standard",
                "reason": "{problems}",
            }
        ],
        "specialist_needs": [],
        "also_refer": {"except_routes": [], "rules": []},
    }
    (root / "rules" / "tiny.yaml").write_text(yaml.dump(rules, Dumper=_NoAliases, sort_keys=False))
    return load_policy(root)


def problems_met(engine: Engine, *members: dict[str, Any]) -> list[str]:
    return engine.decide(parse_referral(build_referral(*members), engine.compiled.agencies)).problems


# --- every operator, plain and negated, at v-1, v, v+1 and absent ----------------------------

CASES = [(op, negated) for op in OPERATORS for negated in (False, True)]


def _problem_id(op: str, negated: bool) -> str:
    return f"not_{op}" if negated else op


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def operator_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    conditions = {}
    for op, negated in CASES:
        compare = {"field": COUNT, op: THRESHOLD}
        conditions[_problem_id(op, negated)] = {"not": compare} if negated else compare
    return Engine(write_tiny_policy(tmp_path_factory.mktemp("tiny"), conditions), request.param)


def expected(op: str, negated: bool, value: int | None) -> bool:
    holds = value is not None and MEANING[op](value, THRESHOLD)
    return not holds if negated else holds


@pytest.mark.parametrize(
    "value", [THRESHOLD - 1, THRESHOLD, THRESHOLD + 1, None], ids=["below", "at", "above", "absent"]
)
@pytest.mark.parametrize(("op", "negated"), CASES, ids=[_problem_id(op, n) for op, n in CASES])
def test_each_operator_plain_and_negated(operator_engine, op, negated, value):
    sections = {} if value is None else {"social_care": {"missing_episodes_12m": value}}
    met = _problem_id(op, negated) in problems_met(operator_engine, child(**sections))
    assert met == expected(op, negated, value)


def test_the_table_reaches_every_case(operator_engine):
    """The cases above are not vacuous: at the threshold each plain operator and its negation differ."""
    met = set(problems_met(operator_engine, child(social_care={"missing_episodes_12m": THRESHOLD})))
    assert met == {"eq", "le", "ge", "not_ne", "not_lt", "not_gt"}


def test_evidence_cites_the_who_definition_when_the_test_names_none(operator_engine):
    decision = operator_engine.decide(
        parse_referral(
            build_referral(child(social_care={"missing_episodes_12m": THRESHOLD})), operator_engine.compiled.agencies
        )
    )
    assert {e.definition for e in decision.evidence} == {"anyone@1"}


# --- a flag compared with true and false, plain and negated ----------------------------------
# (the Python backend indexes tests by a flag that must be true: these cases check that index)

FLAG = "health.substance_misuse"
FLAG_CASES = [(op, value, negated) for op in ("eq", "ne") for value in (True, False) for negated in (False, True)]


def _flag_problem(op: str, value: bool, negated: bool) -> str:
    return f"{'not_' if negated else ''}{op}_{str(value).lower()}"


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def flag_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    conditions = {}
    for op, value, negated in FLAG_CASES:
        compare = {"field": FLAG, op: value}
        conditions[_flag_problem(op, value, negated)] = {"not": compare} if negated else compare
    return Engine(write_tiny_policy(tmp_path_factory.mktemp("flags"), conditions), request.param)


@pytest.mark.parametrize("flag", [True, False], ids=["flag-true", "flag-false"])
@pytest.mark.parametrize(("op", "value", "negated"), FLAG_CASES, ids=[_flag_problem(*case) for case in FLAG_CASES])
def test_a_flag_compared_plain_and_negated(flag_engine, op, value, negated, flag):
    holds = MEANING[op](flag, value)
    met = _flag_problem(op, value, negated) in problems_met(flag_engine, child(health={"substance_misuse": flag}))
    assert met == (not holds if negated else holds)


# --- generated condition trees against a direct reading of the tree ----------------------------

# Member fields with values around the thresholds a rule may use; None means absent (flags are always
# sent: the contract reads a flag not sent as false).
FIELDS: dict[str, tuple[list[Any], list[Any]]] = {  # path -> (rule values, member values)
    "age": ([0, 12, 13, 18], [0, 11, 12, 13, 17, 18, 19]),
    COUNT: ([0, 1, 5], [None, 0, 1, 4, 5, 6]),
    "school.attendance_pct": ([50, 90, 89.5], [None, 0.0, 49.9, 50.0, 89.5, 90.0, 90.1, 100.0]),
    "health.substance_misuse": ([True, False], [True, False]),
    "role": (["child", "parent_carer"], ["child", "parent_carer", "other_adult"]),
}
ORDERED = {"age", COUNT, "school.attendance_pct"}


@st.composite
def comparisons(draw: st.DrawFn) -> dict[str, Any]:
    path = draw(st.sampled_from(sorted(FIELDS)))
    ops = OPERATORS if path in ORDERED else ("eq", "ne")
    return {"field": path, draw(st.sampled_from(ops)): draw(st.sampled_from(FIELDS[path][0]))}


conditions = st.recursive(
    st.one_of(comparisons(), st.sampled_from([{"definition": "anyone"}, {"definition": "teenager"}])),
    lambda inner: st.one_of(
        st.builds(lambda c: {"not": c}, inner),
        st.builds(lambda cs: {"all": cs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(inner, min_size=1, max_size=3)),
    ),
    max_leaves=6,
)


@st.composite
def members(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Up to five members, each with its own values (absent where None)."""
    found = []
    for i in range(draw(st.integers(1, 5))):
        values = {path: draw(st.sampled_from(choices)) for path, (_, choices) in FIELDS.items()}
        if values["role"] == "child":  # the contract refuses a child aged 18 or over
            values["age"] = min(values["age"], 17)
        data: dict[str, Any] = {"id": f"m{i}", "role": values.pop("role"), "age": values.pop("age")}
        for path, value in values.items():
            if value is not None:
                section, name = path.split(".")
                data.setdefault(section, {})[name] = value
        found.append(data)
    return found


def direct(condition: dict[str, Any], member: dict[str, Any]) -> bool:
    """The condition language read literally, one node at a time, over one member's data."""
    if "not" in condition:
        return not direct(condition["not"], member)
    if "all" in condition:
        return all(direct(c, member) for c in condition["all"])
    if "any" in condition:
        return any(direct(c, member) for c in condition["any"])
    if "definition" in condition:
        [definition] = [d for d in DEFINITIONS if d["id"] == condition["definition"]]
        return direct(definition["test"], member)
    [op] = [key for key in condition if key != "field"]
    value: Any = member
    for part in condition["field"].split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value is not None and MEANING[op](value, condition[op])


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(condition=conditions, household=members())
def test_compiled_conditions_agree_with_the_condition_tree(tmp_path_factory, condition, household):
    policy = write_tiny_policy(tmp_path_factory.mktemp("tree"), {"generated": condition})
    wanted = {m["id"] for m in household if direct(condition, m)}
    for backend in sorted(BACKENDS):
        engine = Engine(policy, backend)
        decision = engine.decide(parse_referral(build_referral(*household), engine.compiled.agencies))
        assert {e.member for e in decision.evidence} == wanted, (backend, condition)
