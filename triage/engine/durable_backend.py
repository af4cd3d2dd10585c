"""durable-rules evaluation of the compiled tests, with its measured hazards contained.

durable-rules 2.0.28 is unmaintained and its C core crashes when misused (see the project notes).
The rules this module keeps:
- facts, not events (an event is consumed by the first rule that matches);
- every pattern is anchored on ``kind`` (a pattern of only "field absent" tests loops for ever);
- a catch-all rule on the household fact always fires, so ``delete_state`` never frees a session
  in which no action ran (a segmentation fault), and every member fact matches some pattern
  (a batch with an unmatched fact corrupts memory);
- a unique session id per evaluation, deleted in ``finally`` (1024 live sessions is the limit);
- floats too small for durable's JSON reader are lifted to the smallest number a rule may use;
- fired rules are collected into sets (a rule with ``$or`` fires once per true branch);
- one runtime per process and one lock around each evaluation (the C core is not thread-safe
  and never releases the GIL anyway);
- each ruleset version is registered under a name made from its version and hash (a name
  cannot be registered twice) and rulesets are never changed after registration; the Engine
  swaps the active one atomically.

How it drives durable: the rulesets are created in durable's C core and its action loop is run
here, mirroring ``durable.engine.Ruleset._flush_actions`` call for call (start the first action,
update the state, complete and start the next) but without durable's Python ``Host``: there are
therefore no timer threads at all (the default Host's timers ran other sessions' actions and
crashed the process under threads), no exception can be swallowed into the state (our actions
only record what matched), and each fired rule costs a few microseconds instead of ~20 µs of
closure, promise and JSON round trips. This relies on the C API of exactly durable-rules 2.0.28,
which pyproject.toml pins.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
from typing import Any

import durable_rules_engine as core  # durable-rules' C core, installed with durable-rules

from triage.engine.backend import EngineFailure, Hits, Summarise
from triage.engine.compiler import Absent, And, Cmp, CompiledPolicy, Expr, Or, fact_key
from triage.engine.facts import Fact, FactSet
from triage.rulebook.fields import MEMBER_FIELDS, SMALLEST_RULE_NUMBER

_COMPARE = {"ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
_NOT_HANDLED, _OBSERVED, _QUEUED = 1, 2, 3  # result codes of the C core's assert functions
_MEMBER_ID = fact_key("member_id")


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


def build_ruleset(policy: CompiledPolicy) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """durable's ruleset for a policy, and what each durable rule name stands for: a test id
    (first map) or a routing rule id (second map).

    ``catch_all`` always fires on the household fact (so some action runs before delete_state).
    Member facts are covered by ``members_handled``, which matches them but waits for a fact
    never asserted, so it never fires (firing once per member cost ~20 µs each).
    """
    rules: dict[str, Any] = {
        "catch_all": _anchored("household", And(())),
        "members_handled": {"all": [{"m": {"kind": "member"}}, {"n": {"kind": "never_asserted"}}]},
    }
    tests = {f"t{i}": test.id for i, test in enumerate(policy.tests)}
    routes = {f"r{i}": route.id for i, route in enumerate(policy.routes)}
    for name, test in zip(tests, policy.tests, strict=True):
        rules[name] = _anchored(test.scope, test.expr)
    for name, route in zip(routes, policy.routes, strict=True):
        rules[name] = _anchored("summary", route.expr)
    return rules, tests, routes


class _Runtime:
    """The process's one durable runtime: registered rulesets, session ids and the lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.handles: dict[str, int] = {}
        self.sessions = itertools.count(1)

    def handle(self, name: str, rules: dict[str, Any]) -> int:
        """Create a ruleset once per process; the same name always means the same rules."""
        with self.lock:
            if name not in self.handles:
                self.handles[name] = core.create_ruleset(name, json.dumps(rules))
            return self.handles[name]


_RUNTIME = _Runtime()


class DurableBackend:
    name = "durable"

    def __init__(self, policy: CompiledPolicy) -> None:
        version = "".join(c if c.isalnum() else "_" for c in policy.version)
        self.ruleset = f"triage_v{version}_{policy.sha256[:16]}"
        rules, self._tests, self._routes = build_ruleset(policy)
        self._handle = _RUNTIME.handle(self.ruleset, rules)
        self._float_keys = tuple(fact_key(path) for path, kind in MEMBER_FIELDS.items() if kind is float)

    def evaluate(self, facts: FactSet, summarise: Summarise) -> tuple[Hits, set[str]]:
        with _RUNTIME.lock:
            sid = str(next(_RUNTIME.sessions))
            acted = False
            try:
                hits: Hits = {}
                fired = self._run([facts.household, *facts.members], sid)
                acted = bool(fired)  # the household catch-all fires first
                for rule, fact in fired:
                    if rule in self._tests:
                        hits.setdefault(self._tests[rule], set()).add(fact.get(_MEMBER_ID))
                holding = {self._routes[rule] for rule, _ in self._run([summarise(hits)], sid)}
                return hits, holding
            except core.error as error:
                raise EngineFailure(f"durable-rules failed: {error}") from None
            finally:
                if acted:  # deleting a session in which no action ran is a segmentation fault
                    core.delete_state(self._handle, sid)

    def _run(self, facts: list[Fact], sid: str) -> list[tuple[str, Fact]]:
        """Assert facts into the session and run every action they trigger; return what fired."""
        code, state = core.assert_facts(self._handle, json.dumps([self._readable(f, sid) for f in facts]))
        if code in (_NOT_HANDLED, _OBSERVED):
            raise EngineFailure("durable-rules did not take a fact (a rule set without a catch-all?)")
        fired: list[tuple[str, Fact]] = []
        state = 0 if code == _QUEUED else state  # as durable's Ruleset does
        started = core.start_action_for_state(self._handle, state)
        if not started:
            return fired
        state_json, message_json = started[0], started[1]
        try:
            while message_json:
                rule, match = next(iter(json.loads(message_json).items()))
                fired.append((rule, match.get("m", match)))
                core.update_state(self._handle, state_json)
                message_json = core.complete_and_start_action(self._handle, state)
        except BaseException:
            core.abandon_action(self._handle, state)  # as durable does when an action fails
            raise
        return fired

    def _readable(self, fact: Fact, sid: str) -> Fact:
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
