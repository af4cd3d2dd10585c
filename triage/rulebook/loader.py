"""Load a policy bundle (definitions/, rules/, service_catalogue/) into validated objects.

The bundle is refused as a whole when anything is wrong, and every problem is reported at once
with its file, line and key, because a policy lead fixing rules wants the full list, not one error
per attempt. A valid bundle gets a sha256 over a canonical form of its content, so two copies that
differ only in formatting, comments or key order have the same hash.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from triage.calendar import WorkingCalendar
from triage.canonical import canonical, sha256_text
from triage.models import Role
from triage.postcodes import outward_code
from triage.rulebook import schema, templates
from triage.rulebook.conditions import ConditionParser, Scope, definitions_used
from triage.rulebook.errors import PolicyInvalid, PolicyProblem
from triage.rulebook.fields import HOUSEHOLD_FIELDS, MEMBER_FIELDS
from triage.rulebook.folders import read_folder, validate_folder
from triage.rulebook.source import KeyPath, SourceFile

FOLDERS: dict[str, type[BaseModel]] = {
    "definitions": schema.DefinitionsFolder,
    "rules": schema.RulesFolder,
    "service_catalogue": schema.CatalogueFolder,
}
RANKED_SPECIALIST = "ranked_specialist"


@dataclass(frozen=True)
class Policy:
    """A validated bundle; every test in it has its parsed ``.condition`` attached."""

    root: Path
    definitions: schema.DefinitionsFolder
    rules: schema.RulesFolder
    catalogue: schema.CatalogueFolder
    sha256: str
    content: dict[str, Any]  # each folder's sections as read: what the hash covers, and what is archived

    @property
    def version(self) -> str:
        return self.rules.version

    def locality_of(self, postcode: str) -> str | None:
        """The MAST locality covering a postcode's district, or None outside the city."""
        district = outward_code(postcode)
        return next((loc.id for loc in self.catalogue.localities if district in loc.districts), None)

    def serves_by_locality(self, route: str) -> bool:
        """Whether a route's service has teams by locality (MAST), so its work needs a locality."""
        return any(s.id == route and s.coverage == "localities" for s in self.catalogue.services)


def default_policy_dir() -> Path:
    """The bundle shipped with the project: the repository root that holds rules/."""
    return Path(__file__).resolve().parents[2]


def resolve_policy_dir(path: Path) -> Path:
    """Accept the bundle root, or its rules/ folder (what people naturally type)."""
    path = path.resolve()
    if not (path / "rules").is_dir() and path.name == "rules" and (path.parent / "definitions").is_dir():
        return path.parent
    return path


def load_policy(path: Path | None = None) -> Policy:
    """Read, validate and hash a bundle; raise PolicyInvalid listing every problem."""
    root = resolve_policy_dir(path or default_policy_dir())
    problems: list[PolicyProblem] = []
    folders: dict[str, tuple[dict[str, Any], dict[str, SourceFile]]] = {}
    for folder in FOLDERS:
        folders[folder] = read_folder(root, folder, problems)
    if problems:
        raise PolicyInvalid(problems)
    models = {folder: validate_folder(FOLDERS[folder], folder, *folders[folder], problems) for folder in FOLDERS}
    if problems:
        raise PolicyInvalid(problems)
    content = {folder: data for folder, (data, _) in folders.items()}
    policy = Policy(
        root, models["definitions"], models["rules"], models["service_catalogue"], _canonical_hash(content), content
    )
    problems.extend(_Checker(policy, {f: files for f, (_, files) in folders.items()}).run())
    if problems:
        raise PolicyInvalid(problems)
    return policy


def _canonical_hash(content: dict[str, Any]) -> str:
    """sha256 of the bundle's content as canonical JSON: formatting and key order do not count."""
    return sha256_text(canonical(content))


class _Checker:
    """Cross-reference checks; parses every condition in place."""

    def __init__(self, policy: Policy, files: dict[str, dict[str, SourceFile]]) -> None:
        self.policy = policy
        self.files = files
        self.problems: list[PolicyProblem] = []
        self.member_definitions = {d.id for d in policy.definitions.definitions if d.applies_to == "member"}
        catalogue = policy.catalogue
        self.services = {s.id for s in catalogue.services}
        self.real_services = {s.id for s in catalogue.services if s.kind == "service"}
        self.priorities = {p.id for p in policy.rules.priorities}

    def run(self) -> list[PolicyProblem]:
        self._check_definitions()
        self._check_catalogue()
        self._check_problems()
        self._check_need_score()
        self._check_priorities()
        self._check_routing()
        self._check_also_refer()
        self._check_invariants()
        self._check_wording()
        self._check_calendar()
        self._check_dates()
        return self.problems

    # -- helpers -------------------------------------------------------------------------

    def _source(self, folder: str, section: str) -> SourceFile:
        return self.files[folder][section]

    def _report(self, folder: str, at: KeyPath, message: str) -> None:
        self.problems.append(self._source(folder, str(at[0])).problem(at, message))

    def _unique(self, folder: str, section: KeyPath, ids: Iterable[str], what: str) -> None:
        ids = list(ids)
        for value, count in Counter(ids).items():
            if count > 1:
                positions = [i for i, x in enumerate(ids) if x == value]
                self._report(folder, section + (positions[1], "id"), f"duplicate {what} id {value!r}")

    def _parser(self, folder: str, section: str) -> ConditionParser:
        return ConditionParser(self._source(folder, section), self.member_definitions, self.problems)

    def _parse_member_test(self, test: schema.MemberTest, section: str, at: KeyPath) -> None:
        """Check ``who`` and parse ``when`` (member scope, or household scope for who: household)."""
        parser = self._parser("rules", section)
        if parser.who(test.who, at + ("who",)) is None:
            return
        if test.when is None:
            self._report("rules", at + ("when",), "a test is required (an empty `when` would hold for everyone)")
            return
        scope: Scope = "household" if test.who == "household" else "member"
        test.attach(parser.parse(test.when, scope, at + ("when",)))

    def _template(self, folder: str, at: KeyPath, template: str, allowed: frozenset[str]) -> None:
        problem = templates.template_problem(template, allowed)
        if problem:
            self._report(folder, at, problem)

    def _service(self, at: KeyPath, service: str, real_only: bool = False) -> None:
        known = self.real_services if real_only else self.services
        if service not in known:
            self._report("rules", at, f"unknown service id {service!r}; the catalogue has: {', '.join(sorted(known))}")

    # -- definitions ---------------------------------------------------------------------

    def _check_definitions(self) -> None:
        definitions = self.policy.definitions.definitions
        self._unique("definitions", ("definitions",), (d.id for d in definitions), "definition")
        parser = self._parser("definitions", "definitions")
        for i, d in enumerate(definitions):
            at: KeyPath = ("definitions", i, "test")
            if d.applies_to == "member" and d.test is None:
                self._report("definitions", at, "a member definition needs an operational test")
            elif d.applies_to == "prose" and d.test is not None:
                self._report("definitions", at, "a prose definition has no test; set applies_to: member")
            elif d.test is not None:
                d.attach(parser.parse(d.test, "member", at))
        self._check_cycles(definitions)

    def _check_cycles(self, definitions: list[schema.Definition]) -> None:
        uses = {d.id: set(definitions_used(d.condition)) for d in definitions}
        for i, d in enumerate(definitions):
            seen, stack = set(), list(uses.get(d.id, ()))
            while stack:
                current = stack.pop()
                if current == d.id:
                    self._report("definitions", ("definitions", i, "test"), f"definition {d.id!r} refers to itself")
                    break
                if current not in seen:
                    seen.add(current)
                    stack.extend(uses.get(current, ()))

    # -- catalogue -----------------------------------------------------------------------

    def _check_catalogue(self) -> None:
        catalogue = self.policy.catalogue
        self._unique("service_catalogue", ("services",), (s.id for s in catalogue.services), "service")
        self._unique("service_catalogue", ("localities",), (x.id for x in catalogue.localities), "locality")
        self._unique("service_catalogue", ("partner_agencies",), (a.id for a in catalogue.partner_agencies), "agency")
        owner: dict[str, str] = {}
        for i, locality in enumerate(catalogue.localities):
            for j, district in enumerate(locality.districts):
                if district in owner:
                    self._report(
                        "service_catalogue",
                        ("localities", i, "districts", j),
                        f"district {district} is already in locality {owner[district]!r}",
                    )
                owner.setdefault(district, locality.id)
        for i, service in enumerate(catalogue.services):
            if service.kind == "service" and (service.tier is None or service.coverage is None):
                self._report("service_catalogue", ("services", i), "a service needs a tier and a coverage")

    # -- rules ---------------------------------------------------------------------------

    def _check_problems(self) -> None:
        problems = self.policy.rules.problems
        self._unique("rules", ("problems",), (p.id for p in problems), "problem")
        for i, problem in enumerate(problems):
            self._unique("rules", ("problems", i, "indicators"), (x.id for x in problem.indicators), "indicator")
            for j, indicator in enumerate(problem.indicators):
                at: KeyPath = ("problems", i, "indicators", j)
                self._parse_member_test(indicator, "problems", at)
                self._template("rules", at + ("reason",), indicator.reason, templates.INDICATOR)
                known = HOUSEHOLD_FIELDS if indicator.who == "household" else MEMBER_FIELDS
                if indicator.evidence_field is not None and indicator.evidence_field not in known:
                    self._report("rules", at + ("evidence_field",), f"unknown field path {indicator.evidence_field!r}")

    def _check_need_score(self) -> None:
        modifiers = self.policy.rules.need_score.modifiers
        self._unique("rules", ("need_score", "modifiers"), (m.id for m in modifiers), "modifier")
        for i, modifier in enumerate(modifiers):
            at: KeyPath = ("need_score", "modifiers", i)
            self._parse_member_test(modifier, "need_score", at)
            self._template("rules", at + ("reason",), modifier.reason, templates.MODIFIER)

    def _check_priorities(self) -> None:
        self._unique("rules", ("priorities",), (p.id for p in self.policy.rules.priorities), "priority")

    def _check_routing(self) -> None:
        routing = self.policy.rules.routing
        self._unique("rules", ("routing",), (r.id for r in routing), "routing rule")
        parser = self._parser("rules", "routing")
        parser.scores_known = True
        for i, rule in enumerate(routing):
            at: KeyPath = ("routing", i)
            self._check_route(rule, at)
            if rule.priority not in self.priorities:
                self._report(
                    "rules",
                    at + ("priority",),
                    f"unknown priority {rule.priority!r}; expected one of: {', '.join(sorted(self.priorities))}",
                )
            self._template("rules", at + ("reason",), rule.reason, templates.ROUTING)
            if rule.fallback_reason:
                self._template("rules", at + ("fallback_reason",), rule.fallback_reason, templates.ROUTING)
            if rule.otherwise == (rule.when is not None):
                self._report("rules", at, "a routing rule has either `when` or `otherwise: true`, not both or neither")
            elif rule.when is not None:
                rule.attach(parser.parse(rule.when, "household", at + ("when",)))
            if rule.otherwise and i != len(routing) - 1:
                self._report("rules", at + ("otherwise",), "only the last routing rule may be the catch-all")
        if not routing[-1].otherwise:
            self._report(
                "rules",
                ("routing", len(routing) - 1),
                "the routing table must end with a catch-all rule (otherwise: true), so every referral gets a route",
            )
        for i, need in enumerate(self.policy.rules.specialist_needs):
            at = ("specialist_needs", i)
            self._service(at + ("service",), need.service, real_only=True)
            self._parse_member_test(need, "specialist_needs", at)

    def _check_route(self, rule: schema.RoutingRule, at: KeyPath) -> None:
        if rule.route == RANKED_SPECIALIST:
            if rule.fallback is None:
                self._report("rules", at + ("fallback",), "route ranked_specialist needs a fallback service")
            else:
                self._service(at + ("fallback",), rule.fallback)
        else:
            self._service(at + ("route",), rule.route)
            if rule.fallback is not None or rule.fallback_reason is not None:
                self._report("rules", at + ("fallback",), "fallback is only used with route: ranked_specialist")

    def _check_also_refer(self) -> None:
        also = self.policy.rules.also_refer
        self._unique("rules", ("also_refer", "rules"), (r.id for r in also.rules), "also-refer rule")
        for j, route in enumerate(also.except_routes):
            self._service(("also_refer", "except_routes", j), route)
        for i, rule in enumerate(also.rules):
            at: KeyPath = ("also_refer", "rules", i)
            self._service(at + ("service",), rule.service, real_only=True)
            self._parse_member_test(rule, "also_refer", at)
            self._template("rules", at + ("reason",), rule.reason, templates.ALSO_REFER)

    def _check_invariants(self) -> None:
        invariants = self.policy.rules.invariants
        self._unique("rules", ("invariants",), (x.id for x in invariants), "invariant")
        for i, invariant in enumerate(invariants):
            at: KeyPath = ("invariants", i)
            source = self._source("rules", "invariants")
            invariant.locate(f"{source.name}:{source.line_of(at)}")
            if invariant.when is not None:
                parser = self._parser("rules", "invariants")
                parser.scores_known = True
                invariant.attach(parser.parse(invariant.when, "household", at + ("when",)))
            then = invariant.then
            if all(value is None for value in then.model_dump().values()):
                self._report(
                    "rules",
                    at + ("then",),
                    "say what must hold: route, route_in, route_not_in, priority or locality_for_routes",
                )
            for key, routes in (
                ("route", [then.route] if then.route else []),
                ("route_in", then.route_in or []),
                ("route_not_in", then.route_not_in or []),
                ("locality_for_routes", then.locality_for_routes or []),
            ):
                for j, route in enumerate(routes):
                    self._service(at + ("then", key) + ((j,) if key != "route" else ()), route)
            if then.priority is not None and then.priority not in self.priorities:
                self._report("rules", at + ("then", "priority"), f"unknown priority {then.priority!r}")

    def _check_calendar(self) -> None:
        cal = self.policy.rules.calendar
        try:
            WorkingCalendar(cal.country, cal.subdivisions, cal.timezone)
        except (ValueError, TypeError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
            self._report("rules", ("calendar",), f"calendar cannot be used: {error}")

    def _check_dates(self) -> None:
        rules = self.policy.rules
        if rules.effective_to is not None and rules.effective_to < rules.effective_from:
            self._report(
                "rules",
                ("effective_to",),
                f"ends ({rules.effective_to}) before it takes effect ({rules.effective_from})",
            )

    def _check_wording(self) -> None:
        missing = [role for role in get_args(Role) if role not in self.policy.rules.wording.roles]
        if missing:
            self._report("rules", ("wording", "roles"), f"no wording for role(s): {', '.join(missing)}")
        wording = self.policy.rules.wording
        self._template("rules", ("wording", "member"), wording.member, templates.MEMBER)
        if wording.named_member is not None:
            self._template("rules", ("wording", "named_member"), wording.named_member, templates.NAMED_MEMBER)
