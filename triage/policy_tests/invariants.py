"""Safeguarding invariants: what the routing must always do, checked against the rule tests and
thousands of generated referrals before a ruleset may be published.

An invariant (``rules/invariants.yaml``) says, for every referral its ``when`` describes, what the
decision must have (``then``: a route, one of some routes, never some routes, a priority, a locality
exactly for some routes). ``when`` is read here, straight off the referral, by a small interpreter of
the condition language that shares nothing with the engine's compiler: a guarantee checked by the
code it guards would prove little. A broken invariant is reported with the smallest referral that
still breaks it (members and fields taken away one at a time while it still does).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from triage.engine import BACKENDS
from triage.engine.compiler import compile_policy
from triage.engine.decide import decide
from triage.intake import InvalidReferral, parse_referral
from triage.models import Decision, Member, Referral
from triage.policy_tests.sampling import SEED, ReferralSampler
from triage.rulebook.conditions import (
    AllOf,
    AnyOf,
    Compare,
    Condition,
    DefinitionRef,
    Exists,
    Not,
)
from triage.rulebook.loader import Policy
from triage.rulebook.schema import Invariant

DEFAULT_REFERRALS = 2000
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
Decider = Callable[[dict[str, Any]], tuple[Referral, Decision] | None]


# --- reading a condition off a referral --------------------------------------------------------


@dataclass(frozen=True)
class _Reading:
    """What ``when`` is read against: the referral, the policy's member terms, the derived facts."""

    referral: Referral
    definitions: dict[str, Condition | None]
    derived: dict[str, Any]

    def holds(self, condition: Condition | None, member: Member | None = None) -> bool:
        if condition is None:
            return True
        if isinstance(condition, Compare):
            found = self._value(condition.field, member)
            return found is not None and _OPERATORS[condition.op](found, condition.value)
        if isinstance(condition, Not):
            return not self.holds(condition.item, member)
        if isinstance(condition, AllOf):
            return all(self.holds(item, member) for item in condition.items)
        if isinstance(condition, AnyOf):
            return any(self.holds(item, member) for item in condition.items)
        if isinstance(condition, DefinitionRef):
            return self.holds(self.definitions[condition.id], member)
        assert isinstance(condition, Exists), condition
        return any(
            self.holds(self.definitions[condition.who], m) and self.holds(condition.when, m)
            for m in self.referral.household.members
        )

    def _value(self, path: str, member: Member | None) -> Any:
        """A field's value (None when absent): a member's in a member test, else the household's."""
        if path in self.derived:
            return self.derived[path]
        found: Any = member if member is not None else self.referral
        for part in path.split("."):
            found = getattr(found, part, None)
            if found is None:
                return None
        return found


def reading(policy: Policy, terms: dict[str, Condition | None], referral: Referral, decision: Decision) -> _Reading:
    """What invariants are read against for one referral (the scores as the decision found them);
    ``terms`` is each member definition's test, by id."""
    derived = {
        "derived.in_area": policy.locality_of(referral.household.postcode) is not None,
        "derived.problems_met": len(decision.problems),
        "derived.need_score": decision.need_score,
    }
    return _Reading(referral, terms, derived)


def broken(invariant: Invariant, decision: Decision) -> str | None:
    """How the decision breaks the invariant's ``then``, in words; None when it keeps it."""
    then, route = invariant.then, decision.route
    if then.route is not None and route != then.route:
        return f"route {route} instead of {then.route}"
    if then.route_in is not None and route not in then.route_in:
        return f"route {route}, not one of {', '.join(then.route_in)}"
    if then.route_not_in is not None and route in then.route_not_in:
        return f"route {route}, which it must never be"
    if then.priority is not None and decision.priority != then.priority:
        return f"priority {decision.priority} instead of {then.priority}"
    if then.locality_for_routes is not None and (decision.locality is not None) != (route in then.locality_for_routes):
        return f"route {route} with locality {decision.locality or 'none'}"
    return None


# --- the check ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """An invariant a referral breaks: where it was found, how, and the smallest referral that does."""

    invariant: Invariant
    found_in: str
    how: str
    counter_example: dict[str, Any]
    decided: str  # the counter-example's route and rule

    def explain(self) -> str:
        x = self.invariant
        return (
            f"BROKEN {x.where}: invariant {x.id}: {x.statement}\n"
            f"  {self.found_in}: {self.how}\n"
            f"  smallest counter-example ({self.decided}): {json.dumps(self.counter_example, ensure_ascii=False)}"
        )


@dataclass(frozen=True)
class InvariantCheck:
    invariants: int
    cases: int
    generated: int
    violations: tuple[Violation, ...]

    def report(self) -> str:
        where = f"{self.cases} rule tests and {self.generated:,} generated referrals"
        if not self.invariants:
            return "invariants: none declared (add rules/invariants.yaml: publishing requires them)"
        if not self.violations:
            return f"invariants: all {self.invariants} hold over {where}"
        return f"invariants: {len(self.violations)} of {self.invariants} broken (checked over {where})"


def decider(policy: Policy, backend: str) -> Decider:
    """Decide referral dicts without logging each one (thousands of made-up referrals are not
    decisions anyone made); None for one the contract refuses."""
    compiled = compile_policy(policy)
    evaluator = BACKENDS[backend](compiled)

    def run(data: dict[str, Any]) -> tuple[Referral, Decision] | None:
        try:
            referral = parse_referral(data, compiled.agencies)
        except InvalidReferral:
            return None
        return referral, decide(compiled, evaluator, referral)

    return run


def check_invariants(
    policy: Policy,
    backend: str,
    cases: Iterable[tuple[str, dict[str, Any]]],
    referrals: int = DEFAULT_REFERRALS,
    seed: int = SEED,
) -> InvariantCheck:
    """Each invariant against each rule-test case (``(where, referral)``), then against ``referrals``
    generated ones; the first referral found to break an invariant is shrunk and reported.

    EngineFailure propagates: a referral the engine cannot decide refuses the candidate anyway."""
    invariants = [(x, x.condition) for x in policy.rules.invariants]
    terms = {d.id: d.condition for d in policy.definitions.definitions}
    run = decider(policy, backend)
    found: dict[str, Violation] = {}
    cases = list(cases)
    generated = (
        (f"generated referral {i} of {referrals:,}", data)
        for i, data in enumerate(ReferralSampler(policy, seed).referrals(referrals), start=1)
    )
    for where, data in [*cases, *generated] if invariants else []:
        decided = run(data)
        if decided is None:
            continue
        facts = reading(policy, terms, *decided)
        for invariant, when in invariants:
            if invariant.id not in found and facts.holds(when):
                how = broken(invariant, decided[1])
                if how is not None:
                    found[invariant.id] = _shrunk(
                        invariant, partial(_breaks, policy, terms, run, invariant), run, where, how, data
                    )
    return InvariantCheck(
        len(invariants),
        len(cases),
        referrals if invariants else 0,
        tuple(found[x.id] for x, _ in invariants if x.id in found),
    )


def _breaks(
    policy: Policy, terms: dict[str, Condition | None], run: Decider, invariant: Invariant, data: dict[str, Any]
) -> bool:
    """Whether a referral (a dict) is valid and its decision breaks the invariant."""
    decided = run(data)
    return (
        decided is not None
        and reading(policy, terms, *decided).holds(invariant.condition)
        and broken(invariant, decided[1]) is not None
    )


# --- shrinking a counter-example ---------------------------------------------------------------


def _shrunk(
    invariant: Invariant,
    still_broken: Callable[[dict[str, Any]], bool],
    run: Decider,
    where: str,
    how: str,
    data: dict[str, Any],
) -> Violation:
    smallest = shrink(data, still_broken)
    decided = run(smallest)
    assert decided is not None  # shrink keeps only referrals that are decided and break it
    decision = decided[1]
    return Violation(invariant, where, how, smallest, f"route {decision.route}, rule {decision.matched_rule}")


def shrink(data: dict[str, Any], keeps: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """``data`` without every member, section and field that ``keeps`` does not need.

    Greedy passes, outermost first (a member before its fields), until a pass takes nothing away:
    each pass tries each part once, so it costs one decision per part, not one per pair."""
    current, changed = data, True
    while changed:
        changed = False
        for path in _parts(current):
            smaller = _without(current, path)
            if smaller is not None and keeps(smaller):
                current, changed = smaller, True
    return current


Part = tuple[str | int, ...]


def _parts(data: Any) -> list[Part]:
    """Every key and list item, breadth first; a list's items last to first, so that taking one
    away leaves the places of those still to try."""
    parts: list[Part] = []
    level: list[tuple[Part, Any]] = [((), data)]
    while level:
        below: list[tuple[Part, Any]] = []
        for path, value in level:
            children: list[tuple[str | int, Any]] = []
            if isinstance(value, dict):
                children.extend(value.items())
            elif isinstance(value, list):
                children.extend(reversed(list(enumerate(value))))
            for name, child in children:
                parts.append(path + (name,))
                below.append((path + (name,), child))
        level = below
    return parts


def _without(data: Any, path: Part) -> Any:
    """A copy of ``data`` with the part at ``path`` taken away; None if it is not there."""
    head, rest = path[0], path[1:]
    if isinstance(data, dict) and isinstance(head, str) and head in data:
        if not rest:
            return {k: v for k, v in data.items() if k != head}
        inner = _without(data[head], rest)
        return None if inner is None else {**data, head: inner}
    if isinstance(data, list) and isinstance(head, int) and head < len(data):
        if not rest:
            return data[:head] + data[head + 1 :]
        inner = _without(data[head], rest)
        return None if inner is None else [*data[:head], inner, *data[head + 1 :]]
    return None
