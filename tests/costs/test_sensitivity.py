"""One-way sensitivity and the seeded Monte Carlo, on the hand-worked tiny data (see test_model.py)."""

from __future__ import annotations

import pytest

from triage.costs.cohort import Cohort
from triage.costs.model import appraise
from triage.costs.sensitivity import monte_carlo, one_way

from support import tiny_costs

COST = 20_000
PRESENT_VALUE = 2700 + 5400 / 1.035 + 2700 / 1.035**2  # engagement 0.8 x effect 0.5 x (1 - deadweight 0.2)


@pytest.fixture
def ten() -> Cohort:
    return Cohort.counted("ten families", [("bsf", ["crime_asb"], 10)])


def ratio_with(engagement: float, effect: float, deadweight: float) -> float:
    """The fiscal ratio when the three uncertain assumptions take these values (all else as base)."""
    return PRESENT_VALUE * (engagement * effect * (1 - deadweight)) / (0.8 * 0.5 * 0.8) / COST


def test_effect_moves_the_ratio_by_the_same_factor(ten):
    effect, _ = one_way(tiny_costs(), ten)
    assert (effect.low.value, effect.high.value) == ("x0.75", "x1.25")
    assert effect.low.fiscal == pytest.approx(ratio_with(0.8, 0.375, 0.2))
    assert effect.high.fiscal == pytest.approx(ratio_with(0.8, 0.625, 0.2))


def test_deadweight_takes_each_end_of_its_range(ten):
    _, deadweight = one_way(tiny_costs(), ten)
    assert deadweight.low.fiscal == pytest.approx(ratio_with(0.8, 0.5, 0.1))
    assert deadweight.high.fiscal == pytest.approx(ratio_with(0.8, 0.5, 0.3))


def test_one_way_tests_leave_the_base_case_alone(ten):
    before = appraise(tiny_costs(), ten)
    one_way(tiny_costs(), ten)
    assert appraise(tiny_costs(), ten) == before


def test_monte_carlo_with_the_same_seed_gives_the_same_range(ten):
    assert monte_carlo(tiny_costs(), ten) == monte_carlo(tiny_costs(), ten)


def test_monte_carlo_with_another_seed_gives_other_draws(ten):
    assert monte_carlo(tiny_costs(), ten, seed=8).fiscal != monte_carlo(tiny_costs(), ten, seed=7).fiscal


def test_every_draw_lies_within_the_ranges_drawn_from(ten):
    spread = monte_carlo(tiny_costs(), ten, draws=400).fiscal
    lowest = ratio_with(0.8 * 0.8, 0.5 * 0.75, 0.3)
    highest = ratio_with(0.8 * 1.2, 0.5 * 1.25, 0.1)
    assert lowest <= spread["min"] <= spread["p5"] <= spread["p50"] <= spread["p95"] <= spread["max"] <= highest


def test_monte_carlo_reports_how_often_benefits_exceed_the_cost():
    cohort = Cohort.counted("ten", [("bsf", ["crime_asb"], 10)])
    cheap = monte_carlo(tiny_costs(service_cost=100), cohort, draws=100)
    dear = monte_carlo(tiny_costs(service_cost=100_000), cohort, draws=100)
    assert (cheap.share_fiscal_above_one, dear.share_fiscal_above_one) == (1.0, 0.0)
