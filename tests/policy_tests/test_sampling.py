"""Generated referrals for the invariant check: valid, seeded, and drawn from the candidate's own lines."""

from __future__ import annotations

from triage.intake import parse_referral
from triage.policy_tests.sampling import ReferralSampler
from triage.postcodes import outward_code
from triage.rulebook import load_policy


def test_every_generated_referral_is_valid(policy):
    agencies = frozenset(a.id for a in policy.catalogue.partner_agencies)
    referrals = list(ReferralSampler(policy).referrals(1000))
    assert len([parse_referral(data, agencies) for data in referrals]) == 1000


def test_the_same_seed_gives_the_same_referrals_and_another_seed_others(policy):
    first, again, other = (list(ReferralSampler(policy, seed).referrals(50)) for seed in (1, 1, 2))
    assert (first == again, first == other) == (True, False)


def test_numbers_fall_on_and_either_side_of_the_candidates_own_threshold(policy_copy):
    terms = policy_copy / "definitions" / "terms.yaml"
    terms.write_text(
        terms.read_text(encoding="utf-8").replace(
            "{field: school.attendance_pct, le: 90}", "{field: school.attendance_pct, le: 85}"
        )
    )
    attendance = {
        member["school"]["attendance_pct"]
        for data in ReferralSampler(load_policy(policy_copy)).referrals(2000)
        for member in data["household"]["members"]
        if "attendance_pct" in member.get("school", {})
    }
    assert {84.9, 85.0, 85.1} <= attendance


def test_postcodes_come_from_the_catalogues_districts_and_from_outside_it(policy):
    covered = {d for locality in policy.catalogue.localities for d in locality.districts}
    districts = {outward_code(data["household"]["postcode"]) for data in ReferralSampler(policy).referrals(500)}
    assert (covered <= districts, bool(districts - covered)) == (True, True)
