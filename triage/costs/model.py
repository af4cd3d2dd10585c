"""The cost-benefit model: what key working for a cohort costs, what it saves and who saves it.

The method is the GMCA (formerly New Economy) one, HM Treasury supplementary Green Book guidance
(2014). For every outcome (a costly event) and every key working route, the avoided events are
worked out in a fixed order, each step kept so a reader can follow a figure back to its inputs:

    families with the problem on the route
      x engagement                     families who engage
      x baseline rate x effect         events avoided, gross
      x (1 - deadweight)               net of what would have happened anyway
      x attribution                    the share owed to key working
      x unit cost (uprated) x units    value of a full year's avoided events
      x (1 - optimism bias)            haircut by the grade of the evidence

That yearly value is spread over the horizon by the benefit profile, split between the agencies
that bear the unit cost, and discounted at the Green Book rate (year 0 undiscounted).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from triage.costs.cohort import Cohort
from triage.costs.loader import CostData
from triage.costs.schema import Kind, Outcome

KINDS: tuple[Kind, ...] = ("fiscal", "economic", "social")


@dataclass(frozen=True)
class Levers:
    """Changes to the base-case assumptions, for sensitivity tests and Monte Carlo draws."""

    effect: dict[str, float] = field(default_factory=dict)  # outcome id -> multiplier (absent: 1)
    deadweight: dict[str, float] = field(default_factory=dict)  # outcome id -> deadweight used instead
    engagement: dict[str, float] = field(default_factory=dict)  # route -> multiplier (absent: 1)
    unit_costs: float = 1.0  # multiplier on every benefit's unit cost
    optimism_bias: float | None = None  # one haircut for every outcome instead of its grade's
    discount_rate: float | None = None


@dataclass(frozen=True)
class Part:
    """One agency's (or the economy's, or society's) share of a benefit line's value."""

    agency: str | None
    kind: Kind
    cashable: bool
    share: float


@dataclass(frozen=True)
class BenefitLine:
    """One outcome on one route, every step of the calculation kept (see the module docstring)."""

    outcome: str
    description: str
    route: str
    problem: str
    families: int
    engagement: float
    engaged: float
    baseline_rate: float
    effect: float
    gross_events: float
    deadweight: float
    net_events: float
    attribution: float
    attributed_events: float
    unit_cost: str
    unit_cost_value: float  # as published, at its own price year
    price_year: str
    uprating: float
    units_per_event: float
    value_per_event: float  # uprated, in the appraisal's price year
    value_before_bias: float
    optimism_bias: float
    annual_value: float  # a full year's value after the haircut
    profile: tuple[float, ...]
    parts: tuple[Part, ...]

    def value_in_year(self, year: int) -> float:
        return self.annual_value * (self.profile[year] if year < len(self.profile) else 0.0)


@dataclass(frozen=True)
class Flow:
    """Money in one year: a cost an agency pays, or a benefit one receives."""

    year: int
    kind: str  # "cost" or one of KINDS
    agency: str | None
    cashable: bool
    amount: float
    present_value: float
    route: str


@dataclass(frozen=True)
class Result:
    """A whole appraisal: the lines, the yearly flows, and figures derived from them."""

    cohort: Cohort
    price_year: str
    discount_rate: float
    horizon_years: int
    lines: tuple[BenefitLine, ...]
    flows: tuple[Flow, ...]

    def total(self, kind: str, present: bool = True, agency: str | None = None) -> float:
        return sum(
            f.present_value if present else f.amount
            for f in self.flows
            if f.kind == kind and (agency is None or f.agency == agency)
        )

    @cached_property
    def cost(self) -> float:
        return self.total("cost")

    @property
    def benefits(self) -> dict[str, float]:
        """Present value of benefits by kind, with ``economic`` and ``public`` cumulative as GMCA
        reports them: economic value includes the fiscal, public value includes both."""
        fiscal, economic, social = (self.total(kind) for kind in KINDS)
        return {"fiscal": fiscal, "economic": fiscal + economic, "public": fiscal + economic + social}

    def ratio(self, basis: str) -> float | None:
        """Benefit-cost ratio: present value of benefits (``fiscal``/``economic``/``public``) per £1."""
        return self.benefits[basis] / self.cost if self.cost else None

    def net_present_value(self, basis: str) -> float:
        return self.benefits[basis] - self.cost

    def years(self) -> list[dict[str, float]]:
        """One row per year: undiscounted and discounted figures, and the cumulative net position."""
        rows: list[dict[str, float]] = []
        cumulative = {"fiscal": 0.0, "economic": 0.0}
        for year in range(self.horizon_years):
            flows = [f for f in self.flows if f.year == year]
            row: dict[str, float] = {"year": year, "discount_factor": discount_factor(self.discount_rate, year)}
            for kind in ("cost", *KINDS):
                row[kind] = sum(f.amount for f in flows if f.kind == kind)
                row[f"{kind}_pv"] = sum(f.present_value for f in flows if f.kind == kind)
            cumulative["fiscal"] += row["fiscal_pv"] - row["cost_pv"]
            cumulative["economic"] += row["fiscal_pv"] + row["economic_pv"] - row["cost_pv"]
            row["cumulative_net_fiscal_pv"] = cumulative["fiscal"]
            row["cumulative_net_economic_pv"] = cumulative["economic"]
            rows.append(row)
        return rows

    def payback_years(self, basis: str = "fiscal") -> float | None:
        """Years from the start until discounted cumulative benefits cover the cost: the cost is paid
        at the start, each year's benefits accrue evenly through it (so the point is interpolated
        within the year it falls in). None if it does not happen within the horizon."""
        if not self.cost:
            return None  # nothing was spent: there is nothing to pay back
        rows = self.years()
        before = -rows[0]["cost_pv"]  # the key working is paid for at the start
        for row in rows:
            after = row[f"cumulative_net_{basis}_pv"]
            if after >= 0:
                return row["year"] + -before / (after - before)
            before = after
        return None

    def agencies(self) -> list[dict[str, float | str | None]]:
        """Who pays and who saves, and a funding proposal in proportion to fiscal benefit.

        Each agency's proposed contribution is the total cost times its share of the present value
        of all fiscal benefits, so every funder gets back the same amount per £1 it puts in.
        """
        agencies = sorted({f.agency for f in self.flows if f.agency is not None})
        fiscal_total = self.total("fiscal")
        rows: list[dict[str, float | str | None]] = []
        for agency in agencies:
            fiscal = self.total("fiscal", agency=agency)
            cashable = sum(
                f.present_value for f in self.flows if f.kind == "fiscal" and f.agency == agency and f.cashable
            )
            share = fiscal / fiscal_total if fiscal_total else None
            pays = self.total("cost", agency=agency)
            rows.append(
                {
                    "agency": agency,
                    "pays_now": pays,
                    "fiscal_benefit": fiscal,
                    "cashable": cashable,
                    "non_cashable": fiscal - cashable,
                    "benefit_share": share,
                    "proposed_contribution": None if share is None else share * self.cost,
                    "net_now": fiscal - pays,
                }
            )
        return rows


def discount_factor(rate: float, year: int) -> float:
    """Green Book discounting: year 0 is today's money, year t is worth 1 / (1 + rate)^t."""
    return 1.0 / (1.0 + rate) ** year


def appraise(data: CostData, cohort: Cohort, levers: Levers = Levers()) -> Result:
    """The appraisal of ``cohort`` under the data's assumptions, changed by ``levers``."""
    settings = data.data.appraisal
    rate = settings.discount_rate if levers.discount_rate is None else levers.discount_rate
    lines = tuple(
        line
        for outcome in data.data.outcomes
        for route in outcome.effect
        if (line := _benefit_line(data, cohort, outcome, route, levers)) is not None
    )
    flows = [*_cost_flows(data, cohort, rate), *_benefit_flows(lines, settings.horizon_years, rate)]
    return Result(cohort, settings.price_year, rate, settings.horizon_years, lines, tuple(flows))


def _cost_flows(data: CostData, cohort: Cohort, rate: float) -> list[Flow]:
    """The key working itself, paid in year 0 for every family a route takes on (engaged or not)."""
    settings = data.data.appraisal
    uprating = data.uprating(settings.service_costs_price_year)
    flows = []
    for route, funders in sorted(settings.funders.items()):
        cost = cohort.families.get(route, 0) * data.service_costs[route] * uprating
        for agency, share in sorted(funders.items()):
            amount = cost * share
            flows.append(Flow(0, "cost", agency, True, amount, amount * discount_factor(rate, 0), route))
    return flows


def _benefit_line(data: CostData, cohort: Cohort, outcome: Outcome, route: str, levers: Levers) -> BenefitLine | None:
    families = cohort.with_problem.get((route, outcome.problem), 0)
    if not families:
        return None
    cost = data.unit_cost(outcome.unit_cost)
    engagement = min(1.0, data.data.appraisal.engagement[route] * levers.engagement.get(route, 1.0))
    effect = min(1.0, outcome.effect[route] * levers.effect.get(outcome.id, 1.0))
    deadweight = levers.deadweight.get(outcome.id, outcome.deadweight)
    bias = data.haircut(outcome.evidence_grade) if levers.optimism_bias is None else levers.optimism_bias
    uprating = data.uprating(cost.price_year)
    engaged = families * engagement
    gross = engaged * outcome.baseline_rate * effect
    net = gross * (1 - deadweight)
    attributed = net * outcome.attribution
    per_event = cost.value * uprating * outcome.units_per_event * levers.unit_costs
    before_bias = attributed * per_event
    parts = tuple(
        Part(b.agency, b.kind, b.cashable, b.amount / cost.value if cost.value else 0.0) for b in cost.bearers()
    )
    return BenefitLine(
        outcome.id,
        outcome.description,
        route,
        outcome.problem,
        families,
        engagement,
        engaged,
        outcome.baseline_rate,
        effect,
        gross,
        deadweight,
        net,
        outcome.attribution,
        attributed,
        cost.code,
        cost.value,
        cost.price_year,
        uprating,
        outcome.units_per_event,
        per_event,
        before_bias,
        bias,
        before_bias * (1 - bias),
        tuple(outcome.profile or data.data.appraisal.profile),
        parts,
    )


def _benefit_flows(lines: tuple[BenefitLine, ...], horizon: int, rate: float) -> list[Flow]:
    """Each line's yearly value, split between the agencies that bear its unit cost."""
    merged: dict[tuple[int, str, str | None, bool, str], float] = defaultdict(float)
    for line in lines:
        for year in range(horizon):
            value = line.value_in_year(year)
            for part in line.parts:
                merged[year, part.kind, part.agency, part.cashable, line.route] += value * part.share
    return [
        Flow(year, kind, agency, cashable, amount, amount * discount_factor(rate, year), route)
        for (year, kind, agency, cashable, route), amount in sorted(merged.items(), key=_flow_order)
    ]


def _flow_order(item: tuple[tuple[int, str, str | None, bool, str], float]) -> tuple[int, str, str, bool, str]:
    (year, kind, agency, cashable, route), _ = item
    return year, kind, agency or "", cashable, route
