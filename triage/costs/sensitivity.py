"""How much the answer moves when the assumptions do: one-way tests and a seeded Monte Carlo.

The Monte Carlo is centred on the base case: effect and engagement multipliers are drawn uniformly
around 1, and each deadweight from a triangular distribution over its range peaking at its base
value (a deadweight of 0 with range [0, 0.2] is mostly near 0, sometimes up to 0.2). Engagement is
capped at 100%, so a multiplier above 1 on a route already near it moves it less.

Both re-run the whole model (``appraise``) with changed levers, so they can never drift from the
base case's method. The Monte Carlo draws from ``random.Random(seed)``: the same data and seed
always give the same range, which an auditor can reproduce.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass

from triage.costs.cohort import Cohort
from triage.costs.loader import CostData
from triage.costs.model import Levers, appraise
from triage.costs.schema import OneWay


@dataclass(frozen=True)
class Case:
    """One end of a one-way test and the ratios it gives."""

    value: str  # the assumption as moved, in words ("x0.75", "5.0%", "each low end")
    fiscal: float | None
    economic: float | None


@dataclass(frozen=True)
class OneWayResult:
    label: str
    low: Case
    high: Case


@dataclass(frozen=True)
class MonteCarloResult:
    draws: int
    seed: int
    fiscal: dict[str, float]  # "p5", "p50", "p95", "mean", "min", "max"
    economic: dict[str, float]
    share_fiscal_above_one: float  # share of draws where fiscal benefits exceed the cost


def one_way(data: CostData, cohort: Cohort) -> list[OneWayResult]:
    """Each sensitivity line in the appraisal settings, at its low and high value."""
    return [
        OneWayResult(test.label, _case(data, cohort, test, "low"), _case(data, cohort, test, "high"))
        for test in data.data.appraisal.sensitivity
    ]


def _case(data: CostData, cohort: Cohort, test: OneWay, end: str) -> Case:
    levers, described = _levers(data, test, end)
    result = appraise(data, cohort, levers)
    return Case(described, result.ratio("fiscal"), result.ratio("economic"))


def _levers(data: CostData, test: OneWay, end: str) -> tuple[Levers, str]:
    outcomes = data.data.outcomes
    if test.parameter == "deadweight":
        position = 0 if end == "low" else 1
        return Levers(deadweight={o.id: o.deadweight_range[position] for o in outcomes}), f"each {end} end"
    value = test.low if end == "low" else test.high
    assert value is not None  # the schema requires both ends for every other parameter
    if test.parameter == "effect":
        return Levers(effect={o.id: value for o in outcomes}), f"x{value:g}"
    if test.parameter == "engagement":
        capped = any(share * value > 1 for share in data.data.appraisal.engagement.values())
        return (
            Levers(engagement={route: value for route in data.data.appraisal.engagement}),
            f"x{value:g}" + (" (at most 100%)" if capped else ""),
        )
    if test.parameter == "unit_costs":
        return Levers(unit_costs=value), f"x{value:g}"
    if test.parameter == "optimism_bias":
        return Levers(optimism_bias=value), f"{value:.0%}"
    return Levers(discount_rate=value), f"{value:.1%}"


def monte_carlo(data: CostData, cohort: Cohort, draws: int | None = None, seed: int | None = None) -> MonteCarloResult:
    """The spread of benefit-cost ratios when effect, deadweight and engagement are all uncertain.
    The cohort must have a cost (``appraisal.NothingToAppraise`` guards the callers)."""
    settings = data.data.appraisal.monte_carlo
    draws = settings.draws if draws is None else draws
    seed = settings.seed if seed is None else seed
    rng = random.Random(seed)
    fiscal: list[float] = []
    economic: list[float] = []
    for _ in range(draws):
        result = appraise(data, cohort, _draw(data, rng))
        fiscal.append(result.ratio("fiscal") or 0.0)
        economic.append(result.ratio("economic") or 0.0)
    return MonteCarloResult(draws, seed, _spread(fiscal), _spread(economic), sum(ratio > 1 for ratio in fiscal) / draws)


def _draw(data: CostData, rng: random.Random) -> Levers:
    settings = data.data.appraisal.monte_carlo
    outcomes = sorted(data.data.outcomes, key=lambda o: o.id)  # a fixed order: draws must not depend on file order
    return Levers(
        effect={o.id: rng.uniform(*settings.effect) for o in outcomes},
        deadweight={o.id: rng.triangular(o.deadweight_range[0], o.deadweight_range[1], o.deadweight) for o in outcomes},
        engagement={route: rng.uniform(*settings.engagement) for route in sorted(data.data.appraisal.engagement)},
    )


def _spread(values: list[float]) -> dict[str, float]:
    # 5% steps: cuts[0] is p5, cuts[18] p95 (quantiles needs two values; one draw is its own spread)
    cuts = statistics.quantiles(values, n=20, method="inclusive") if len(values) > 1 else values * 19
    return {
        "p5": cuts[0],
        "p50": statistics.median(values),
        "p95": cuts[18],
        "mean": statistics.fmean(values),
        "min": min(values),
        "max": max(values),
    }
