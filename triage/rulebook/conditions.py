"""The condition language: small, declarative, checked at load time. No strings are evaluated.

A condition is one of (YAML mappings with exactly the keys shown):

    {all: [c, ...]}                 every condition holds
    {any: [c, ...]}                 at least one holds
    {not: c}                        c does not hold
    {field: PATH, OP: VALUE}        compare a field; OP is eq, ne, lt, le, gt or ge.
                                    An absent field makes every comparison false.
    {definition: ID}                a member definition's test holds (member conditions only)
    {exists: {who: ID, when: c}}    some member who passes definition ID also passes member
                                    condition c (`when` optional; household conditions only)

A *member* condition is about one member (``age``, ``school.attendance_pct``); a *household*
condition is about the referral as a whole (``consent.given``, ``household.housing.homeless``,
``derived.problems_met``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from triage.rulebook.fields import (
    CHOICES,
    HOUSEHOLD_FIELDS,
    LARGEST_RULE_NUMBER,
    MEMBER_FIELDS,
    SCORES,
    SMALLEST_RULE_NUMBER,
    Scalar,
)
from triage.rulebook.source import KeyPath, SourceFile

Scope = Literal["member", "household"]
OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge")
_ORDERED = ("lt", "le", "gt", "ge")


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: bool | int | float | str


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


@dataclass(frozen=True)
class DefinitionRef:
    id: str


@dataclass(frozen=True)
class Exists:
    who: str
    when: Condition | None


Condition = Compare | AllOf | AnyOf | Not | DefinitionRef | Exists


@dataclass
class ConditionParser:
    """Turns raw YAML into a checked condition, collecting every problem instead of stopping."""

    source: SourceFile
    member_definitions: set[str]
    problems: list = field(default_factory=list)
    scores_known: bool = False  # True for routing rules, which run after scoring

    def parse(self, raw: object, scope: Scope, at: KeyPath) -> Condition | None:
        if not isinstance(raw, dict) or not raw:
            return self._fail(at, "a condition must be a mapping such as {field: age, ge: 5}")
        keys = set(raw)
        for key, handler in (
            ("all", self._combined),
            ("any", self._combined),
            ("not", self._not),
            ("definition", self._definition),
            ("exists", self._exists),
        ):
            if key in keys:
                if keys != {key}:
                    return self._fail(
                        at, f"'{key}' must stand alone; unexpected: {', '.join(sorted(map(str, keys - {key})))}"
                    )
                return handler(raw[key], scope, at + (key,))
        if "field" in keys:
            return self._compare(raw, scope, at)
        return self._fail(
            at,
            f"unknown condition keys: {', '.join(sorted(map(str, keys)))} "
            "(expected all, any, not, field, definition or exists)",
        )

    def _fail(self, at: KeyPath, message: str) -> Any:
        """Note the problem; None, to return in place of the condition that could not be made."""
        self.problems.append(self.source.problem(at, message))
        return None

    def _items(self, raw: object, scope: Scope, at: KeyPath) -> tuple[Condition, ...] | None:
        if not isinstance(raw, list) or not raw:
            return self._fail(at, "must be a non-empty list of conditions")
        parsed = [self.parse(item, scope, at + (i,)) for i, item in enumerate(raw)]
        return None if any(p is None for p in parsed) else tuple(parsed)  # type: ignore[arg-type]

    def _combined(self, raw: object, scope: Scope, at: KeyPath) -> Condition | None:
        """``all`` or ``any`` (the last key of ``at`` says which)."""
        items = self._items(raw, scope, at)
        if not items:
            return None
        return AllOf(items) if at[-1] == "all" else AnyOf(items)

    def _not(self, raw: object, scope: Scope, at: KeyPath) -> Condition | None:
        item = self.parse(raw, scope, at)
        return Not(item) if item else None

    def _definition(self, raw: object, scope: Scope, at: KeyPath) -> Condition | None:
        if scope != "member":
            return self._fail(at, "a definition tests one member: use it inside exists/who, not on the household")
        if not isinstance(raw, str) or raw not in self.member_definitions:
            return self._fail(at, f"unknown member definition id {raw!r}")
        return DefinitionRef(str(raw))

    def _exists(self, raw: object, scope: Scope, at: KeyPath) -> Condition | None:
        if scope != "household":
            return self._fail(at, "exists is a household test; a member condition cannot contain it")
        if not isinstance(raw, dict) or "who" not in raw or set(raw) - {"who", "when"}:
            return self._fail(at, "exists needs {who: DEFINITION_ID} and optionally when: CONDITION")
        who = self.who(raw["who"], at + ("who",), allow_household=False)
        when = self.parse(raw["when"], "member", at + ("when",)) if "when" in raw else None
        if who is None or ("when" in raw and when is None):
            return None
        return Exists(who, when)

    def who(self, raw: object, at: KeyPath, allow_household: bool = True) -> str | None:
        """Check a ``who:`` value: a member definition id, or ``household`` where allowed."""
        if allow_household and raw == "household":
            return "household"
        if isinstance(raw, str) and raw in self.member_definitions:
            return raw
        allowed = sorted(self.member_definitions) + (["household"] if allow_household else [])
        return self._fail(at, f"unknown who {raw!r}; expected one of: {', '.join(allowed)}")

    def _compare(self, raw: dict, scope: Scope, at: KeyPath) -> Condition | None:
        ops = [k for k in raw if k != "field"]
        if len(ops) != 1 or ops[0] not in OPERATORS:
            return self._fail(at, f"a comparison needs field and exactly one of {', '.join(OPERATORS)}")
        op, value, path = ops[0], raw[ops[0]], raw["field"]
        known = MEMBER_FIELDS if scope == "member" else HOUSEHOLD_FIELDS
        if not isinstance(path, str) or path not in known:
            hint = (
                " (household fields are written in full, e.g. household.housing.homeless)"
                if scope == "household"
                else ""
            )
            return self._fail(at + ("field",), f"unknown {scope} field path {path!r}{hint}")
        if path in SCORES and not self.scores_known:
            return self._fail(
                at + ("field",),
                f"{path} is worked out from the indicators and modifiers, so only routing rules can test it",
            )
        problem = _type_problem(known[path], op, value) or _choice_problem(path, value)
        if problem:
            return self._fail(at + (op,), f"{path}: {problem}")
        return Compare(str(path), op, value)


def _type_problem(expected: Scalar, op: str, value: object) -> str | None:
    """Why ``value`` cannot be compared with a field of type ``expected`` (None if it can)."""
    if expected is bool:
        if not isinstance(value, bool):
            return f"is true/false, so compare it with true or false, not {value!r}"
        if op in _ORDERED:
            return f"is true/false; use eq or ne, not {op}"
        return None
    if expected in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"is a number; {value!r} is not"
        if expected is int and isinstance(value, float) and not value.is_integer():
            return f"is a whole number; {value!r} is not"
        if value and not SMALLEST_RULE_NUMBER < abs(value) <= LARGEST_RULE_NUMBER:
            return f"{value!r} is out of range: use 0, or a number above {SMALLEST_RULE_NUMBER} and at most {LARGEST_RULE_NUMBER:.0f}"
        return None
    if not isinstance(value, str):
        return f"is text; {value!r} is not"
    return None


def _choice_problem(path: str, value: object) -> str | None:
    choices = CHOICES.get(path)
    if choices and value not in choices:
        return f"{value!r} is not one of: {', '.join(choices)}"
    return None


def definitions_used(condition: Condition | None) -> list[str]:
    """Definition ids a condition names directly or through ``exists`` (first use first)."""
    if condition is None:
        return []
    if isinstance(condition, DefinitionRef):
        return [condition.id]
    if isinstance(condition, Exists):
        return [condition.who, *definitions_used(condition.when)]
    if isinstance(condition, Not):
        return definitions_used(condition.item)
    if isinstance(condition, (AllOf, AnyOf)):
        return [d for item in condition.items for d in definitions_used(item)]
    return []


def comparisons(condition: Condition | None) -> list[Compare]:
    """Every field comparison in a condition (through ``not``, ``all``, ``any`` and ``exists``)."""
    if isinstance(condition, Compare):
        return [condition]
    if isinstance(condition, Exists):
        return comparisons(condition.when)
    if isinstance(condition, Not):
        return comparisons(condition.item)
    if isinstance(condition, (AllOf, AnyOf)):
        return [c for item in condition.items for c in comparisons(item)]
    return []


def first_field(condition: Condition | None) -> str | None:
    """The first field compared directly in a condition (the default evidence value)."""
    if isinstance(condition, Compare):
        return condition.field
    if isinstance(condition, (AllOf, AnyOf)):
        for item in condition.items:
            found = first_field(item)
            if found:
                return found
    if isinstance(condition, Not):
        return first_field(condition.item)
    return None


_SYMBOLS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}


def describe(condition: Condition | None) -> str:
    """A compact one-line reading of a condition, for ``triage rules show``."""
    if condition is None:
        return "always"
    if isinstance(condition, Compare):
        value = str(condition.value).lower() if isinstance(condition.value, bool) else condition.value
        return f"{condition.field} {_SYMBOLS[condition.op]} {value}"
    if isinstance(condition, DefinitionRef):
        return condition.id
    if isinstance(condition, Exists):
        return f"any {condition.who}" + (f" with {describe(condition.when)}" if condition.when else "")
    if isinstance(condition, Not):
        return f"not ({describe(condition.item)})"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    return "(" + joiner.join(describe(item) for item in condition.items) + ")"
