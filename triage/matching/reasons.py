"""What a comparison says, in the plain words the front door reads.

Worked out only for the pairs that are shown, after they are weighed: most pairs compared are
not shown, and their words would be wasted.
"""

from __future__ import annotations

import math

from triage.matching.compare import NameAgreement, similarity
from triage.matching.dates import DateAgreement

__all__ = ["MOVED", "TWIN", "date_reason", "name_reasons", "place_reasons"]

MOVED = "different postcode (may have moved)"
TWIN = "same date of birth and last name, different first name: could be a twin or sibling"

# place levels (scoring.Scorer._place)
POSTCODE, DISTRICT, ELSEWHERE = "postcode", "district", "elsewhere"
ADDRESS, SIMILAR_ADDRESS = "address", "similar address"


def name_reasons(
    given: NameAgreement,
    family: NameAgreement,
    relation: str | None,
    swapped: bool,
    written: str,
    known: str,
) -> list[str]:
    """What the names say: "same name", "nickname of William", "name 94% similar" (``written``
    and ``known``: the two whole names, normalised, as compared)."""
    if given is NameAgreement.EXACT and family is NameAgreement.EXACT:
        return ["first and last names swapped" if swapped else "same name"]
    reasons = ["first and last names swapped"] if swapped else []
    if relation:
        reasons.append(relation)
    alike = (NameAgreement.TYPO, NameAgreement.SIMILAR, NameAgreement.PARTIAL)
    if given in alike or family in alike:
        reasons.append(f"name {math.floor(similarity(written, known) * 100)}% similar")
    if not swapped:
        for agreement, which in ((given, "first"), (family, "last")):
            if agreement is NameAgreement.EXACT:
                reasons.append(f"same {which} name")
            elif agreement is NameAgreement.INITIAL:
                reasons.append(f"same {which} initial")
            elif agreement is NameAgreement.DIFFERENT:
                reasons.append(f"different {which} name")
    return reasons


def date_reason(dob: DateAgreement) -> str | None:
    """What the dates of birth say, if they were both recorded."""
    if dob is DateAgreement.SAME:
        return "same date of birth"
    if dob is DateAgreement.SWAPPED:
        return "day and month of birth swapped"
    if dob is DateAgreement.ONE_DIGIT:
        return "date of birth one digit different"
    if dob is DateAgreement.DIFFERENT:
        return "different date of birth"
    return None


def place_reasons(postcode: str | None, address: str | None) -> list[str]:
    """What the postcodes and first lines of address say."""
    reasons = []
    if postcode == POSTCODE:
        reasons.append("same postcode")
    elif postcode == DISTRICT:
        reasons.append("same postcode district")
    elif postcode == ELSEWHERE:
        reasons.append(MOVED)
    if address == ADDRESS:
        reasons.append("same first line of address")
    elif address == SIMILAR_ADDRESS:
        reasons.append("similar first line of address")
    return reasons
