"""How two names agree, field by field, in levels a person can read.

String similarity comes from rapidfuzz (Jaro-Winkler, and optimal string alignment distance for
"one letter out", which counts two swapped letters as one slip); the levels are what the scoring
weighs and what the reasons say.
"""

from __future__ import annotations

from enum import Enum

from rapidfuzz.distance import OSA, JaroWinkler

from triage.matching.settings import MatchSettings
from triage.matching.variants import NameVariants

__all__ = ["NameAgreement", "compare_family", "compare_given", "similarity"]


class NameAgreement(Enum):
    """How two names agree, most to least."""

    EXACT = "exact"
    VARIANT = "variant"  # a nickname or another spelling (first names only)
    TYPO = "typo"  # one letter added, dropped, changed, or two neighbours swapped
    PARTIAL = "partial"  # one part of a double-barrelled family name
    SIMILAR = "similar"  # alike, more than one letter apart
    INITIAL = "initial"  # an initial and a name that starts with it
    DIFFERENT = "different"
    MISSING = "missing"  # one or both not recorded


def similarity(a: str, b: str) -> float:
    """Jaro-Winkler similarity of two normalised strings, 0 to 1 (names: it favours a shared start)."""
    return JaroWinkler.normalized_similarity(a, b)


def _spelling(a: str, b: str, settings: MatchSettings) -> NameAgreement:
    """TYPO, SIMILAR or DIFFERENT for two different normalised names."""
    if min(len(a), len(b)) >= settings.typo_min_length and OSA.distance(a, b, score_cutoff=1) <= 1:
        return NameAgreement.TYPO
    if similarity(a, b) >= settings.similar_name:
        return NameAgreement.SIMILAR
    return NameAgreement.DIFFERENT


def compare_given(
    a: tuple[str, ...], b: tuple[str, ...], variants: NameVariants, settings: MatchSettings
) -> tuple[NameAgreement, str | None]:
    """How two first names (with middle names) agree, and a variant's relation in words.

    A middle name used as a first name ("Mary Ann" and "Ann") counts as the same name.
    """
    if not a or not b:
        return NameAgreement.MISSING, None
    first_a, first_b = a[0], b[0]
    if first_a == first_b or {t for t in a if len(t) > 1} & {t for t in b if len(t) > 1}:
        return NameAgreement.EXACT, None
    if len(first_a) == 1 or len(first_b) == 1:
        same_start = first_a[0] == first_b[0]
        return (NameAgreement.INITIAL if same_start else NameAgreement.DIFFERENT), None
    if relation := variants.relation(first_a, first_b):
        return NameAgreement.VARIANT, relation
    return _spelling(first_a, first_b, settings), None


def compare_family(
    a: str, a_parts: tuple[str, ...], b: str, b_parts: tuple[str, ...], settings: MatchSettings
) -> NameAgreement:
    """How two family names agree (``a``/``b`` as one word, with their parts)."""
    if not a or not b:
        return NameAgreement.MISSING
    if a == b:
        return NameAgreement.EXACT
    if (len(a_parts) > 1 or len(b_parts) > 1) and {p for p in a_parts if len(p) > 2} & {
        p for p in b_parts if len(p) > 2
    }:
        return NameAgreement.PARTIAL
    return _spelling(a, b, settings)
