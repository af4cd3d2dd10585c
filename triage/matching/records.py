"""What matching reads and says: a person as recorded on a referral, and the links it proposes.

Matching proposes and a person decides: a ``Candidate`` is shown to the front door with its
score and reasons, and never changes a decision or links records by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = ["Candidate", "HouseholdCandidate", "PersonRecord", "SearchHit", "Strength"]


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One person as one referral recorded them. Every field but ``person_id`` may be missing:
    partners send what they know. Identifiers are kept as written; matching checks them."""

    person_id: str
    household_id: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None
    nhs_number: str | None = None
    upn: str | None = None
    postcode: str | None = None
    address_line_1: str | None = None
    referral_id: str | None = None


class Strength(StrEnum):
    """How strongly a candidate is proposed. None of them links anything: the front door
    confirms or rejects each one. Ordered from strongest to weakest."""

    EXACT_IDENTIFIER = "exact identifier"  # the same valid NHS number or UPN, and nothing against it
    LIKELY = "likely"  # enough agreement that a person would expect to confirm it
    POSSIBLE = "possible"  # worth a look: some agreement, or agreement with a reason for doubt

    @property
    def rank(self) -> int:
        """0 for the strongest: sorts candidates strongest first."""
        return list(Strength).index(self)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An earlier person the incoming one may be, with why."""

    person: PersonRecord
    score: float  # 0 to 1: the weight of agreement, as a probability-like figure
    strength: Strength
    reasons: tuple[str, ...]  # plain words, shown to the front door: "same date of birth", ...


@dataclass(frozen=True, slots=True)
class HouseholdCandidate:
    """An earlier household some of the incoming people may belong to."""

    household_id: str
    people_matched: int  # how many incoming people have a candidate in this household
    people_referred: int  # how many people the incoming referral names
    strength: Strength  # the strongest of its members' candidates
    score: float  # the mean of the best candidate score of each matched person
    matches: tuple[Candidate, ...]  # the best candidate in this household for each matched person
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A person found by a front door search, with what matched."""

    person: PersonRecord
    score: float  # 0 to 1: 1 for an exact identifier
    reasons: tuple[str, ...]
