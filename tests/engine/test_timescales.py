"""Priority and timescales (policy §6): respond_by in working days of England and Wales.

Bank holidays used below (gov.uk): 2026 - 1 Jan, 3 Apr (Good Friday), 6 Apr (Easter Monday),
4 May, 25 May, 31 Aug, 25 Dec, 28 Dec (substitute for Boxing Day, a Saturday); 2027 - 1 Jan.
"""

from __future__ import annotations

from datetime import date

import pytest

PARENT = {"id": "p1", "role": "parent_carer", "age": 34}
HOUSEHOLDS = {
    # child protection plan: safeguarding, immediate
    "immediate": [PARENT, {"id": "c1", "role": "child", "age": 9, "social_care": {"child_protection_plan": True}}],
    # three problems: bsf, high
    "high": [
        {
            "id": "p1",
            "role": "parent_carer",
            "age": 34,
            "employment": {"out_of_work_benefits": True},
            "health": {"mental_health_concern": True},
        },
        {"id": "c1", "role": "child", "age": 12, "school": {"attendance_pct": 82.5}},
    ],
    # one problem: mast, standard
    "standard": [PARENT, {"id": "c1", "role": "child", "age": 12, "school": {"attendance_pct": 82.5}}],
}
ROUTES = {"immediate": "childrens_social_care", "high": "bsf", "standard": "mast"}


def timescale(priority: str, received_at: str, due: date):
    return pytest.param(priority, received_at, due, id=f"{priority}-{received_at}")


CASES = [
    # immediate: same working day, or the next working day
    timescale("immediate", "2026-11-20T10:15:00Z", date(2026, 11, 20)),  # Friday
    timescale("immediate", "2026-11-21T10:00:00Z", date(2026, 11, 23)),  # Saturday -> Monday
    timescale("immediate", "2026-11-22T10:00:00Z", date(2026, 11, 23)),  # Sunday -> Monday
    timescale("immediate", "2026-05-25T09:00:00Z", date(2026, 5, 26)),  # spring bank holiday -> Tuesday
    timescale("immediate", "2026-05-23T09:00:00Z", date(2026, 5, 26)),  # Saturday before the bank holiday
    timescale("immediate", "2026-05-04T09:00:00Z", date(2026, 5, 5)),  # early May bank holiday
    timescale("immediate", "2026-08-31T09:00:00Z", date(2026, 9, 1)),  # summer bank holiday
    timescale("immediate", "2026-04-03T09:00:00Z", date(2026, 4, 7)),  # Good Friday -> after Easter Monday
    timescale("immediate", "2026-12-24T09:00:00Z", date(2026, 12, 24)),  # Christmas Eve is a working day
    timescale("immediate", "2026-12-25T09:00:00Z", date(2026, 12, 29)),  # Christmas; 28 Dec substitute day
    timescale("immediate", "2026-12-28T09:00:00Z", date(2026, 12, 29)),  # the substitute day itself
    timescale("immediate", "2027-01-01T09:00:00Z", date(2027, 1, 4)),  # New Year's Day (Friday)
    # London time decides the date
    timescale("immediate", "2026-06-30T23:30:00Z", date(2026, 7, 1)),  # BST: 00:30 on 1 July
    timescale("immediate", "2026-11-20T23:30:00Z", date(2026, 11, 20)),  # GMT: still 20 November
    timescale("immediate", "2026-11-20T23:30:00-05:00", date(2026, 11, 23)),  # 04:30 Saturday in London
    timescale("immediate", "2026-11-21T00:30:00+01:00", date(2026, 11, 20)),  # 23:30 Friday in London
    # high: 5 working days strictly after the date
    timescale("high", "2026-11-20T10:15:00Z", date(2026, 11, 27)),
    timescale("high", "2026-11-21T10:00:00Z", date(2026, 11, 27)),  # from a Saturday
    timescale("high", "2026-06-01T10:00:00Z", date(2026, 6, 8)),
    timescale("high", "2026-04-02T10:00:00Z", date(2026, 4, 13)),  # over Easter
    timescale("high", "2026-12-24T10:00:00Z", date(2027, 1, 5)),  # over Christmas and New Year
    timescale("high", "2026-06-30T23:30:00Z", date(2026, 7, 8)),  # counted from 1 July
    # standard: 10 working days strictly after the date
    timescale("standard", "2026-11-20T10:15:00Z", date(2026, 12, 4)),
    timescale("standard", "2026-05-23T10:00:00Z", date(2026, 6, 8)),  # the policy's own example
    timescale("standard", "2026-06-30T23:30:00Z", date(2026, 7, 15)),  # counted from 1 July
    timescale("standard", "2026-06-30T12:00:00Z", date(2026, 7, 14)),  # counted from 30 June
    timescale("standard", "2026-12-21T10:00:00Z", date(2027, 1, 7)),  # over Christmas and New Year
]


@pytest.mark.parametrize("priority,received_at,due", CASES)
def test_respond_by(decide, referral, priority, received_at, due):
    decision = decide(referral(*HOUSEHOLDS[priority], received_at=received_at))
    assert (decision.route, decision.priority) == (ROUTES[priority], priority)
    assert decision.respond_by == due


def test_adult_safeguarding_is_immediate(decide, referral):
    decision = decide(
        referral(PARENT, safeguarding={"immediate_risk_of_harm": True}, received_at="2026-11-21T10:00:00Z")
    )
    assert (decision.route, decision.priority, decision.respond_by) == (
        "adult_social_care",
        "immediate",
        date(2026, 11, 23),
    )


@pytest.mark.parametrize(
    "changes,route",
    [
        pytest.param({"postcode": "M1 1AA"}, "out_of_area", id="out-of-area"),
        pytest.param({"consent": None}, "consent_required", id="consent-required"),
        pytest.param({"consent": {"given": False}}, "consent_required", id="consent-refused"),
    ],
)
@pytest.mark.parametrize(
    "received_at,due",
    [
        pytest.param("2026-11-20T10:15:00Z", date(2026, 12, 4), id="friday"),
        pytest.param("2026-05-23T10:00:00Z", date(2026, 6, 8), id="saturday-before-bank-holiday"),
    ],
)
def test_non_service_outcomes_have_standard_respond_by(decide, referral, changes, route, received_at, due):
    decision = decide(referral(*HOUSEHOLDS["high"], received_at=received_at, **changes))
    assert (decision.route, decision.priority, decision.respond_by) == (route, "standard", due)


@pytest.mark.parametrize(
    "members,route",
    [
        pytest.param([PARENT], "universal_signpost", id="rule-4-signpost"),
        pytest.param(
            [{"id": "p1", "role": "parent_carer", "age": 34, "health": {"substance_misuse": True}}],
            "drug_alcohol_service",
            id="rule-4-specialist",
        ),
        pytest.param([PARENT, {"id": "c1", "role": "child", "age": 3}], "universal_signpost", id="below-threshold"),
    ],
)
def test_other_routes_are_standard(decide, referral, members, route):
    decision = decide(referral(*members, received_at="2026-05-23T10:00:00Z"))
    assert (decision.route, decision.priority, decision.respond_by) == (route, "standard", date(2026, 6, 8))
