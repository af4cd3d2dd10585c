"""One incoming person is at most one known person: when several are likely, say so.

A parent and child with the same name at one address, or two people with a common name and the
same date of birth, can each look likely when the field that tells them apart is missing. Calling
both "likely" would invite linking the wrong one, so only a clear winner stays likely.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from triage.matching.records import Candidate, Strength
from triage.matching.settings import MatchSettings

__all__ = ["ANOTHER_MATCHES", "ANOTHER_SHARES_NUMBER", "settle"]

ANOTHER_MATCHES = "another known person matches as well"
ANOTHER_SHARES_NUMBER = "another known person has the same NHS number or UPN"


def _bits(score: float) -> float:
    """A score back in bits (log2 odds), so that margins near 1 are still told apart."""
    return math.inf if score >= 1.0 else math.log2(score / (1.0 - score))


def settle(candidates: Sequence[Candidate], settings: MatchSettings) -> list[Candidate]:
    """The candidates with every "likely" but a clear best made "possible" (in the same order).

    An exact identifier outranks any likely name match; the best likely stays likely only when it
    is ``ambiguity_margin`` bits ahead of the next one.
    """
    likely = sorted((c for c in candidates if c.strength is Strength.LIKELY), key=lambda c: -c.score)
    if not likely:
        return list(candidates)
    keep: Candidate | None = None
    reason = ANOTHER_MATCHES
    if any(c.strength is Strength.EXACT_IDENTIFIER for c in candidates):
        reason = ANOTHER_SHARES_NUMBER
    elif len(likely) == 1 or _bits(likely[0].score) - _bits(likely[1].score) >= settings.ambiguity_margin:
        keep = likely[0]
    demoted = {id(c) for c in likely if c is not keep}
    return [
        replace(
            c,
            strength=Strength.POSSIBLE,
            score=min(c.score, settings.doubtful_score_cap),
            reasons=(*c.reasons, reason),
        )
        if id(c) in demoted
        else c
        for c in candidates
    ]
