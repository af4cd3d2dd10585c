"""What changed between two rulesets, in policy terms: thresholds, weights, indicators, routes,
localities, definitions, not lines of YAML.

Each change names the part of the policy (a routing rule, an indicator, a modifier, a district)
and says what it was and what it becomes, so a policy lead can read a diff the way the policy is
written and an approver can see what a change will do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from triage.rulebook.conditions import describe
from triage.rulebook.loader import Policy

Item = TypeVar("Item")


@dataclass(frozen=True)
class Change:
    area: str  # the policy's section: "routing", "problems", "need score", "localities", ...
    subject: str  # what changed: "rule bsf_intensive", "indicator school_attendance/persistent_absence"
    what: str  # "added", "removed", or "<aspect>: <old> → <new>"

    def __str__(self) -> str:
        return f"{self.area}: {self.subject}: {self.what}"


def _when(item: Any) -> str:
    """A member test or condition as read: ``who: condition``, or the condition alone."""
    who = getattr(item, "who", None)
    text = describe(item.condition)
    return f"{who}: {text}" if who else text


class _Differ:
    def __init__(self) -> None:
        self.changes: list[Change] = []

    def value(self, area: str, subject: str, aspect: str, old: object, new: object) -> None:
        if old != new:
            self.changes.append(Change(area, subject, f"{aspect}: {_shown(old)} → {_shown(new)}"))

    def keyed(
        self,
        area: str,
        prefix: str,
        old: Sequence[Item],
        new: Sequence[Item],
        key: Callable[[Item], str],
        compare: Callable[[str, Item, Item], None],
    ) -> None:
        """Items matched by id (subject ``prefix + id``): added, removed, and ``compare`` for those
        in both; in the new version's order, then the removed ones, so a diff always reads the same."""
        before, after = {key(i): i for i in old}, {key(i): i for i in new}
        for name, item in after.items():
            if name in before:
                compare(prefix + name, before[name], item)
            else:
                self.changes.append(Change(area, prefix + name, "added"))
        for name in [name for name in before if name not in after]:
            self.changes.append(Change(area, prefix + name, "removed"))

    def order(self, area: str, noun: str, old: Iterable[str], new: Iterable[str]) -> None:
        """The order of items both versions have (routing rules are tried in order; specialist
        needs are ranked): a move changes which one wins."""
        before, after = list(old), list(new)
        common = set(before) & set(after)
        before, after = [i for i in before if i in common], [i for i in after if i in common]
        if before != after:
            self.changes.append(Change(area, f"{noun} order", f"{', '.join(before)} → {', '.join(after)}"))


def _then(then: Any) -> str:
    """An invariant's requirements as read: ``route childrens_social_care, priority immediate``."""
    return ", ".join(
        f"{key.replace('_', ' ')} {_shown(value)}" for key, value in then.model_dump().items() if value is not None
    )


def _shown(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    return "none" if value is None else str(value)


def diff_policies(old: Policy, new: Policy) -> list[Change]:
    """Every policy-level change from ``old`` to ``new``, section by section."""
    d = _Differ()
    o, n = old.rules, new.rules
    for aspect in ("version", "effective_from", "policy", "min_test_coverage"):
        d.value("ruleset", "ruleset", aspect, getattr(o, aspect), getattr(n, aspect))

    def definition(subject: str, a: Any, b: Any) -> None:
        for aspect in ("label", "version", "applies_to", "text"):
            d.value("definitions", subject, aspect, getattr(a, aspect), getattr(b, aspect))
        d.value("definitions", subject, "test", _when(a), _when(b))

    d.keyed(
        "definitions",
        "definition ",
        old.definitions.definitions,
        new.definitions.definitions,
        lambda x: x.id,
        definition,
    )

    def problem(subject: str, a: Any, b: Any) -> None:
        d.value("problems", subject, "label", a.label, b.label)

        def indicator(sub: str, x: Any, y: Any) -> None:
            d.value("problems", sub, "test", _when(x), _when(y))

        d.keyed("problems", f"indicator {a.id}/", a.indicators, b.indicators, lambda i: i.id, indicator)

    d.keyed("problems", "problem ", o.problems, n.problems, lambda p: p.id, problem)

    d.value(
        "need score",
        "need score",
        "points per problem",
        o.need_score.points_per_problem,
        n.need_score.points_per_problem,
    )

    def modifier(subject: str, a: Any, b: Any) -> None:
        d.value("need score", subject, "points", a.points, b.points)
        d.value("need score", subject, "test", _when(a), _when(b))

    d.keyed("need score", "modifier ", o.need_score.modifiers, n.need_score.modifiers, lambda m: m.id, modifier)

    def routing(subject: str, a: Any, b: Any) -> None:
        d.value(
            "routing",
            subject,
            "when",
            _when(a) if not a.otherwise else "otherwise",
            _when(b) if not b.otherwise else "otherwise",
        )
        for aspect in ("route", "fallback", "priority"):
            d.value("routing", subject, aspect, getattr(a, aspect), getattr(b, aspect))

    d.keyed("routing", "rule ", o.routing, n.routing, lambda r: r.id, routing)
    d.order("routing", "rule", (r.id for r in o.routing), (r.id for r in n.routing))

    def need(subject: str, a: Any, b: Any) -> None:
        d.value("specialist needs", subject, "test", _when(a), _when(b))

    d.keyed("specialist needs", "need for ", o.specialist_needs, n.specialist_needs, lambda s: s.service, need)
    d.order(
        "specialist needs", "ranking", (s.service for s in o.specialist_needs), (s.service for s in n.specialist_needs)
    )

    d.value(
        "also refer",
        "also refer",
        "not for routes",
        sorted(o.also_refer.except_routes),
        sorted(n.also_refer.except_routes),
    )

    def also(subject: str, a: Any, b: Any) -> None:
        d.value("also refer", subject, "service", a.service, b.service)
        d.value("also refer", subject, "test", _when(a), _when(b))

    d.keyed("also refer", "rule ", o.also_refer.rules, n.also_refer.rules, lambda r: r.id, also)

    def invariant(subject: str, a: Any, b: Any) -> None:
        d.value("invariants", subject, "statement", a.statement, b.statement)
        d.value("invariants", subject, "when", _when(a), _when(b))
        d.value("invariants", subject, "then", _then(a.then), _then(b.then))

    d.keyed("invariants", "invariant ", o.invariants, n.invariants, lambda x: x.id, invariant)

    def priority(subject: str, a: Any, b: Any) -> None:
        d.value("priorities", subject, "working days", a.working_days, b.working_days)

    d.keyed("priorities", "priority ", o.priorities, n.priorities, lambda p: p.id, priority)

    d.value("intake", "intake", "received within days", o.intake.received_within_days, n.intake.received_within_days)

    _localities(d, old, new)

    def service(subject: str, a: Any, b: Any) -> None:
        for aspect in ("name", "kind", "tier", "coverage", "capacity", "unit_cost_gbp"):
            d.value("services", subject, aspect, getattr(a, aspect), getattr(b, aspect))

    d.keyed("services", "service ", old.catalogue.services, new.catalogue.services, lambda s: s.id, service)
    d.keyed(
        "agencies",
        "agency ",
        old.catalogue.partner_agencies,
        new.catalogue.partner_agencies,
        lambda a: a.id,
        lambda *_: None,
    )
    return d.changes


def _localities(d: _Differ, old: Policy, new: Policy) -> None:
    """Localities added or removed, and each postcode district that moved to another locality."""
    d.keyed(
        "localities",
        "locality ",
        old.catalogue.localities,
        new.catalogue.localities,
        lambda loc: loc.id,
        lambda subject, a, b: d.value("localities", subject, "name", a.name, b.name),
    )
    before = {str(district): loc.id for loc in old.catalogue.localities for district in loc.districts}
    after = {str(district): loc.id for loc in new.catalogue.localities for district in loc.districts}
    for district in sorted(before.keys() | after.keys()):
        d.value("localities", f"district {district}", "locality", before.get(district), after.get(district))
