"""Households as candidates: the earlier households the people of one referral may belong to.

A family that moves keeps its people, not its postcode; so households are found through their
members' candidates, grouped by the household each candidate was recorded in.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean

from triage.matching.reasons import MOVED
from triage.matching.records import Candidate, HouseholdCandidate

__all__ = ["group_by_household"]


def group_by_household(per_person: Sequence[Sequence[Candidate]]) -> list[HouseholdCandidate]:
    """One ``HouseholdCandidate`` per earlier household holding a candidate for any incoming
    person (``per_person``: each incoming person's candidates, in order), most people matched first.

    Each incoming person counts once per household, by their best candidate there.
    """
    best: dict[str, dict[int, Candidate]] = {}
    for index, candidates in enumerate(per_person):
        for candidate in candidates:
            household = candidate.person.household_id
            if household is None:
                continue
            held = best.setdefault(household, {})
            if index not in held or _better(candidate, held[index]):
                held[index] = candidate
    households = [_household(household, list(held.values()), len(per_person)) for household, held in best.items()]
    return sorted(households, key=lambda h: (-h.people_matched, h.strength.rank, -h.score, h.household_id))


def _better(a: Candidate, b: Candidate) -> bool:
    return (a.strength.rank, -a.score) < (b.strength.rank, -b.score)


def _household(household_id: str, matches: list[Candidate], referred: int) -> HouseholdCandidate:
    """A household and what its matched members say about it."""
    strongest = min(matches, key=lambda c: c.strength.rank)
    reasons = [f"{len(matches)} of {referred} {'person' if referred == 1 else 'people'} matched"]
    if any(MOVED in c.reasons for c in matches):
        reasons.append("a different postcode: the household may have moved")
    return HouseholdCandidate(
        household_id=household_id,
        people_matched=len(matches),
        people_referred=referred,
        strength=strongest.strength,
        score=fmean(c.score for c in matches),
        matches=tuple(sorted(matches, key=lambda c: (c.strength.rank, -c.score))),
        reasons=tuple(reasons),
    )
