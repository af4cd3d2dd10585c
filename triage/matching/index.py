"""``PeopleIndex``: the people known so far, and the people a new referral may be.

It holds records in memory and answers three questions: who an incoming person may be
(``candidates``), which earlier households a referral's people may belong to
(``household_candidates``), and who a front door search finds (``search``). It proposes; a
person confirms or rejects every link, and nothing here changes a decision.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from triage.matching.ambiguity import settle
from triage.matching.households import group_by_household
from triage.matching.prepared import prepare
from triage.matching.records import Candidate, HouseholdCandidate, PersonRecord, SearchHit
from triage.matching.scoring import Scorer
from triage.matching.search import search
from triage.matching.settings import MatchSettings
from triage.matching.tables import Tables, block_keys
from triage.matching.variants import NameVariants, default_variants

__all__ = ["PeopleIndex"]


class PeopleIndex:
    """Known people, by blocking key, ready to match and search."""

    def __init__(
        self,
        people: Iterable[PersonRecord] = (),
        settings: MatchSettings | None = None,
        variants: NameVariants | None = None,
    ) -> None:
        self.settings = settings or MatchSettings()
        self._tables = Tables(variants or default_variants())
        self._scorer = Scorer(
            self.settings, self._tables.variants, self._given_weight, self._family_weight, self._prior
        )
        self.extend(people)

    def __len__(self) -> int:
        return len(self._tables.records)

    def add(self, person: PersonRecord) -> None:
        """Index one person record (a person may have several: one per referral)."""
        self._tables.add(prepare(person))

    def extend(self, people: Iterable[PersonRecord]) -> None:
        """Index many person records."""
        for person in people:
            self.add(person)

    def candidates(self, person: PersonRecord) -> list[Candidate]:
        """The known people ``person`` may be, strongest first, at most ``max_candidates``.

        Only records sharing a blocking key are compared; records with the same ``person_id``
        (the person themself) are left out. Each known person appears once, by their best record,
        and at most one is likely (``triage.matching.ambiguity``).
        """
        incoming = prepare(person)
        tables, limit = self._tables, self.settings.max_block
        positions: set[int] = set()
        for key in block_keys(incoming, tables.variants, query=True):
            found = tables.keys.get(key, ())
            if len(found) <= limit:
                positions.update(found)
        best: dict[str, Candidate] = {}
        for position in positions:
            known = tables.records[position]
            if known.record.person_id == person.person_id:
                continue
            candidate = self._scorer.assess(incoming, known)
            held = best.get(known.record.person_id)
            if candidate and (
                held is None or (candidate.strength.rank, -candidate.score) < (held.strength.rank, -held.score)
            ):
                best[known.record.person_id] = candidate
        settled = settle(list(best.values()), self.settings)
        ordered = sorted(settled, key=lambda c: (c.strength.rank, -c.score, c.person.person_id))
        return ordered[: self.settings.max_candidates]

    def household_candidates(self, people: Sequence[PersonRecord]) -> list[HouseholdCandidate]:
        """The earlier households the people of one referral may belong to, most people matched first."""
        return group_by_household([self.candidates(person) for person in people])

    def search(self, query: str) -> list[SearchHit]:
        """What a front door search finds: see ``triage.matching.search``."""
        return search(self._tables, query, self.settings)

    def _prior(self) -> float:
        """log2 odds that an incoming person is one given known person, before comparing them."""
        return -math.log2(max(len(self), self.settings.prior_population))

    def _given_weight(self, first: str) -> float:
        s = self.settings
        return self._exact_weight(self._tables.given_counts[first], s.given_default_frequency, s.given_exact_range)

    def _family_weight(self, family: str) -> float:
        s = self.settings
        return self._exact_weight(self._tables.family_counts[family], s.family_default_frequency, s.family_exact_range)

    def _exact_weight(self, count: int, default: float, bounds: tuple[float, float]) -> float:
        """log2(agreement / frequency) for a name counted ``count`` times: a common name agreeing
        says less than a rare one. The frequency is smoothed towards ``default``, so that an index
        of a few people does not take every name for a common one."""
        s = self.settings
        frequency = (count + s.frequency_smoothing * default) / (len(self) + s.frequency_smoothing)
        low, high = bounds
        return min(max(math.log2(s.name_agreement / frequency), low), high)
