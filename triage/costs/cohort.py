"""The families an appraisal is about: a scenario a policy lead writes, or the decisions the front
door actually made over a period (read from the audit store, overrides applied)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import Field

from triage.audit.events import Unreadable
from triage.audit.store import AuditStore
from triage.costs.loader import CostDataInvalid
from triage.rulebook.errors import PolicyProblem
from triage.rulebook.folders import validate_folder
from triage.rulebook.loader import Policy
from triage.rulebook.schema import Id, Spec, Text
from triage.rulebook.source import read_yaml


@dataclass(frozen=True)
class Cohort:
    """How many families each route took on, and how many of those had each headline problem."""

    label: str
    families: dict[str, int]  # route -> families
    with_problem: dict[tuple[str, str], int]  # (route, problem) -> families
    unreadable: int = 0  # recorded decisions left out because they could not be read (the audit log's)

    @property
    def unreadable_note(self) -> str | None:
        """What a report says about the decisions left out ("2 recorded decisions could not be read
        and were left out"), or None."""
        return Unreadable(self.unreadable).note()

    @classmethod
    def of(cls, label: str, decided: Iterable[tuple[str, Iterable[str]]]) -> Cohort:
        """A cohort from (route, problems met) pairs, one per family."""
        return cls.counted(label, ((route, problems, 1) for route, problems in decided))

    @classmethod
    def counted(cls, label: str, groups: Iterable[tuple[str, Iterable[str], int]]) -> Cohort:
        """A cohort from (route, problems met, how many families) groups."""
        families: Counter[str] = Counter()
        with_problem: Counter[tuple[str, str]] = Counter()
        for route, problems, count in groups:
            families[route] += count
            for problem in set(problems):
                with_problem[route, problem] += count
        return cls(label, dict(families), dict(with_problem))


class Group(Spec):
    """Families on one route who share the same headline problems."""

    route: Id
    families: Annotated[int, Field(ge=0, le=1_000_000)]
    problems: list[Id]


class Scenario(Spec):
    """Families a policy lead describes: what-if cohorts, or a year's expected intake."""

    name: Text
    description: Text | None = None
    groups: Annotated[list[Group], Field(min_length=1)]

    def cohort(self) -> Cohort:
        return Cohort.counted(self.name, ((g.route, g.problems, g.families) for g in self.groups))


class ScenarioFile(Spec):
    scenario: Scenario


class InvalidScenario(CostDataInvalid):
    """A scenario file that cannot be appraised, with every problem listed."""

    def __init__(self, problems: list[PolicyProblem]) -> None:
        super().__init__(problems, "the scenario file")


def scenario_cohort(path: Path, policy: Policy) -> Cohort:
    """Read a scenario file (see examples/costs/), checking its routes and problems against the ruleset."""
    source, problems = read_yaml(path, path.name)
    if source is not None and not isinstance(source.data, dict):
        problems.append(source.problem((), "a scenario file is a mapping with a `scenario:` section"))
    elif source is not None and "scenario" not in source.data:
        problems.append(
            source.problem(("scenario",), "required key is missing: a scenario file has a `scenario:` section")
        )
        problems += [
            source.problem((key,), "unknown key (the scenario's keys go under `scenario:`)") for key in source.data
        ]
    if problems or source is None:
        raise InvalidScenario(problems)
    scenario_file = validate_folder(
        ScenarioFile, path.name, source.data, {key: source for key in source.data}, problems
    )
    if scenario_file is None:
        raise InvalidScenario(problems)
    mistakes = unknown_names(scenario_file.scenario, policy)
    if mistakes:
        raise InvalidScenario([source.problem(("scenario", *where), message) for where, message in mistakes])
    return scenario_file.scenario.cohort()


def unknown_names(scenario: Scenario, policy: Policy) -> list[tuple[tuple[str | int, ...], str]]:
    """(where, why) for each route or headline problem the ruleset does not know."""
    services = {s.id for s in policy.catalogue.services}
    known = {p.id for p in policy.rules.problems}
    mistakes: list[tuple[tuple[str | int, ...], str]] = []
    for index, group in enumerate(scenario.groups):
        if group.route not in services:
            mistakes.append((("groups", index, "route"), f"{group.route!r} is not a route in the catalogue"))
        mistakes += [
            (
                ("groups", index, "problems", number),
                f"unknown headline problem {problem!r} (the ruleset's: {', '.join(sorted(known))})",
            )
            for number, problem in enumerate(group.problems)
            if problem not in known
        ]
    return mistakes


def audit_cohort(store: AuditStore, since: date | None, until: date | None) -> Cohort:
    """The families the front door decided on between two UTC days (inclusive), each on the route
    it stands at now: a route a key worker overrode counts, not the one first decided."""
    label = "Decisions recorded " + _period(since, until) if since or until else "All decisions recorded"
    unreadable = Unreadable()
    cohort = Cohort.of(label, store.queries.routes_and_problems(since, until, unreadable=unreadable))
    return replace(cohort, unreadable=unreadable.count)


def _period(since: date | None, until: date | None) -> str:
    """The period in words; one of the days at least is given."""
    if since and until:
        return f"from {since:%-d %B %Y} to {until:%-d %B %Y}"
    if since:
        return f"since {since:%-d %B %Y}"
    return f"up to {until:%-d %B %Y}"
