"""Front door search: one box that takes a name, a date of birth, a postcode or a number.

A query may hold several of these ("Mohammed Khan 2/3/2014", "Khan S5"): each part narrows the
people found. An NHS number or UPN (valid ones only), a referral id or a household id typed in
full find their people at once. Names are matched fuzzily word by word (rapidfuzz's Jaro-Winkler
over the words indexed, plus nicknames), so the words may come in any order and with a slip.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Final

from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from triage.identifiers import normalise_nhs_number, normalise_upn, valid_nhs_number, valid_upn
from triage.matching.dates import parse_date, swapped
from triage.matching.names import normalise_name
from triage.matching.prepared import normalise_postcode
from triage.matching.records import SearchHit
from triage.matching.settings import MatchSettings
from triage.matching.tables import Tables

__all__ = ["Query", "parse_query", "search"]

_NHS: Final = re.compile(r"(?<![0-9])[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}(?![0-9])")
_UPN: Final = re.compile(r"\b[A-Za-z][0-9]{11}[0-9A-Za-z]\b")
_DATES: Final = (
    re.compile(r"\b[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\b"),
    re.compile(r"\b[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}\b"),
    re.compile(r"\b[0-9]{1,2} [A-Za-z]{3,9} [0-9]{4}\b"),
)
_POSTCODE: Final = re.compile(r"\b[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}\b")
_DISTRICT: Final = re.compile(r"\b[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\b")
_VARIANT: Final = 0.95  # how alike a nickname or another spelling counts
_INITIAL: Final = 0.9  # how alike an initial counts against a name starting with it
_SWAPPED_DATE: Final = 0.9  # a date of birth found only with day and month swapped
_Pool = dict[int, tuple[float, tuple[str, ...]]]  # record -> (factor, reasons) of the parts it meets


@dataclass(frozen=True, slots=True)
class Query:
    """What a search box's text was understood to hold."""

    nhs: str | None = None
    upn: str | None = None
    dob: date | None = None
    postcode: str | None = None
    district: str | None = None
    words: tuple[str, ...] = ()  # name words, normalised


def parse_query(text: str) -> Query:
    """Split a query into its parts: numbers first, then dates, then postcodes, then names."""
    rest = text
    nhs = upn = None
    if (found := _NHS.search(rest)) and valid_nhs_number(found[0]):
        nhs, rest = normalise_nhs_number(found[0]), rest.replace(found[0], " ")
    if (found := _UPN.search(rest)) and valid_upn(found[0]):
        upn, rest = normalise_upn(found[0]), rest.replace(found[0], " ")
    dob = None
    for shape in _DATES:
        if (found := shape.search(rest)) and (dob := parse_date(found[0])):
            rest = rest.replace(found[0], " ")
            break
    postcode = district = None
    if found := _POSTCODE.search(rest):
        postcode, district = normalise_postcode(found[0])
        rest = rest.replace(found[0], " ")
    elif found := _DISTRICT.search(rest):
        _, district = normalise_postcode(found[0])
        rest = rest.replace(found[0], " ")
    return Query(nhs, upn, dob, postcode, district, tuple(normalise_name(rest).split()))


def search(tables: Tables, text: str, settings: MatchSettings) -> list[SearchHit]:
    """The people a query finds, best first, at most ``settings.search_limit``."""
    text = text.strip()
    if not text:
        return []
    found: _Pool = {}
    for key, reason in ((f"r:{text}", "referral id"), (f"h:{text}", "household id")):
        _add(found, tables.keys.get(key, ()), 1.0, (reason,))
    if found:
        return _ranked(tables, found, settings)
    query = parse_query(text)
    if query.nhs:
        _add(found, tables.keys.get(f"n:{query.nhs}", ()), 1.0, ("same NHS number",))
    if query.upn:
        _add(found, tables.keys.get(f"u:{query.upn}", ()), 1.0, ("same UPN",))
    pool = _filtered(tables, query)
    if query.words:
        _by_name(found, tables, query.words, pool, settings)
    elif pool is not None:
        for position, (factor, reasons) in pool.items():
            _add(found, (position,), factor, reasons)
    return _ranked(tables, found, settings)


def _filtered(tables: Tables, query: Query) -> _Pool | None:
    """Records meeting every date and postcode part (with a factor and reasons), or None if the
    query has no such part."""
    parts: list[_Pool] = []
    if query.dob:
        found: _Pool = {p: (1.0, ("date of birth",)) for p in tables.keys.get(f"d:{query.dob.isoformat()}", ())}
        if (other := swapped(query.dob)) is not None:
            for p in tables.keys.get(f"d:{other.isoformat()}", ()):
                found.setdefault(p, (_SWAPPED_DATE, ("date of birth with day and month swapped",)))
        parts.append(found)
    if query.postcode:
        parts.append({p: (1.0, ("postcode",)) for p in tables.keys.get(f"p:{query.postcode}", ())})
    elif query.district:
        parts.append({p: (1.0, ("postcode district",)) for p in tables.keys.get(f"pd:{query.district}", ())})
    if not parts:
        return None
    pool = parts[0]
    for part in parts[1:]:
        pool = {p: (f * part[p][0], r + part[p][1]) for p, (f, r) in pool.items() if p in part}
    return pool


def _word_scores(tables: Tables, word: str, settings: MatchSettings) -> dict[str, float]:
    """Indexed name words like ``word``: by spelling (Jaro-Winkler) or as a nickname or other spelling."""
    found = process.extract(
        word,
        tables.vocabulary(),
        scorer=JaroWinkler.normalized_similarity,
        score_cutoff=settings.search_name_similarity,
        limit=None,
    )
    scores = {choice: score for choice, score, _ in found}
    for full in tables.variants.full_names(word):
        for form in tables.word_forms.get(full, ()):
            scores[form] = max(scores.get(form, 0.0), _VARIANT)
    return scores


def _by_name(found: _Pool, tables: Tables, words: tuple[str, ...], pool: _Pool | None, settings: MatchSettings) -> None:
    """Records whose name words are like every query word (within ``pool`` when given)."""
    full_words = [w for w in words if len(w) > 1]
    if not full_words and pool is None:
        return  # initials alone find nobody
    # each full word's best likeness per record, gathered word form by word form (a common
    # surname has thousands of records, so nothing here looks at a record more than once a form)
    per_word: list[dict[int, float]] = []
    for word in full_words:
        best: dict[int, float] = {}
        for form, likeness in _word_scores(tables, word, settings).items():
            for position in tables.words[form]:
                if likeness > best.get(position, 0.0):
                    best[position] = likeness
        per_word.append(best)
    if pool is None and len(words) == 1:  # one name alone (often a common surname): nothing to combine
        for position, likeness in per_word[0].items():
            found.setdefault(position, (likeness, _name_reason(likeness)))
        return
    positions = set(pool) if pool is not None else set(per_word[0])
    for best in per_word:
        positions.intersection_update(best)
    initials = [w for w in words if len(w) == 1]
    parts = len(per_word) + len(initials)
    for position in positions:
        record = tables.records[position]
        if initials and not all(any(t.startswith(i) for t in (*record.given, *record.family_parts)) for i in initials):
            continue
        likeness = (sum(best[position] for best in per_word) + _INITIAL * len(initials)) / parts
        name = _name_reason(likeness)
        if pool is None:
            _add(found, (position,), likeness, name)
        else:
            factor, reasons = pool[position]
            _add(found, (position,), likeness * factor, (*name, *reasons))


@lru_cache(maxsize=1024)
def _name_reason(likeness: float) -> tuple[str]:
    """What a name's likeness says (cached: thousands of hits share a few likenesses)."""
    return ("name matches" if likeness == 1.0 else f"name {int(likeness * 100)}% similar",)


def _add(found: _Pool, positions: Iterable[int], score: float, reasons: tuple[str, ...]) -> None:
    """Keep each record's best score."""
    for position in positions:
        held = found.get(position)
        if held is None or score > held[0]:
            found[position] = (score, reasons)


def _ranked(tables: Tables, found: _Pool, settings: MatchSettings) -> list[SearchHit]:
    """Best first, each person once (by their best record); equal scores by family name, first
    name and id, so the order is stable. Only the first few are put in order (``heapq``): a
    common surname finds thousands."""
    records, limit = tables.records, settings.search_limit

    def order(position: int) -> tuple[float, tuple[str, str, str]]:
        return (-found[position][0], records[position].sort_key)

    wanted = 2 * limit
    while True:
        ordered = heapq.nsmallest(wanted, found, key=order)
        hits: list[SearchHit] = []
        seen: set[str] = set()
        for position in ordered:
            person = records[position].record
            if person.person_id not in seen:
                seen.add(person.person_id)
                hits.append(SearchHit(person=person, score=found[position][0], reasons=found[position][1]))
        if len(hits) >= limit or len(ordered) == len(found):
            return hits[:limit]
        wanted *= 4  # many records of the same people: look further
