"""durable-rules evaluation of the compiled tests, with its measured hazards contained.

durable-rules 2.0.28 is unmaintained and its C core crashes when misused (see the project notes).
The rules this module keeps:
- facts, not events (an event is consumed by the first rule that matches);
- every pattern is anchored on ``kind`` (a pattern of only "field absent" tests loops for ever);
- catch-all rules on the household and member facts always fire, so no fact goes unhandled
  and ``delete_state`` never frees a session in which no action ran (a segmentation fault);
- a unique session id per evaluation, deleted in ``finally`` (1024 live sessions is the limit);
- floats too small for durable's JSON reader are lifted to the smallest number a rule may use;
- fired rules are collected into sets (a rule with ``$or`` fires once per true branch) and the
  returned state is checked for an exception swallowed inside an action;
- one host per process, its background timer threads disabled, and one lock around each
  evaluation (the C core is not thread-safe and never releases the GIL anyway);
- each ruleset version is registered under a name made from its version and hash (a name
  cannot be registered twice) and rulesets are never changed after registration; the Engine
  swaps the active one atomically.
"""

from __future__ import annotations

import itertools
import math
import threading
from typing import Any, Callable

from durable import engine as durable

from triage.engine.backend import Hits, Summarise
from triage.engine.compiler import Absent, And, Cmp, CompiledPolicy, Expr, Or, fact_key
from triage.engine.facts import FactSet
from triage.rulebook.fields import MEMBER_FIELDS, SMALLEST_RULE_NUMBER

_COMPARE = {"ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
_ANCHOR_RULE = "catch_all"


class EngineFailure(RuntimeError):
    """durable-rules reported an error; the referral gets no decision rather than a wrong one."""


class _QuietHost(durable.Host):
    """A Host whose background dispatch loop does nothing.

    The default loop runs other sessions' actions on timer threads; with one-shot evaluations under
    a lock we never need it, and with it requests crashed the process.
    """

    def _run(self) -> None:  # noqa: D401 - overriding durable's timer loop
        return None


def to_pattern(expr: Expr) -> dict[str, Any]:
    """An expression in durable's JSON pattern language."""
    if isinstance(expr, Cmp):
        return {expr.key: expr.value} if expr.op == "eq" else {_COMPARE[expr.op]: {expr.key: expr.value}}
    if isinstance(expr, Absent):
        return {"$nex": {expr.key: 1}}
    items = [to_pattern(item) for item in expr.items]
    assert isinstance(expr, (And, Or)), expr
    return {"$and" if isinstance(expr, And) else "$or": items}


def _anchored(kind: str, expr: Expr) -> dict[str, Any]:
    terms: list[dict[str, Any]] = [{"kind": kind}]
    if not (isinstance(expr, And) and not expr.items):
        terms.append(to_pattern(expr))
    return {"all": [{"m": {"$and": terms} if len(terms) > 1 else terms[0]}]}


class _Runtime:
    """The process's single durable host, and what the running evaluation has collected."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.host = _QuietHost()
        self.registered: set[str] = set()
        self.fired: list[tuple[str, str | None]] = []
        self.sessions = itertools.count(1)

    def action(self, rule_id: str, per_member: bool) -> Callable[[Any], None]:
        """The callable durable runs when a rule fires: it only records the rule and the member."""
        fired = self.fired
        member_key = fact_key("member_id")
        if per_member:
            def record_member(c: Any) -> None:
                fired.append((rule_id, c.m[member_key]))
            return record_member

        def record(c: Any) -> None:
            fired.append((rule_id, None))
        return record


_RUNTIME = _Runtime()


class DurableBackend:
    name = "durable"

    def __init__(self, policy: CompiledPolicy) -> None:
        version = "".join(c if c.isalnum() else "_" for c in policy.version)
        self.ruleset = f"triage_v{version}_{policy.sha256[:16]}"
        self._float_keys = tuple(fact_key(path) for path, kind in MEMBER_FIELDS.items() if kind is float)
        self._register(policy)

    def _register(self, policy: CompiledPolicy) -> None:
        """Register this policy's ruleset once per process (same hash, same rules)."""
        with _RUNTIME.lock:
            if self.ruleset in _RUNTIME.registered:
                return
            # Every fact must match some rule (an unmatched fact raises MessageNotHandled and leaves
            # the session half-built), and some action must run before delete_state: catch-alls.
            rules: dict[str, dict[str, Any]] = {
                f"{_ANCHOR_RULE}_{kind}": {**_anchored(kind, And(())), "run": _RUNTIME.action(_ANCHOR_RULE, False)}
                for kind in ("household", "member")}
            for i, test in enumerate(policy.tests):
                per_member = test.scope == "member"
                rules[f"t{i}"] = {**_anchored("member" if per_member else "household", test.expr),
                                  "run": _RUNTIME.action(test.id, per_member)}
            for i, route in enumerate(policy.routes):
                rules[f"r{i}"] = {**_anchored("summary", route.expr), "run": _RUNTIME.action("route:" + route.id, False)}
            _RUNTIME.host.register_rulesets({self.ruleset: rules})
            _RUNTIME.registered.add(self.ruleset)

    def evaluate(self, facts: FactSet, summarise: Summarise) -> tuple[Hits, set[str]]:
        with _RUNTIME.lock:
            sid = str(next(_RUNTIME.sessions))
            _RUNTIME.fired.clear()
            try:
                self._assert([facts.household, *facts.members], sid)
                hits = self._collect()
                self._assert([summarise(hits)], sid)
                routes = {rule[6:] for rule, _ in _RUNTIME.fired if rule.startswith("route:")}
                return hits, routes
            finally:
                _RUNTIME.fired.clear()
                _RUNTIME.host.delete_state(self.ruleset, sid)

    def _assert(self, facts: list[dict[str, Any]], sid: str) -> None:
        state = _RUNTIME.host.assert_facts(self.ruleset, [self._readable(fact, sid) for fact in facts])
        if isinstance(state, dict) and state.get("exception"):
            raise EngineFailure("durable-rules reported an error inside a rule action")

    def _readable(self, fact: dict[str, Any], sid: str) -> dict[str, Any]:
        """A copy of ``fact`` that durable's JSON reader can take, tagged with the session.

        Python writes floats below 0.0001 in exponent form (``1e-05``) and durable's reader then
        drops the whole fact without a word. Such values become 0.0001 (same sign): the loader
        refuses rule values between 0 and 0.0001 inclusive, so no comparison can tell them apart.
        """
        copy = {**fact, "sid": sid}
        for key in self._float_keys:
            value = copy.get(key)
            if value and abs(value) < SMALLEST_RULE_NUMBER:
                copy[key] = math.copysign(SMALLEST_RULE_NUMBER, value)
        return copy

    @staticmethod
    def _collect() -> Hits:
        hits: Hits = {}
        for rule_id, member in _RUNTIME.fired:
            if rule_id != _ANCHOR_RULE:
                hits.setdefault(rule_id, set()).add(member)
        _RUNTIME.fired.clear()
        return hits
