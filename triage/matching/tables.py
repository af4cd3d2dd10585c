"""The lookups an index keeps: records by blocking key, name words, and how common each name is.

Blocking is what makes matching fast: an incoming person is compared only with people who share
at least one key with them (a number, a date of birth or its day/month swap, how their names
sound, a postcode), never with everyone. Keys are strings with a short prefix saying what they are.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from triage.matching.names import phonetic
from triage.matching.prepared import Prepared
from triage.matching.variants import NameVariants

__all__ = ["Tables", "block_keys"]


def _name_keys(given: str, family: str, variants: NameVariants) -> Iterator[str]:
    """How a first and family name sound, once for each full name the first name may stand for."""
    if given and family:
        family_sound = phonetic(family)
        for full in variants.full_names(given):
            yield f"ng:{family_sound}|{phonetic(full)}"


def block_keys(p: Prepared, variants: NameVariants, query: bool = False) -> Iterator[str]:
    """The blocking keys of a record. An incoming person (``query``) also looks under the
    swapped date of birth and under its names the other way round."""
    if p.nhs:
        yield f"n:{p.nhs}"
    if p.upn:
        yield f"u:{p.upn}"
    dob = p.record.date_of_birth
    if dob is not None:
        yield f"d:{dob.isoformat()}"
        if query and dob.day <= 12 and dob.day != dob.month:
            yield f"d:{dob.replace(month=dob.day, day=dob.month).isoformat()}"
    yield from _name_keys(p.first, p.family, variants)
    if query:
        yield from _name_keys(p.family, p.first, variants)
    if p.postcode:
        yield f"p:{p.postcode}"


def _search_keys(p: Prepared) -> Iterator[str]:
    """Keys only search uses: the district, the referral and the household."""
    if p.district:
        yield f"pd:{p.district}"
    if p.record.referral_id:
        yield f"r:{p.record.referral_id}"
    if p.record.household_id:
        yield f"h:{p.record.household_id}"


class Tables:
    """Records by position, positions by key and by name word, and name counts."""

    def __init__(self, variants: NameVariants) -> None:
        self.variants = variants
        self.records: list[Prepared] = []
        self.keys: defaultdict[str, list[int]] = defaultdict(list)
        self.words: defaultdict[str, list[int]] = defaultdict(list)  # each name word -> records
        self.word_forms: defaultdict[str, set[str]] = defaultdict(set)  # full name -> words standing for it
        self.given_counts: Counter[str] = Counter()
        self.family_counts: Counter[str] = Counter()
        self._vocabulary: list[str] | None = None

    def add(self, p: Prepared) -> None:
        """Index one prepared record."""
        position = len(self.records)
        self.records.append(p)
        for key in (*block_keys(p, self.variants), *_search_keys(p)):
            self.keys[key].append(position)
        for word in {*p.given, *p.family_parts, p.family}:
            if word:
                if word not in self.words:
                    self._vocabulary = None
                    for full in self.variants.full_names(word):
                        self.word_forms[full].add(word)
                self.words[word].append(position)
        if p.first:
            self.given_counts[p.first] += 1
        if p.family:
            self.family_counts[p.family] += 1

    def vocabulary(self) -> list[str]:
        """Every name word indexed, for fuzzy search (rebuilt after new words are added)."""
        if self._vocabulary is None:
            self._vocabulary = list(self.words)
        return self._vocabulary
