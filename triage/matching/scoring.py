"""Whether an earlier person may be the incoming one: weigh each field, say how strongly, and why.

Each field adds its weight in bits (``MatchSettings``); the sum with the prior becomes a score from 0
to 1. Four things keep a pair from being called "likely" whatever its score, because each is how
two different people look alike: a first name that does not agree (twins and siblings share a
surname, a date of birth and an address), a different date of birth (common names), a different
sex recorded (a boy and a girl twin, Charlie and Charlotte), and two different valid NHS numbers or
permanent UPNs, which rule the pair out altogether.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz

from triage.matching import reasons as words
from triage.matching.compare import NameAgreement, compare_family, compare_given
from triage.matching.dates import DateAgreement, compare_dates
from triage.matching.prepared import Prepared
from triage.matching.records import Candidate, Strength
from triage.matching.settings import MatchSettings
from triage.matching.variants import NameVariants

__all__ = ["Scorer"]

_GIVEN_FOR_LIKELY = (NameAgreement.EXACT, NameAgreement.VARIANT, NameAgreement.TYPO)
_SWAP_ACCEPTS = (NameAgreement.EXACT, NameAgreement.TYPO, NameAgreement.PARTIAL)


@dataclass(frozen=True, slots=True)
class _Names:
    """The names' part of a comparison: its weight, levels, and what to say about it."""

    bits: float
    given: NameAgreement
    family: NameAgreement
    relation: str | None  # a nickname or another spelling, in words
    swapped: bool
    written: str  # the incoming whole name as compared (the other way round if swapped)


class Scorer:
    """Compares an incoming person with a known one. ``given_weight``/``family_weight`` give an
    exact name's weight (rarer names weigh more) and ``prior`` the prior in bits, from the index."""

    def __init__(
        self,
        settings: MatchSettings,
        variants: NameVariants,
        given_weight: Callable[[str], float],
        family_weight: Callable[[str], float],
        prior: Callable[[], float],
    ) -> None:
        self.settings = settings
        self.variants = variants
        self.given_weight = given_weight
        self.family_weight = family_weight
        self.prior = prior
        # bits for each level of agreement short of exact (an exact name's weight depends on the name)
        n, d = NameAgreement, DateAgreement
        self._given_levels = {
            n.VARIANT: settings.given_variant,
            n.TYPO: settings.given_typo,
            n.SIMILAR: settings.given_similar,
            n.INITIAL: settings.given_initial,
            n.DIFFERENT: settings.given_different,
        }
        self._family_levels = {
            n.TYPO: settings.family_typo,
            n.PARTIAL: settings.family_partial,
            n.SIMILAR: settings.family_similar,
            n.DIFFERENT: settings.family_different,
        }
        self._date_levels = {
            d.SAME: settings.dob_same,
            d.SWAPPED: settings.dob_swapped,
            d.ONE_DIGIT: settings.dob_one_digit,
            d.DIFFERENT: settings.dob_different,
        }

    def assess(self, a: Prepared, b: Prepared) -> Candidate | None:
        """``b`` as a candidate for ``a``, or None when it is ruled out or too weak to show."""
        s = self.settings
        bits, shared, conflicts = self._identifiers(a, b)
        if conflicts and not shared:
            return None
        names = self._names(a, b)
        dob = compare_dates(a.record.date_of_birth, b.record.date_of_birth)
        postcode, address, place_bits = self._place(a, b)
        bits += names.bits + self._date_levels.get(dob, 0.0) + place_bits + self._sex_bits(a, b)
        score = 1.0 / (1.0 + 2.0 ** (-(bits + self.prior())))
        sex_differs = a.sex is not None and b.sex is not None and a.sex != b.sex  # boy and girl twins
        doubtful = names.given not in _GIVEN_FOR_LIKELY or dob is DateAgreement.DIFFERENT or sex_differs
        if doubtful and not shared:
            score = min(score, s.doubtful_score_cap)
        if shared:
            nothing_agrees = names.given is NameAgreement.DIFFERENT and dob is DateAgreement.DIFFERENT
            strength = Strength.POSSIBLE if conflicts or nothing_agrees else Strength.EXACT_IDENTIFIER
        elif score >= s.likely_threshold and not doubtful:
            strength = Strength.LIKELY
        elif score >= s.possible_threshold:
            strength = Strength.POSSIBLE
        else:
            return None
        said = self._reasons(a, b, names, dob, conflicts)
        said += words.place_reasons(postcode, address)
        return Candidate(person=b.record, score=score, strength=strength, reasons=(*said, *conflicts))

    def _reasons(self, a: Prepared, b: Prepared, names: _Names, dob: DateAgreement, conflicts: list[str]) -> list[str]:
        """Numbers, names, date of birth and sex in words (a shared number with nothing else
        agreeing, or a second number that disagrees, stays possible: a slip in a valid-looking
        number is rare but not impossible)."""
        said = []
        if a.nhs and a.nhs == b.nhs:
            said.append("same NHS number")
        if a.upn and a.upn == b.upn:
            said.append("same UPN")
        said += words.name_reasons(names.given, names.family, names.relation, names.swapped, names.written, b.full)
        if reason := words.date_reason(dob):
            said.append(reason)
        if dob is DateAgreement.SAME and names.family is NameAgreement.EXACT and names.given not in _GIVEN_FOR_LIKELY:
            said.append(words.TWIN)
        if a.sex and b.sex and a.sex != b.sex:
            said.append("different sex recorded")
        return said

    def _identifiers(self, a: Prepared, b: Prepared) -> tuple[float, bool, list[str]]:
        """Weight of shared numbers, whether any is shared, and the numbers that disagree."""
        s = self.settings
        bits, shared, conflicts = 0.0, False, []
        if a.nhs and b.nhs:
            if a.nhs == b.nhs:
                bits, shared = bits + s.nhs_number_same, True
            else:
                conflicts.append("different NHS numbers")
        if a.upn and b.upn:
            if a.upn == b.upn:
                bits, shared = bits + s.upn_same, True
            elif s.different_upn_rules_out and not (a.upn_temporary or b.upn_temporary):
                conflicts.append("different UPNs")
        return bits, shared, conflicts

    def _names(self, a: Prepared, b: Prepared) -> _Names:
        """The better of the names as written and the names the other way round."""
        s = self.settings
        straight = self._name_pair(a.given, a.first, a.family, a.family_parts, b)
        exact = straight.given is NameAgreement.EXACT and straight.family is NameAgreement.EXACT
        # names the other way round are tried only when their first letters cross over, which
        # keeps the extra comparisons off the many pairs they cannot help
        crossed = a.first[:1] == b.family[:1] and a.family[:1] == b.first[:1]
        if not exact and crossed and a.first and a.family and b.first and b.family:
            cross_given = compare_family(a.family, a.family_parts, b.first, (b.first,), s)
            cross_family = compare_family(a.first, (a.first,), b.family, b.family_parts, s)
            if cross_given in _SWAP_ACCEPTS and cross_family in _SWAP_ACCEPTS:
                swapped = self._name_pair((a.family,), a.family, a.first, (a.first,), b, swapped=True)
                if swapped.bits > straight.bits:
                    return swapped
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
        bits = self._given_bits(g, b.first) + self._family_bits(f, b.family) - (s.swapped_cost if swapped else 0.0)
        return _Names(bits, g, f, relation, swapped, f"{first} {family}")

    def _given_bits(self, agreement: NameAgreement, known: str) -> float:
        return self.given_weight(known) if agreement is NameAgreement.EXACT else self._given_levels.get(agreement, 0.0)

    def _family_bits(self, agreement: NameAgreement, known: str) -> float:
        return (
            self.family_weight(known) if agreement is NameAgreement.EXACT else self._family_levels.get(agreement, 0.0)
        )

    def _sex_bits(self, a: Prepared, b: Prepared) -> float:
        if not (a.sex and b.sex):
            return 0.0
        return self.settings.sex_same if a.sex == b.sex else self.settings.sex_different

    def _place(self, a: Prepared, b: Prepared) -> tuple[str | None, str | None, float]:
        """How postcodes and first lines of address agree (levels from ``reasons``), and the weight."""
        s = self.settings
        postcode = address = None
        bits = 0.0
        if a.postcode and a.postcode == b.postcode:
            postcode, bits = words.POSTCODE, s.postcode_same
        elif a.district and b.district:
            same = a.district == b.district
            postcode = words.DISTRICT if same else words.ELSEWHERE
            bits = s.district_same if same else s.postcode_different
        if a.address and b.address:
            if a.address == b.address:
                address, bits = words.ADDRESS, bits + s.address_same
            elif fuzz.token_sort_ratio(a.address, b.address) >= s.similar_address:
                address, bits = words.SIMILAR_ADDRESS, bits + s.address_similar
        return postcode, address, bits
