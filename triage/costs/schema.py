"""The shape of the cost-benefit data in cost_benefit/, as pydantic models.

Shapes and ranges are checked here; cross-references (does this outcome name a real unit cost,
a real headline problem, a price year the deflator table has?) are checked by
``triage.costs.loader`` with the file and line of each mistake.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from triage.rulebook.schema import Agency, Id, Spec, Text

PriceYear = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}$")]  # a financial year, "2013-14"
Share = Annotated[float, Field(ge=0, le=1)]
Money = Annotated[float, Field(ge=0)]
Kind = Literal["fiscal", "economic", "social"]
MIN_DRAWS = 10  # fewer draws than this say nothing about a range
Range = Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=2, max_length=2)]  # [low, high]


def _low_then_high(name: str, pair: list[float]) -> None:
    if pair[0] > pair[1]:
        raise ValueError(f"{name}: give the range as [low, high], low first")


class Bearer(Spec):
    """Who bears part of a unit cost, and so who saves it when the event is avoided."""

    agency: Id | None = None  # required for fiscal values; economic and social values belong to no agency
    amount: Money
    kind: Kind
    cashable: bool = False
    note: Text | None = None

    @model_validator(mode="after")
    def _fiscal_has_agency(self) -> Bearer:
        if self.kind == "fiscal" and self.agency is None:
            raise ValueError("a fiscal value needs the agency that bears it")
        if self.kind != "fiscal" and (self.agency is not None or self.cashable):
            raise ValueError(
                f"a {self.kind} value belongs to no agency and is not cashable: leave out agency and cashable"
            )
        return self


class UnitCost(Spec):
    """One published unit cost. A cost borne by one agency names it (``agency``, ``kind``,
    ``cashable``); a cost shared between agencies lists its ``split`` instead, adding up to ``value``."""

    code: Text
    description: Text
    value: Annotated[float, Field(gt=0)]
    unit: Text
    price_year: PriceYear
    source: Text
    agency: Id | None = None
    kind: Kind | None = None
    cashable: bool | None = None
    split: list[Bearer] | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _one_way_of_saying_who_bears_it(self) -> UnitCost:
        single = self.kind is not None or self.agency is not None or self.cashable is not None
        if self.split is None and not single:
            raise ValueError("say who bears the cost: agency, kind and cashable, or a split")
        if self.split is not None and single:
            raise ValueError("give either agency/kind/cashable or a split, not both")
        if self.split is not None and abs(sum(b.amount for b in self.split) - self.value) > 0.5:
            raise ValueError(
                f"the split adds up to {sum(b.amount for b in self.split):,.2f}, not the value {self.value:,.2f}"
            )
        if self.split is None and self.kind is None:
            raise ValueError("kind is required (fiscal, economic or social)")
        if self.split is None:
            self.bearers()  # the single bearer is checked like a part of a split
        return self

    def bearers(self) -> list[Bearer]:
        """The cost as a list of parts, whichever way the file wrote it."""
        if self.split is not None:
            return self.split
        return [Bearer(agency=self.agency, amount=self.value, kind=self.kind or "fiscal", cashable=bool(self.cashable))]


class Deflators(Spec):
    """A GDP deflator index by financial year, to restate every cost in one price year."""

    series: Text
    source: Text
    base: Text
    index: dict[PriceYear, Annotated[float, Field(gt=0)]]


class Outcome(Spec):
    """A costly event key working makes less likely for families with one headline problem."""

    id: Id
    problem: Id
    description: Text
    unit_cost: Text  # a code in unit_costs
    units_per_event: Annotated[float, Field(gt=0)] = 1.0
    baseline_rate: Annotated[float, Field(ge=0)]  # events per family per year without help
    effect: Annotated[dict[Id, Annotated[float, Field(ge=0, le=1)]], Field(min_length=1)]  # route -> relative change
    deadweight: Share
    deadweight_range: Annotated[list[Share], Field(min_length=2, max_length=2)]  # [low, high]
    attribution: Share
    evidence_grade: Annotated[int, Field(ge=1)]
    profile: list[Share] | None = None  # share of a full year's benefit in each year; default in settings
    evidence: Text

    @model_validator(mode="after")
    def _deadweight_in_range(self) -> Outcome:
        _low_then_high("deadweight_range", self.deadweight_range)
        low, high = self.deadweight_range
        if not low <= self.deadweight <= high:
            raise ValueError(f"deadweight {self.deadweight} is outside its range [{low}, {high}]")
        return self


class OptimismBias(Spec):
    grade: Annotated[int, Field(ge=1)]
    haircut: Share
    meaning: Text


_MULTIPLIER = (0.0, float("inf"), "a multiplier of 0 or more")
_ONE_WAY_BOUNDS = {
    "optimism_bias": (0.0, 1.0, "a share from 0 to 1"),
    "discount_rate": (0.0, 0.99, "a rate from 0 to 0.99"),
}


class OneWay(Spec):
    """One line of the one-way sensitivity table: a parameter moved to a low and a high value."""

    parameter: Literal["effect", "deadweight", "engagement", "unit_costs", "optimism_bias", "discount_rate"]
    label: Text
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _values_where_needed(self) -> OneWay:
        given = self.low is not None, self.high is not None
        if self.parameter == "deadweight" and any(given):
            raise ValueError("deadweight takes each outcome's deadweight_range: leave out low and high")
        if self.parameter != "deadweight" and not all(given):
            raise ValueError(f"{self.parameter} needs both low and high")
        low_bound, high_bound, words = _ONE_WAY_BOUNDS.get(self.parameter, _MULTIPLIER)
        for value in (v for v in (self.low, self.high) if v is not None):
            if not low_bound <= value <= high_bound:
                raise ValueError(f"{self.parameter}: {value:g} is out of range ({words})")
        return self


class MonteCarlo(Spec):
    draws: Annotated[int, Field(ge=MIN_DRAWS, le=100_000)]
    seed: int
    effect: Range  # multiplier range on every effect, drawn per outcome
    engagement: Range  # multiplier range on engagement, drawn per route

    @model_validator(mode="after")
    def _ranges_in_order(self) -> MonteCarlo:
        _low_then_high("effect", self.effect)
        _low_then_high("engagement", self.engagement)
        return self


class Appraisal(Spec):
    """How the appraisal is done: the Green Book settings and the city's assumptions."""

    price_year: PriceYear
    service_costs_price_year: PriceYear  # the price year of the catalogue's unit_cost_gbp
    discount_rate: Annotated[float, Field(ge=0, lt=1)]
    horizon_years: Annotated[int, Field(ge=1, le=30)]
    profile: Annotated[list[Share], Field(min_length=1)]
    engagement: dict[Id, Share]  # route -> share of families who engage
    funders: dict[Id, dict[Id, Share]]  # route -> agency -> share of the intervention cost it pays today
    optimism_bias: Annotated[list[OptimismBias], Field(min_length=1)]
    sensitivity: list[OneWay]
    monte_carlo: MonteCarlo

    @model_validator(mode="after")
    def _profile_covers_the_horizon(self) -> Appraisal:
        if len(self.profile) != self.horizon_years:
            raise ValueError(
                f"profile has {len(self.profile)} years; give one share for each of the "
                f"{self.horizon_years} years of horizon_years (0 where there is no benefit)"
            )
        return self


class CostDataFolder(Spec):
    appraisal: Appraisal
    agencies: Annotated[list[Agency], Field(min_length=1)]
    unit_costs: Annotated[list[UnitCost], Field(min_length=1)]
    deflators: Deflators
    outcomes: Annotated[list[Outcome], Field(min_length=1)]
