"""The cost-benefit model against sums worked by hand (the tiny data in support.TINY_COSTS).

Ten families on BSF, all with the problem:
    engaged          10 x 0.8                  = 8
    gross events     8 x 2.0 (rate) x 0.5      = 8
    net of deadweight 8 x (1 - 0.2)            = 6.4
    attributed       6.4 x 0.75                = 4.8
    value per event  1,000 x 100/80 (uprating) = 1,250
    before bias      4.8 x 1,250               = 6,000
    a full year      6,000 x (1 - 0.10)        = 5,400
    by year (profile 0.5, 1, 0.5): 2,700, 5,400, 2,700
    present value    2,700 + 5,400/1.035 + 2,700/1.035^2 = 10,437.87
    cost (year 0)    10 x 2,000                = 20,000
"""

from __future__ import annotations

import pytest

from triage.costs.cohort import Cohort
from triage.costs.model import Levers, appraise, discount_factor

from support import tiny_costs

PRESENT_VALUE = 2700 + 5400 / 1.035 + 2700 / 1.035**2


@pytest.fixture
def ten() -> Cohort:
    return Cohort.counted("ten families", [("bsf", ["crime_asb"], 10)])


def test_green_book_discount_factors_match_the_published_table():
    # HM Treasury Green Book discount factors at 3.5%, years 0-5 and 10, to four places
    published = {0: 1.0, 1: 0.9662, 2: 0.9335, 3: 0.9019, 4: 0.8714, 5: 0.8420, 10: 0.7089}
    assert {year: round(discount_factor(0.035, year), 4) for year in published} == published


def test_each_step_is_applied_in_order_and_kept(ten):
    (line,) = appraise(tiny_costs(), ten).lines
    assert (line.engaged, line.gross_events) == pytest.approx((8, 8))
    assert line.net_events == pytest.approx(6.4)  # deadweight first: what would have happened anyway
    assert line.attributed_events == pytest.approx(4.8)  # then the share owed to key working
    assert (line.uprating, line.value_per_event) == pytest.approx((1.25, 1250))
    assert (line.value_before_bias, line.annual_value) == pytest.approx((6000, 5400))  # the haircut last, on value


def test_benefits_follow_the_profile_year_by_year(ten):
    years = appraise(tiny_costs(), ten).years()
    assert [row["fiscal"] for row in years] == pytest.approx([2700, 5400, 2700])
    assert [row["fiscal_pv"] for row in years] == pytest.approx([2700, 5400 / 1.035, 2700 / 1.035**2])


def test_present_values_ratio_and_net_present_value(ten):
    result = appraise(tiny_costs(), ten)
    assert result.cost == pytest.approx(20_000)
    assert result.benefits["fiscal"] == pytest.approx(PRESENT_VALUE)
    assert result.ratio("fiscal") == pytest.approx(PRESENT_VALUE / 20_000)
    assert result.net_present_value("fiscal") == pytest.approx(PRESENT_VALUE - 20_000)


def test_benefits_are_split_between_the_agencies_that_bear_the_unit_cost(ten):
    rows = {row["agency"]: row for row in appraise(tiny_costs(), ten).agencies()}
    assert rows["council"]["fiscal_benefit"] == pytest.approx(0.6 * PRESENT_VALUE)
    assert rows["council"]["cashable"] == pytest.approx(0.6 * PRESENT_VALUE)
    assert rows["police"]["fiscal_benefit"] == pytest.approx(0.4 * PRESENT_VALUE)
    assert rows["police"]["cashable"] == 0


def test_funding_shares_follow_fiscal_benefit_and_add_up_to_the_cost(ten):
    rows = {row["agency"]: row for row in appraise(tiny_costs(), ten).agencies()}
    assert rows["council"]["proposed_contribution"] == pytest.approx(12_000)
    assert rows["police"]["proposed_contribution"] == pytest.approx(8_000)
    assert (rows["council"]["pays_now"], rows["police"]["pays_now"]) == pytest.approx((20_000, 0))


def test_payback_is_interpolated_within_the_year_it_falls_in(ten):
    # cost 10 x 500 = 5,000 at the start; after year 0: -2,300; year 1 adds 5,400/1.035
    result = appraise(tiny_costs(service_cost=500), ten)
    assert result.payback_years() == pytest.approx(1 + 2300 / (5400 / 1.035))


def test_no_payback_within_the_horizon_is_said_so(ten):
    assert appraise(tiny_costs(), ten).payback_years() is None


def test_unengaged_families_cost_money_but_bring_no_benefit():
    cohort = Cohort.counted("mixed", [("bsf", ["crime_asb"], 10), ("bsf", ["health"], 5)])
    result = appraise(tiny_costs(), cohort)
    assert result.cost == pytest.approx(15 * 2000)
    assert result.benefits["fiscal"] == pytest.approx(PRESENT_VALUE)


def test_routes_that_are_not_key_working_are_left_out():
    cohort = Cohort.counted("elsewhere", [("childrens_social_care", ["crime_asb"], 10)])
    result = appraise(tiny_costs(), cohort)
    assert (result.cost, result.lines) == (0, ())
    assert result.ratio("fiscal") is None


def test_levers_change_one_assumption_each(ten):
    base = appraise(tiny_costs(), ten).benefits["fiscal"]
    assert appraise(tiny_costs(), ten, Levers(effect={"event": 1.25})).benefits["fiscal"] == pytest.approx(1.25 * base)
    assert appraise(tiny_costs(), ten, Levers(deadweight={"event": 0.1})).benefits["fiscal"] == pytest.approx(
        base * 0.9 / 0.8
    )
    assert appraise(tiny_costs(), ten, Levers(optimism_bias=0.0)).benefits["fiscal"] == pytest.approx(base / 0.9)
    assert appraise(tiny_costs(), ten, Levers(unit_costs=0.75)).benefits["fiscal"] == pytest.approx(0.75 * base)


def test_a_higher_discount_rate_lowers_later_benefits_only(ten):
    result = appraise(tiny_costs(), ten, Levers(discount_rate=0.05))
    assert result.benefits["fiscal"] == pytest.approx(2700 + 5400 / 1.05 + 2700 / 1.05**2)
    assert result.cost == pytest.approx(20_000)


def test_the_same_inputs_always_give_the_same_figures(ten):
    assert appraise(tiny_costs(), ten) == appraise(tiny_costs(), ten)
