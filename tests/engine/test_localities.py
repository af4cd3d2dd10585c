"""Postcode forms and localities (policy §7), seen through the decision's route and locality."""

from __future__ import annotations

import pytest

MEMBERS = [
    {"id": "p1", "role": "parent_carer", "age": 34},
    {"id": "c1", "role": "child", "age": 12, "school": {"attendance_pct": 82.5}},  # one problem: mast
]

DISTRICTS = {
    "north": ["S3", "S5", "S6", "S35", "S36"],
    "east": ["S2", "S4", "S9", "S12", "S13", "S14", "S20"],
    "west": ["S1", "S7", "S8", "S10", "S11", "S17"],
}


@pytest.mark.parametrize(
    "postcode,locality",
    [
        pytest.param("S5 7AU", "north", id="with-space"),
        pytest.param("s57au", "north", id="no-space-lower-case"),
        pytest.param("S57AU", "north", id="no-space-upper-case"),
        pytest.param("S5", "north", id="outward-only"),
        pytest.param("s5", "north", id="outward-only-lower"),
        pytest.param(" s5 7au ", "north", id="surrounding-spaces"),
        pytest.param("s5 7AU", "north", id="mixed-case"),
        pytest.param("s12bx", "west", id="s12bx-is-S1-not-S12"),
        pytest.param("S1 2BX", "west", id="S1"),
        pytest.param("S12 2BX", "east", id="S12-with-space"),
        pytest.param("S122BX", "east", id="S12-no-space"),
        pytest.param("S35 1AA", "north", id="S35"),
        pytest.param("S351AA", "north", id="S35-no-space"),
        pytest.param("S35", "north", id="S35-outward-only"),
        pytest.param("S20", "east", id="S20-outward-only"),
        pytest.param("s20 1ab", "east", id="S20-lower"),
        pytest.param("S10 2TN", "west", id="S10"),
    ],
)
def test_postcode_form_gives_locality(decide, referral, postcode, locality):
    decision = decide(referral(*MEMBERS, postcode=postcode))
    assert (decision.route, decision.locality) == ("mast", locality)


@pytest.mark.parametrize(
    "locality,district",
    [
        pytest.param(locality, district, id=district)
        for locality, districts in DISTRICTS.items()
        for district in districts
    ],
)
def test_every_listed_district(decide, referral, locality, district):
    decision = decide(referral(*MEMBERS, postcode=f"{district} 1AA"))
    assert (decision.route, decision.locality) == ("mast", locality)


@pytest.mark.parametrize(
    "postcode",
    [
        pytest.param("S40 1AA", id="S40"),
        pytest.param("M1 1AA", id="M1"),
        pytest.param("S18 1AA", id="S18-unlisted-sheffield"),
        pytest.param("S21", id="S21-outward-only"),
        pytest.param("s401aa", id="S40-no-space"),
        pytest.param("SW1A 1AA", id="SW1A"),
        pytest.param("DN1 1AA", id="DN1"),
    ],
)
def test_uncovered_district_is_out_of_area(decide, referral, postcode):
    decision = decide(referral(*MEMBERS, postcode=postcode))
    assert (decision.route, decision.matched_rule, decision.locality) == ("out_of_area", "out_of_area", None)
