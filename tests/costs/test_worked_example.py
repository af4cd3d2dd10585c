"""The worked example in docs/cost-benefit.md, reproduced from the shipped data within rounding.

If a policy lead changes an assumption the example uses, this test fails until the document's
table is updated to match: the published example must stay true.
"""

from __future__ import annotations

import pytest

from triage.costs.cohort import Cohort
from triage.costs.loader import load_cost_data
from triage.costs.model import appraise, discount_factor


@pytest.fixture(scope="module")
def line(policy):
    cohort = Cohort.counted("worked example", [("bsf", ["children_need_help"], 100)])
    return next(
        line
        for line in appraise(load_cost_data(policy), cohort).lines
        if line.outcome == "child_enters_care" and line.route == "bsf"
    )


def test_events_avoided(line):
    assert (line.engaged, line.gross_events, line.net_events, line.attributed_events) == pytest.approx(
        (85, 1.36, 1.36, 1.088)
    )


def test_unit_cost_uprated_to_2025_26(line):
    assert (line.unit_cost, line.unit_cost_value, line.price_year) == ("SS1.0", 51080, "2013-14")
    assert line.value_per_event == pytest.approx(72_205.54, abs=0.01)


def test_value_before_and_after_optimism_bias(line):
    assert line.value_before_bias == pytest.approx(78_559.63, abs=0.01)
    assert line.annual_value == pytest.approx(70_703.67, abs=0.01)


def test_value_by_year_and_present_value(line, policy):
    by_year = [line.value_in_year(year) for year in range(5)]
    assert by_year == pytest.approx([35_351.83, 70_703.67, 53_027.75, 35_351.83, 17_675.92], abs=0.01)
    assert sum(value * discount_factor(0.035, year) for year, value in enumerate(by_year)) == pytest.approx(
        200_455.40, abs=0.01
    )


def test_all_of_it_is_a_cashable_saving_to_childrens_services(line):
    assert [(p.agency, p.kind, p.cashable, p.share) for p in line.parts] == [("la_children", "fiscal", True, 1.0)]
