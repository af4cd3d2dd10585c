"""Compile a validated Policy into the intermediate form both evaluation backends run.

The intermediate form is built once, at load time:
- every definition is inlined, so a test is a plain expression over one flat fact;
- every ``not`` is pushed down to the comparisons (negation normal form), because durable-rules
  has no general ``not``: ``not (x <= 90)`` becomes ``x is absent or x > 90``, which keeps the
  policy's rule that an absent field makes every comparison false;
- every ``exists`` inside a routing rule is lifted out into its own member test, whose result is
  handed to routing as a true/false flag (durable-rules cannot quantify over members inside one
  pattern);
- field paths become flat fact keys (``school.attendance_pct`` -> ``school__attendance_pct``).
Both backends evaluate exactly these expressions, which is what makes them comparable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from triage.calendar import WorkingCalendar
from triage.engine.readers import FieldGroup, Reader, make_reader
from triage.rulebook import Policy, schema
from triage.rulebook.conditions import (
    AllOf,
    AnyOf,
    Compare,
    Condition,
    DefinitionRef,
    Exists,
    Not,
    Scope,
    definitions_used,
    first_field,
)
from triage.rulebook.fields import DERIVED_FIELDS, HOUSEHOLD_FIELDS, MEMBER_FIELDS

_NEGATED = {"eq": "ne", "ne": "eq", "lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}


# --- expressions in negation normal form ---------------------------------------------------


@dataclass(frozen=True)
class Cmp:
    key: str
    op: str
    value: bool | int | float | str


@dataclass(frozen=True)
class Absent:
    key: str


@dataclass(frozen=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Expr, ...]


Expr = Cmp | Absent | And | Or
TRUE = And(())


def fact_key(path: str) -> str:
    """Flat fact key of a field path; facts are flat because durable-rules matches flat JSON best."""
    return path.replace(".", "__")


# --- compiled policy ------------------------------------------------------------------------


@dataclass(frozen=True)
class Test:
    """One test run against every member fact (scope member) or the household fact."""

    id: str
    scope: Scope
    expr: Expr


@dataclass(frozen=True)
class IndicatorRule:
    test: str
    problem: str
    indicator: str
    evidence_key: str | None
    definition: str | None
    reason: str


@dataclass(frozen=True)
class ModifierRule:
    test: str
    id: str
    points: int
    definition: str | None
    reason: str


@dataclass(frozen=True)
class SpecialistNeed:
    """A specialist need, in rank order: the first one present routes a rule-4 household."""

    test: str
    service: str


@dataclass(frozen=True)
class AlsoReferRule:
    test: str
    id: str
    service: str
    reason: str


@dataclass(frozen=True)
class RouteRule:
    id: str
    expr: Expr  # over the summary fact
    exists_tests: tuple[tuple[str, bool], ...]  # lifted member tests, and whether each has a `when`
    route: str
    fallback: str | None
    priority: str
    reason: str
    fallback_reason: str | None


@dataclass(frozen=True)
class CompiledPolicy:
    version: str
    sha256: str
    tests: tuple[Test, ...]
    problems: dict[str, str]  # id -> label, in the policy's order
    indicators: tuple[IndicatorRule, ...]
    points_per_problem: int
    modifiers: tuple[ModifierRule, ...]
    specialist_needs: tuple[SpecialistNeed, ...]
    also_refer: tuple[AlsoReferRule, ...]
    also_refer_except: frozenset[str]
    routes: tuple[RouteRule, ...]
    working_days: dict[str, int]
    calendar: WorkingCalendar
    district_locality: dict[str, str]
    locality_routes: frozenset[str]
    service_names: dict[str, str]
    wording: schema.Wording
    agencies: frozenset[str]
    member_fields: tuple[FieldGroup, ...]  # what build_facts copies: fields the rules read
    household_fields: tuple[FieldGroup, ...]
    # Worked out from the fields above once, not per referral (see __post_init__).
    read_member: Reader = field(init=False, repr=False, compare=False)
    read_household: Reader = field(init=False, repr=False, compare=False)
    problems_of_test: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    summary_flags: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Derived lookups: the fact readers generated as code (``triage.engine.readers``), the
        problems each test is an indicator of, and each lifted ``exists`` test with its key in the
        summary fact (in routing order, each once)."""
        problems: dict[str, tuple[str, ...]] = {}
        for rule in self.indicators:
            problems[rule.test] = (*problems.get(rule.test, ()), rule.problem)
        flags = {test_id: fact_key(test_id) for route in self.routes for test_id, _ in route.exists_tests}
        for name, value in (
            ("read_member", make_reader(self.member_fields, "member")),
            ("read_household", make_reader(self.household_fields, "household")),
            ("problems_of_test", problems),
            ("summary_flags", tuple(flags.items())),
        ):
            object.__setattr__(self, name, value)


def compile_policy(policy: Policy) -> CompiledPolicy:
    """Build the intermediate form from a validated policy."""
    return _Compiler(policy).build()


class _Compiler:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.member_tests = {d.id: d.condition for d in policy.definitions.definitions if d.applies_to == "member"}
        self.citations = {d.id: f"{d.id}@{d.version}" for d in policy.definitions.definitions}
        self.tests: list[Test] = []
        self.test_ids: dict[tuple[Scope, Expr], str] = {}

    def build(self) -> CompiledPolicy:
        rules, catalogue = self.policy.rules, self.policy.catalogue
        indicators = tuple(self._indicator(p, x) for p in rules.problems for x in p.indicators)
        modifiers = tuple(
            ModifierRule(self._test(f"modifier.{m.id}", m), m.id, m.points, self._cite(m), m.reason)
            for m in rules.need_score.modifiers
        )
        needs = tuple(
            SpecialistNeed(self._test(f"specialist.{i}.{n.service}", n), n.service)
            for i, n in enumerate(rules.specialist_needs)
        )
        also = tuple(
            AlsoReferRule(self._test(f"also_refer.{r.id}", r), r.id, r.service, r.reason)
            for r in rules.also_refer.rules
        )
        routes = tuple(self._route(r) for r in rules.routing)
        cal = rules.calendar
        return CompiledPolicy(
            version=rules.version,
            sha256=self.policy.sha256,
            tests=tuple(self.tests),
            problems={p.id: p.label for p in rules.problems},
            indicators=indicators,
            points_per_problem=rules.need_score.points_per_problem,
            modifiers=modifiers,
            specialist_needs=needs,
            also_refer=also,
            also_refer_except=frozenset(rules.also_refer.except_routes),
            routes=routes,
            working_days={p.id: p.working_days for p in rules.priorities},
            calendar=WorkingCalendar(cal.country, cal.subdivisions, cal.timezone),
            district_locality={d: loc.id for loc in catalogue.localities for d in loc.districts},
            locality_routes=frozenset(s.id for s in catalogue.services if s.coverage == "localities"),
            service_names={s.id: s.name for s in catalogue.services},
            wording=rules.wording,
            agencies=frozenset(a.id for a in catalogue.partner_agencies),
            member_fields=self._fields_read("member", MEMBER_FIELDS, indicators, always=("role", "age")),
            household_fields=self._fields_read("household", HOUSEHOLD_FIELDS, indicators, routes=routes),
        )

    def _fields_read(
        self,
        scope: Scope,
        known: dict[str, type],
        indicators: tuple[IndicatorRule, ...],
        always: tuple[str, ...] = (),
        routes: tuple[RouteRule, ...] = (),
    ) -> tuple[FieldGroup, ...]:
        """The model fields whose values some test, routing rule or evidence line reads."""
        keys = {key for test in self.tests if test.scope == scope for key in _keys(test.expr)}
        keys |= {key for route in routes for key in _keys(route.expr)}
        keys |= {rule.evidence_key for rule in indicators if rule.evidence_key}
        keys |= {fact_key(path) for path in always}
        groups: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        for path in known:
            if fact_key(path) in keys and path not in DERIVED_FIELDS:
                *holder, name = path.split(".")
                groups.setdefault(tuple(holder), []).append((fact_key(path), name))
        return tuple((holder, tuple(fields)) for holder, fields in groups.items())

    def _indicator(self, problem: schema.Problem, indicator: schema.Indicator) -> IndicatorRule:
        test = self._test(f"indicator.{problem.id}.{indicator.id}", indicator)
        evidence = indicator.evidence_field or first_field(indicator.condition)
        return IndicatorRule(
            test,
            problem.id,
            indicator.id,
            fact_key(evidence) if evidence else None,
            self._cite(indicator),
            indicator.reason,
        )

    def _cite(self, test: schema.MemberTest) -> str | None:
        """The definition a piece of evidence cites: the first one its test names, else its ``who``."""
        used = definitions_used(test.condition) or ([test.who] if test.who != "household" else [])
        return self.citations.get(used[0]) if used else None

    def _test(self, test_id: str, test: schema.MemberTest | _Prepared) -> str:
        """Register a test; an identical one already registered is reused, and its id returned.

        Several rules often ask the same question (the MARAC indicator, the MARAC modifier and
        the MARAC also-refer; "is there a dependent child" in three routing rules): each is
        evaluated once per fact.
        """
        if test.who == "household":
            scope: Scope = "household"
            expr = self._nnf(test.condition, negate=False) if test.condition else TRUE
        else:
            # The test's own condition goes first: it is usually one flag that is false, so
            # evaluation stops before the longer "who" test (the order does not change the result).
            scope = "member"
            parts = ([test.condition] if test.condition else []) + [DefinitionRef(test.who)]
            expr = self._nnf(AllOf(tuple(parts)), negate=False)
        existing = self.test_ids.get((scope, expr))
        if existing is not None:
            return existing
        self.test_ids[(scope, expr)] = test_id
        self.tests.append(Test(test_id, scope, expr))
        return test_id

    def _route(self, rule: schema.RoutingRule) -> RouteRule:
        lifted: list[tuple[str, bool]] = []
        expr = self._nnf(self._lift(rule.condition, rule.id, lifted), negate=False) if rule.condition else TRUE
        return RouteRule(
            rule.id, expr, tuple(lifted), rule.route, rule.fallback, rule.priority, rule.reason, rule.fallback_reason
        )

    def _lift(self, condition: Condition, rule_id: str, lifted: list[tuple[str, bool]]) -> Condition:
        """Replace each ``exists`` with a flag compare, registering the member test behind it."""
        if isinstance(condition, Exists):
            test_id = self._test(f"exists.{rule_id}.{len(lifted)}", _Prepared(condition.who, condition.when))
            lifted.append((test_id, condition.when is not None))
            return Compare(test_id, "eq", True)
        if isinstance(condition, Not):
            return Not(self._lift(condition.item, rule_id, lifted))
        if isinstance(condition, (AllOf, AnyOf)):
            return type(condition)(tuple(self._lift(c, rule_id, lifted) for c in condition.items))
        return condition

    def _nnf(self, condition: Condition, negate: bool) -> Expr:
        """Inline definitions and push negation down to the comparisons."""
        if isinstance(condition, DefinitionRef):
            member_test = self.member_tests[condition.id]
            assert member_test is not None  # the loader refuses a member definition without a condition
            return self._nnf(member_test, negate)
        if isinstance(condition, Not):
            return self._nnf(condition.item, not negate)
        if isinstance(condition, (AllOf, AnyOf)):
            kind = And if isinstance(condition, AllOf) != negate else Or
            return _flat(kind, [self._nnf(c, negate) for c in condition.items])
        if not isinstance(condition, Compare):  # exists was lifted out before this point
            raise TypeError(f"cannot compile {condition!r} here")
        key = fact_key(condition.field)
        if not negate:
            return Cmp(key, condition.op, condition.value)
        return Or((Absent(key), Cmp(key, _NEGATED[condition.op], condition.value)))


def _keys(expr: Expr) -> set[str]:
    if isinstance(expr, (Cmp, Absent)):
        return {expr.key}
    return {key for item in expr.items for key in _keys(item)}


def _flat(kind: type[And] | type[Or], items: list[Expr]) -> Expr:
    """Merge nested And-in-And (Or-in-Or) and unwrap single items: fewer steps to evaluate."""
    merged: list[Expr] = []
    for item in items:
        merged.extend(item.items if isinstance(item, kind) else (item,))
    return merged[0] if len(merged) == 1 else kind(tuple(merged))


@dataclass(frozen=True)
class _Prepared:
    """A member test built by the compiler (for a lifted ``exists``), shaped like schema.MemberTest."""

    who: str
    condition: Condition | None
