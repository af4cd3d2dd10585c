"""Whether an earlier person may be the incoming one: weigh each field, say why, and how strongly.

Each field adds its weight in bits (``MatchSettings``); the sum with the prior becomes a score from 0
to 1. Three things keep a pair from being called "likely" whatever its score, because each is how
two different people look alike: a different first name (twins and siblings share a surname, a
date of birth and an address), a different date of birth (common names), and two different valid
NHS numbers or permanent UPNs, which rule the pair out altogether.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz

from triage.matching.compare import NameAgreement, compare_family, compare_given, similarity
from triage.matching.dates import DateAgreement, compare_dates
from triage.matching.prepared import Prepared
from triage.matching.records import Candidate, Strength
from triage.matching.settings import MatchSettings
from triage.matching.variants import NameVariants

__all__ = ["MOVED", "Scorer", "TWIN"]

MOVED = "different postcode (may have moved)"
TWIN = "same date of birth and last name, different first name: could be a twin or sibling"
_GIVEN_FOR_LIKELY = {NameAgreement.EXACT, NameAgreement.VARIANT, NameAgreement.TYPO}
_SWAP_ACCEPTS = {NameAgreement.EXACT, NameAgreement.TYPO, NameAgreement.PARTIAL}
_DATE_REASONS = {
    DateAgreement.SAME: "same date of birth",
    DateAgreement.SWAPPED: "day and month of birth swapped",
    DateAgreement.ONE_DIGIT: "date of birth one digit different",
    DateAgreement.DIFFERENT: "different date of birth",
}


@dataclass(frozen=True, slots=True)
class _Names:
    """The names' part of a comparison."""

    bits: float
    given: NameAgreement
    family: NameAgreement
    reasons: tuple[str, ...]


class Scorer:
    """Compares an incoming person with a known one. ``given_weight``/``family_weight`` give an
    exact name's weight (rarer names weigh more), from the index's counts."""

    def __init__(
        self,
        settings: MatchSettings,
        variants: NameVariants,
        given_weight: Callable[[str], float],
        family_weight: Callable[[str], float],
    ) -> None:
        self.settings = settings
        self.variants = variants
        self.given_weight = given_weight
        self.family_weight = family_weight

    def assess(self, a: Prepared, b: Prepared) -> Candidate | None:
        """``b`` as a candidate for ``a``, or None when it is ruled out or too weak to show."""
        s = self.settings
        bits, reasons, shared_key, conflicts = self._identifiers(a, b)
        if conflicts and not shared_key:
            return None
        names = self._names(a, b)
        dob = compare_dates(a.record.date_of_birth, b.record.date_of_birth)
        bits += names.bits + self._date_bits(dob)
        reasons += list(names.reasons)
        if dob in _DATE_REASONS:
            reasons.append(_DATE_REASONS[dob])
        if dob is DateAgreement.SAME and names.family is NameAgreement.EXACT and names.given not in _GIVEN_FOR_LIKELY:
            reasons.append(TWIN)
        place_bits, place_reasons = self._place(a, b)
        bits += place_bits + self._sex_bits(a, b, reasons)
        reasons += place_reasons
        reasons += conflicts
        score = 1.0 / (1.0 + 2.0 ** (-(bits + s.prior)))
        if not shared_key and _doubtful(names, dob):
            score = min(score, s.doubtful_score_cap)
        strength = self._strength(score, shared_key, conflicts, names, dob)
        if strength is None:
            return None
        return Candidate(person=b.record, score=score, strength=strength, reasons=tuple(reasons))

    def _strength(
        self, score: float, shared_key: bool, conflicts: list[str], names: _Names, dob: DateAgreement
    ) -> Strength | None:
        """Exact identifier, likely, possible, or not shown. A shared number with nothing else
        agreeing (or a second number that disagrees) is shown as possible: a typing slip in a
        valid-looking number is rare but not impossible."""
        s = self.settings
        if shared_key:
            nothing_agrees = names.given is NameAgreement.DIFFERENT and dob is DateAgreement.DIFFERENT
            return Strength.POSSIBLE if conflicts or nothing_agrees else Strength.EXACT_IDENTIFIER
        if score >= s.likely_threshold and not _doubtful(names, dob):
            return Strength.LIKELY
        return Strength.POSSIBLE if score >= s.possible_threshold else None

    def _identifiers(self, a: Prepared, b: Prepared) -> tuple[float, list[str], bool, list[str]]:
        """Weight and reasons of shared numbers, whether any is shared, and conflicts."""
        s = self.settings
        bits, reasons, conflicts, shared = 0.0, [], [], False
        if a.nhs and b.nhs:
            if a.nhs == b.nhs:
                bits, shared = bits + s.nhs_number_same, True
                reasons.append("same NHS number")
            else:
                conflicts.append("different NHS numbers")
        if a.upn and b.upn:
            if a.upn == b.upn:
                bits, shared = bits + s.upn_same, True
                reasons.append("same UPN")
            elif s.different_upn_rules_out and not (a.upn_temporary or b.upn_temporary):
                conflicts.append("different UPNs")
        return bits, reasons, shared, conflicts

    def _names(self, a: Prepared, b: Prepared) -> _Names:
        """The better of the names as written and the names the other way round."""
        straight = self._name_pair(a.given, a.first, a.family, a.family_parts, b)
        if a.first and a.family and b.first and b.family:
            cross_given = compare_family(a.family, a.family_parts, b.first, (b.first,), self.settings)
            cross_family = compare_family(a.first, (a.first,), b.family, b.family_parts, self.settings)
            if cross_given in _SWAP_ACCEPTS and cross_family in _SWAP_ACCEPTS:
                swapped = self._name_pair((a.family,), a.family, a.first, (a.first,), b, swapped=True)
                if swapped.bits - self.settings.swapped_cost > straight.bits:
                    return _Names(swapped.bits - self.settings.swapped_cost, *_fields(swapped))
        return straight

    def _name_pair(
        self,
        given: tuple[str, ...],
        first: str,
        family: str,
        parts: tuple[str, ...],
        b: Prepared,
        swapped: bool = False,
    ) -> _Names:
        """Weigh first and family names of one reading of ``a`` against ``b``."""
        s = self.settings
        g, relation = compare_given(given, b.given, self.variants, s)
        f = compare_family(family, parts, b.family, b.family_parts, s)
        given_bits = {
            NameAgreement.EXACT: self.given_weight(b.first),
            NameAgreement.VARIANT: s.given_variant,
            NameAgreement.TYPO: s.given_typo,
            NameAgreement.SIMILAR: s.given_similar,
            NameAgreement.INITIAL: s.given_initial,
            NameAgreement.DIFFERENT: s.given_different,
        }.get(g, 0.0)
        family_bits = {
            NameAgreement.EXACT: self.family_weight(b.family),
            NameAgreement.TYPO: s.family_typo,
            NameAgreement.PARTIAL: s.family_partial,
            NameAgreement.SIMILAR: s.family_similar,
            NameAgreement.DIFFERENT: s.family_different,
        }.get(f, 0.0)
        reasons = _name_reasons(g, f, relation, swapped, similarity(f"{first} {family}", b.full))
        return _Names(given_bits + family_bits, g, f, reasons)

    def _date_bits(self, dob: DateAgreement) -> float:
        s = self.settings
        return {
            DateAgreement.SAME: s.dob_same,
            DateAgreement.SWAPPED: s.dob_swapped,
            DateAgreement.ONE_DIGIT: s.dob_one_digit,
            DateAgreement.DIFFERENT: s.dob_different,
        }.get(dob, 0.0)

    def _sex_bits(self, a: Prepared, b: Prepared, reasons: list[str]) -> float:
        if not (a.sex and b.sex):
            return 0.0
        if a.sex == b.sex:
            return self.settings.sex_same
        reasons.append("different sex recorded")
        return self.settings.sex_different

    def _place(self, a: Prepared, b: Prepared) -> tuple[float, list[str]]:
        """Postcode and first line of address: same, same district, or moved."""
        s = self.settings
        bits, reasons = 0.0, []
        if a.postcode and b.postcode and a.postcode == b.postcode:
            bits += s.postcode_same
            reasons.append("same postcode")
        elif a.district and b.district and a.district == b.district:
            bits += s.district_same
            reasons.append("same postcode district")
        elif a.district and b.district:
            bits += s.postcode_different
            reasons.append(MOVED)
        if a.address and b.address:
            if a.address == b.address:
                bits += s.address_same
                reasons.append("same first line of address")
            elif fuzz.token_sort_ratio(a.address, b.address) >= s.similar_address:
                bits += s.address_similar
                reasons.append("similar first line of address")
        return bits, reasons


def _doubtful(names: _Names, dob: DateAgreement) -> bool:
    """A first name that does not agree, or a different date of birth: how two people look alike."""
    return names.given not in _GIVEN_FOR_LIKELY or dob is DateAgreement.DIFFERENT


def _fields(names: _Names) -> tuple[NameAgreement, NameAgreement, tuple[str, ...]]:
    return names.given, names.family, names.reasons


def _name_reasons(
    given: NameAgreement, family: NameAgreement, relation: str | None, swapped: bool, likeness: float
) -> tuple[str, ...]:
    """What the names say, in words: "same name", "nickname of William", "name 94% similar"."""
    if given is NameAgreement.EXACT and family is NameAgreement.EXACT:
        return ("first and last names swapped",) if swapped else ("same name",)
    reasons = ["first and last names swapped"] if swapped else []
    if relation:
        reasons.append(relation)
    if {given, family} & {NameAgreement.TYPO, NameAgreement.SIMILAR, NameAgreement.PARTIAL}:
        reasons.append(f"name {math.floor(likeness * 100)}% similar")
    words = {
        NameAgreement.EXACT: "same {} name",
        NameAgreement.INITIAL: "same {} initial",
        NameAgreement.DIFFERENT: "different {} name",
    }
    for agreement, which in ((given, "first"), (family, "last")):
        if agreement in words and not swapped:
            reasons.append(words[agreement].format(which))
    return tuple(reasons)
