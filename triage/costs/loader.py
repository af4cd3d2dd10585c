"""Read cost_benefit/ into validated cost data, refusing it whole with every problem listed.

The cost data refers to the policy bundle (headline problems, routes, the catalogue's cost of each
service), so it is checked against the ruleset it will be used with. Like a ruleset, a valid copy
gets a sha256 over its canonical content, printed on every report so a figure can be traced back to
the exact data that produced it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage.canonical import canonical, sha256_text
from triage.costs.schema import CostDataFolder, UnitCost
from triage.rulebook.errors import PolicyInvalid, PolicyProblem
from triage.rulebook.folders import read_folder, validate_folder
from triage.rulebook.loader import Policy, default_policy_dir
from triage.rulebook.source import SourceFile

FOLDER = "cost_benefit"


class CostDataInvalid(PolicyInvalid):
    """The cost data is refused as a whole: a report must never rest on half-checked inputs."""

    def __init__(self, problems: list[PolicyProblem], what: str = "the cost-benefit data") -> None:
        super().__init__(problems)
        self.args = (f"{len(self.problems)} problem(s) in {what}:\n" + "\n".join(map(str, self.problems)),)


@dataclass(frozen=True)
class CostData:
    """Validated cost data, with the figures it takes from the ruleset it was checked against."""

    root: Path
    data: CostDataFolder
    sha256: str
    service_costs: dict[str, float]  # route -> the catalogue's cost per family (at service_costs_price_year)
    ruleset_version: str

    def unit_cost(self, code: str) -> UnitCost:
        return next(cost for cost in self.data.unit_costs if cost.code == code)

    def uprating(self, price_year: str) -> float:
        """The factor that restates money at ``price_year`` prices in the appraisal's price year."""
        index = self.data.deflators.index
        return index[self.data.appraisal.price_year] / index[price_year]

    def haircut(self, grade: int) -> float:
        return next(bias.haircut for bias in self.data.appraisal.optimism_bias if bias.grade == grade)

    def agency_name(self, agency: str | None) -> str:
        return next((a.name for a in self.data.agencies if a.id == agency), agency or "")


def default_cost_dir() -> Path:
    """The data shipped with the project, beside rules/."""
    return default_policy_dir() / FOLDER


def load_cost_data(policy: Policy, path: Path | None = None) -> CostData:
    """Read, validate and cross-check cost_benefit/ against ``policy``; raise CostDataInvalid."""
    folder = (path or default_cost_dir()).resolve()
    problems: list[PolicyProblem] = []
    merged, owners = read_folder(folder.parent, folder.name, problems)
    if problems:
        raise CostDataInvalid(problems)
    data = validate_folder(CostDataFolder, folder.name, merged, owners, problems)
    if problems:
        raise CostDataInvalid(problems)
    problems.extend(_Checker(data, owners, policy).run())
    if problems:
        raise CostDataInvalid(problems)
    costs = {s.id: s.unit_cost_gbp for s in policy.catalogue.services if s.unit_cost_gbp is not None}
    return CostData(
        folder,
        data,
        sha256_text(canonical(merged)),
        {route: costs[route] for route in data.appraisal.engagement},
        policy.version,
    )


class _Checker:
    """Cross-reference checks, each problem pinned to the file and line a policy lead can fix."""

    def __init__(self, data: CostDataFolder, owners: dict[str, SourceFile], policy: Policy) -> None:
        self.data = data
        self.owners = owners
        self.policy = policy
        self.problems: list[PolicyProblem] = []
        self.agencies = {a.id for a in data.agencies}

    def flag(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(self.owners[str(path[0])].problem(path, message))

    def run(self) -> list[PolicyProblem]:
        self._unique(("agencies",), [a.id for a in self.data.agencies], "agency id")
        self._unique(("unit_costs",), [c.code for c in self.data.unit_costs], "unit cost code")
        self._unique(("outcomes",), [o.id for o in self.data.outcomes], "outcome id")
        self._price_years()
        self._unit_costs()
        self._appraisal()
        self._outcomes()
        return self.problems

    def _unique(self, where: tuple[str, ...], ids: list[Any], what: str) -> None:
        repeated = {value for value, count in Counter(ids).items() if count > 1}
        for index, value in enumerate(ids):
            if value in repeated:
                self.flag((*where, index), f"{what} {value!r} is given more than once")

    def _agency(self, path: tuple[str | int, ...], agency: str | None) -> None:
        if agency is not None and agency not in self.agencies:
            self.flag(path, f"unknown agency {agency!r} (agencies: {', '.join(sorted(self.agencies))})")

    def _price_years(self) -> None:
        years = self.data.deflators.index
        for key in ("price_year", "service_costs_price_year"):
            year = getattr(self.data.appraisal, key)
            if year not in years:
                self.flag(("appraisal", key), f"the deflator table has no {year}")
        for index, cost in enumerate(self.data.unit_costs):
            if cost.price_year not in years:
                self.flag(("unit_costs", index, "price_year"), f"the deflator table has no {cost.price_year}")

    def _unit_costs(self) -> None:
        for index, cost in enumerate(self.data.unit_costs):
            self._agency(("unit_costs", index, "agency"), cost.agency)
            for part, bearer in enumerate(cost.split or []):
                self._agency(("unit_costs", index, "split", part, "agency"), bearer.agency)

    def _appraisal(self) -> None:
        appraisal = self.data.appraisal
        services = {s.id: s for s in self.policy.catalogue.services}
        for route in appraisal.engagement:
            service = services.get(route)
            if service is None:
                self.flag(("appraisal", "engagement", route), f"{route!r} is not a service in the catalogue")
            elif service.kind != "service":
                self.flag(
                    ("appraisal", "engagement", route),
                    f"{route!r} is an outcome, not a service that works with families",
                )
            elif service.unit_cost_gbp is None:
                self.flag(("appraisal", "engagement", route), f"the catalogue gives no unit_cost_gbp for {route!r}")
        if set(appraisal.funders) != set(appraisal.engagement):
            self.flag(
                ("appraisal", "funders"),
                f"name who funds each route in engagement, and only those: {', '.join(sorted(appraisal.engagement))}",
            )
        for route, shares in appraisal.funders.items():
            for agency in shares:
                self._agency(("appraisal", "funders", route, agency), agency)
            if abs(sum(shares.values()) - 1) > 1e-9:
                self.flag(("appraisal", "funders", route), f"the shares add up to {sum(shares.values()):g}, not 1")
        self._unique(("appraisal", "optimism_bias"), [b.grade for b in appraisal.optimism_bias], "grade")

    def _outcomes(self) -> None:
        problems = {p.id for p in self.policy.rules.problems}
        codes = {c.code for c in self.data.unit_costs}
        grades = {b.grade for b in self.data.appraisal.optimism_bias}
        for index, outcome in enumerate(self.data.outcomes):
            where: tuple[Any, ...] = ("outcomes", index)
            if outcome.problem not in problems:
                self.flag(
                    (*where, "problem"),
                    f"unknown headline problem {outcome.problem!r} (the ruleset's: {', '.join(sorted(problems))})",
                )
            if outcome.unit_cost not in codes:
                self.flag((*where, "unit_cost"), f"no unit cost has the code {outcome.unit_cost!r}")
            if outcome.evidence_grade not in grades:
                self.flag((*where, "evidence_grade"), f"no optimism bias is set for grade {outcome.evidence_grade}")
            if outcome.profile is not None and len(outcome.profile) != self.data.appraisal.horizon_years:
                self.flag(
                    (*where, "profile"),
                    f"profile has {len(outcome.profile)} years; give one share for each of "
                    f"the {self.data.appraisal.horizon_years} years of the horizon (0 where there is no benefit)",
                )
            for route in outcome.effect:
                if route not in self.data.appraisal.engagement:
                    self.flag(
                        (*where, "effect", route), f"{route!r} is not a key working route in appraisal.engagement"
                    )
