"""Seeded generator of varied, valid referrals (the contract in spec/referral-and-decision.md).

Used by the benchmarks and usable on its own:

    python benchmarks/generate.py -n 10000 -o /tmp/refs.jsonl [--seed 1] [--check]

The mix is meant to look like a front door's week rather than a uniform sample:
- 1-6 members (mostly 2-4): single adults, couples, parents with children of all ages, young
  people aged 16-24 of every role, the odd grandparent;
- ages clustered around the policy's boundaries (4/5, 15/16, 17/18, 24/25) as well as spread;
- school attendance for most school-age children, clustered around the 90% and 50% thresholds
  (exactly 90.0 and 50.0 included), and sometimes present for children outside school age;
- flags at realistic, low rates; counts (ASB incidents, exclusions, missing episodes) around
  their thresholds; some flags written as explicit ``false``;
- postcodes mostly in the city's districts (S1..S36 as covered by policy §7) in every accepted
  shape (``S5 7AU``, ``s57au``, ``S35``, stray spaces), about 1 in 10 out of area;
- consent mostly given; sometimes false, missing, or an object without ``given``;
- received_at over 2025-2027, in UTC or with an offset, some just before midnight UTC (the
  Europe/London date differs), some on weekends and bank holidays.

Every referral is valid; ``--check`` validates each one with ``triage.intake.parse_referral``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

AGENCIES = (
    "school",
    "police",
    "health",
    "housing",
    "social_care",
    "dwp",
    "youth_justice",
    "voluntary_sector",
    "self_referral",
    "other",
)
# Policy §7: the districts the catalogue covers.
IN_AREA = (
    "S1",
    "S2",
    "S3",
    "S4",
    "S5",
    "S6",
    "S7",
    "S8",
    "S9",
    "S10",
    "S11",
    "S12",
    "S13",
    "S14",
    "S17",
    "S20",
    "S35",
    "S36",
)
# Sheffield-area districts the catalogue does not cover, neighbours, and a few far away.
OUT_OF_AREA = (
    "S18",
    "S21",
    "S25",
    "S26",
    "S32",
    "S33",
    "S60",
    "S63",
    "S66",
    "S70",
    "S75",
    "S80",
    "S81",
    "DN1",
    "DN4",
    "LS1",
    "LS9",
    "M1",
    "NG1",
    "B1",
    "EC1A",
    "W1A",
    "SW1A",
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
_SPAN_SECONDS = int((datetime(2028, 1, 1, tzinfo=UTC) - _EPOCH).total_seconds())


class ReferralGenerator:
    """``ReferralGenerator(seed).referrals(n)`` yields ``n`` referral dicts; same seed, same output."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.seed = seed

    # -- small helpers -----------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def flags(self, rates: dict[str, float], explicit_false: float = 0.05) -> dict[str, Any]:
        """Each flag true at its rate; sometimes written as an explicit false; else left out."""
        out: dict[str, Any] = {}
        for name, rate in rates.items():
            if self.chance(rate):
                out[name] = True
            elif self.chance(explicit_false):
                out[name] = False
        return out

    def count(self, p_present: float, weights: tuple[int, ...]) -> int | None:
        """A count 0..len(weights)-1 with the given weights, or None (absent)."""
        if not self.chance(p_present):
            return None
        return self.rng.choices(range(len(weights)), weights=weights)[0]

    # -- parts of a referral -----------------------------------------------------------------

    def received_at(self) -> str:
        moment = _EPOCH + timedelta(seconds=self.rng.randrange(_SPAN_SECONDS))
        roll = self.rng.random()
        if roll < 0.08:  # late evening UTC: the London date may be the next day (BST)
            moment = moment.replace(hour=23, minute=self.rng.choice((0, 15, 30, 59)))
        elif roll < 0.12:  # just after midnight UTC
            moment = moment.replace(hour=0, minute=self.rng.choice((0, 5, 30)))
        else:
            moment = moment.replace(hour=self.rng.randint(7, 18))
        if self.chance(0.8):
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        offset = self.rng.choice((1, -5, 2, 0))
        zone = timezone(timedelta(hours=offset))
        return moment.astimezone(zone).isoformat()

    def postcode(self) -> str:
        district = self.rng.choice(OUT_OF_AREA) if self.chance(0.10) else self.rng.choice(IN_AREA)
        inward = f"{self.rng.randint(0, 9)}{self.rng.choice(INWARD_LETTERS)}{self.rng.choice(INWARD_LETTERS)}"
        shape = self.rng.random()
        if shape < 0.70:
            text = f"{district} {inward}"
        elif shape < 0.82:
            text = f"{district}{inward}"  # no space: S1 + 2BX -> "S12BX", still district S1
        elif shape < 0.90:
            text = district
        elif shape < 0.95:
            text = f"  {district.lower()} {inward.lower()} "
        else:
            text = f"{district}  {inward}"
        return text

    def consent(self) -> dict[str, Any] | None:
        roll = self.rng.random()
        if roll < 0.86:
            consent: dict[str, Any] = {"given": True}
            if self.chance(0.5):
                consent["recorded_at"] = "2026-01-05T09:00:00Z"
                consent["by"] = self.rng.choice(("parent_carer", "young_person", "other_adult"))
            return consent
        if roll < 0.92:
            return {"given": False}
        if roll < 0.96:
            return None
        return self.rng.choice(({}, {"by": "parent_carer"}, {"given": None}))

    def attendance(self) -> float:
        roll = self.rng.random()
        if roll < 0.35:  # around the persistent absence threshold
            return self.rng.choice((90.0, 90.0, 89.9, 90.1, 90, round(self.rng.uniform(86, 94), 1)))
        if roll < 0.45:  # around the severe absence threshold
            return self.rng.choice((50.0, 49.9, 50.1, 50, round(self.rng.uniform(45, 55), 1)))
        if roll < 0.80:
            return round(self.rng.uniform(91, 100), 1)
        return round(self.rng.uniform(0, 100), 1)

    def member(self, member_id: str, role: str, age: int, heavy: bool) -> dict[str, Any]:
        """One member; ``heavy`` households carry more flags (the front door sees both kinds)."""
        k = 2.5 if heavy else 0.6
        member: dict[str, Any] = {"id": member_id, "role": role, "age": age}
        is_child = role == "child"
        if is_child or self.chance(0.05):
            school: dict[str, Any] = {}
            if (5 <= age <= 15 and self.chance(0.8)) or self.chance(0.1):
                school["attendance_pct"] = self.attendance()
            fte = self.count(0.25 * k, (40, 25, 15, 12, 5, 3))
            if fte is not None:
                school["fixed_term_exclusions_3_terms"] = fte
            school.update(
                self.flags(
                    {"permanently_excluded": 0.02 * k, "alternative_provision": 0.03 * k, "not_on_roll": 0.02 * k}
                )
            )
            if school or self.chance(0.3):
                member["school"] = school
        offending = self.flags(
            {
                "proven_offence_12m": (0.04 if age >= 10 else 0.0) * k,
                "asb_intervention_12m": 0.03 * k,
                "on_probation_or_licence": (0.03 if age >= 16 else 0.0) * k,
                "exploitation_risk": (0.04 if 8 <= age <= 25 else 0.005) * k,
            }
        )
        asb = self.count(0.15 * k, (50, 20, 12, 10, 5, 3))
        if asb is not None:
            offending["asb_incidents_12m"] = asb
        if offending or self.chance(0.05):
            member["offending"] = offending
        if age >= 16:
            employment = self.flags(
                {"out_of_work_benefits": (0.15 if age >= 18 else 0.02) * k, "neet": (0.12 if age <= 24 else 0.02) * k},
                explicit_false=0.1,
            )
            if employment:
                member["employment"] = employment
        abuse = self.flags(
            {
                "victim_12m": (0.06 if age >= 16 else 0.03) * k,
                "perpetrator_12m": (0.04 if age >= 16 else 0.005) * k,
                "marac_high_risk": (0.02 if age >= 16 else 0.0) * k,
            }
        )
        if abuse:
            member["domestic_abuse"] = abuse
        health = self.flags(
            {
                "mental_health_concern": 0.10 * k,
                "substance_misuse": (0.06 if age >= 14 else 0.0) * k,
                "physical_health_concern": 0.06 * k,
                "development_concern_under5": (0.10 if age < 6 else 0.005) * k,
            }
        )
        if health:
            member["health"] = health
        if is_child or self.chance(0.03):
            care = self.flags({"child_in_need": 0.05 * k, "child_protection_plan": 0.02 * k, "young_carer": 0.03 * k})
            missing = self.count(0.10 * k, (30, 20, 20, 15, 10, 5))
            if missing is not None:
                care["missing_episodes_12m"] = missing
            if care:
                member["social_care"] = care
        return member

    def child_age(self) -> int:
        if self.chance(0.3):
            return self.rng.choice((0, 4, 5, 15, 16, 17))
        return self.rng.randint(0, 17)

    def adult_age(self, low: int = 18) -> int:
        if self.chance(0.2):
            return max(low, self.rng.choice((16, 17, 18, 24, 25)))
        return self.rng.randint(low, 70)

    def members(self, heavy: bool) -> list[dict[str, Any]]:
        size = self.rng.choices((1, 2, 3, 4, 5, 6), weights=(10, 20, 26, 22, 13, 9))[0]
        people: list[tuple[str, int]] = []
        shape = self.rng.random()
        if size == 1:
            # single adult, single young person, or (rarely) a lone child referred on their own
            people.append(
                self.rng.choices(
                    (
                        ("parent_carer", self.adult_age()),
                        ("other_adult", self.adult_age(16)),
                        ("child", self.child_age()),
                    ),
                    weights=(60, 30, 10),
                )[0]
            )
        elif shape < 0.10:  # adults only: couples, flat shares, an adult child at home
            for _ in range(size):
                people.append((self.rng.choice(("parent_carer", "other_adult")), self.adult_age(16)))
        else:
            parents = 1 if size == 2 or self.chance(0.45) else 2
            for _ in range(parents):
                people.append(("parent_carer", self.adult_age(17)))
            for _ in range(size - parents):
                roll = self.rng.random()
                if roll < 0.82:
                    people.append(("child", self.child_age()))
                elif roll < 0.95:
                    people.append(("other_adult", self.rng.randint(16, 25)))  # older sibling
                else:
                    people.append(("other_adult", self.rng.randint(55, 90)))  # grandparent
        out = []
        counters: dict[str, int] = {}
        for role, age in people:
            prefix = {"parent_carer": "p", "child": "c", "other_adult": "a"}[role]
            counters[prefix] = counters.get(prefix, 0) + 1
            out.append(self.member(f"{prefix}{counters[prefix]}", role, age, heavy))
        return out

    def referral(self, index: int) -> dict[str, Any]:
        heavy = self.chance(0.25)
        household: dict[str, Any] = {"postcode": self.postcode()}
        housing = self.flags(
            {
                "rent_arrears": 0.14 * (1.5 if heavy else 1),
                "problem_debt": 0.10,
                "eviction_risk": 0.05 * (2 if heavy else 1),
                "homeless": 0.03,
            },
            explicit_false=0.3,
        )
        if housing:
            household["housing"] = housing
        household["members"] = self.members(heavy)
        referral: dict[str, Any] = {
            "referral_id": f"B-{self.seed}-{index:06d}",
            "received_at": self.received_at(),
            "referrer": {"agency": self.rng.choice(AGENCIES)},
        }
        if self.chance(0.4):
            referral["referrer"]["name"] = "A. Practitioner"
            referral["referrer"]["role"] = "worker"
        consent = self.consent()
        if consent is not None:
            referral["consent"] = consent
        roll = self.rng.random()
        if roll < 0.05:
            referral["safeguarding"] = {"immediate_risk_of_harm": True}
        elif roll < 0.25:
            referral["safeguarding"] = {"immediate_risk_of_harm": False}
        referral["household"] = household
        if self.chance(0.5):
            referral["narrative"] = "Referred by the front door after a multi-agency discussion. " * self.rng.randint(
                1, 6
            )
        return referral

    def referrals(self, n: int) -> Iterator[dict[str, Any]]:
        for i in range(1, n + 1):
            yield self.referral(i)


def generate(n: int, seed: int = 1) -> list[dict[str, Any]]:
    """``n`` referral dicts from ``seed``."""
    return list(ReferralGenerator(seed).referrals(n))


def write_jsonl(referrals: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for referral in referrals:
            out.write(json.dumps(referral, separators=(",", ":")) + "\n")


def check(referrals: list[dict[str, Any]]) -> int:
    """Validate every referral against the contract; return how many failed (and print them)."""
    from triage.intake import InvalidReferral, parse_referral

    agencies = frozenset(AGENCIES)
    bad = 0
    for referral in referrals:
        try:
            parse_referral(referral, agencies)
        except InvalidReferral as error:
            bad += 1
            print(f"invalid {referral['referral_id']}: {error}", file=sys.stderr)
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="how many referrals (default 10000)")
    parser.add_argument("-o", "--output", type=Path, help="JSONL file to write (default: stdout)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="validate each referral with triage.intake")
    args = parser.parse_args(argv)
    referrals = generate(args.n, args.seed)
    if args.check and check(referrals):
        return 1
    if args.output is None:
        for referral in referrals:
            sys.stdout.write(json.dumps(referral, separators=(",", ":")) + "\n")
    else:
        write_jsonl(referrals, args.output)
        print(f"{len(referrals)} referrals (seed {args.seed}) -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
