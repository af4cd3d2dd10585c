"""A household's record, built from its referrals as stored and their histories in the audit log:
its people (each once, however many referrals named them), its history, who referred, where it lives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from triage.audit.events import AuditEvent
from triage.cases.history import CaseHistory
from triage.households.links import Link
from triage.households.people import Person, full_name, most_given, people_of, person_key
from triage.households.records import Contact, Entry, HouseholdRecord
from triage.matching import PeopleIndex, Strength
from triage.naming import members_of


@dataclass(frozen=True)
class Referred:
    """One of a household's referrals: its case as it stands, its events, and the referral as
    stored (None once retention erased it)."""

    case: CaseHistory
    events: list[AuditEvent]
    referral: Mapping[str, Any] | None

    @property
    def decision_id(self) -> str:
        return self.case.decision.decision_id

    @property
    def referred_on(self) -> date:
        return self.case.decision.decided_at.date()


def household_record(household_id: str, referred: list[Referred], today: date) -> HouseholdRecord:
    """The record of a household with these referrals (any order), as seen ``today``."""
    ordered = sorted(referred, key=lambda r: r.case.recorded_at)
    named, unnamed = _people(ordered, today)
    latest = next((r.referral for r in reversed(ordered) if r.referral is not None), None)
    return HouseholdRecord(
        household_id=household_id,
        people=named,
        unnamed=unnamed,
        cases=tuple(r.case for r in ordered),
        timeline=_timeline(ordered),
        contacts=tuple(c for r in reversed(ordered) if (c := _contact(r)) is not None),
        address=_address(latest),
        erased=sum(r.referral is None for r in ordered),
        family_name=_family_name(ordered),
    )


def _family_name(referred: list[Referred]) -> str | None:
    """The family name its referrals give most often, counting every member of every referral."""
    return most_given(member.get("family_name") for r in referred for member in members_of(r.referral))


def _timeline(referred: list[Referred]) -> tuple[Entry, ...]:
    entries: list[Entry] = []
    for r in referred:
        case = r.case
        entries.append(Entry(case.recorded_at, r.decision_id, case))
        entries += [Entry(o.recorded_at, r.decision_id, case, override=o) for o in case.overrides]
        if case.closed is not None:
            entries.append(Entry(case.closed.recorded_at, r.decision_id, case, closing=case.closed))
        entries += [Entry(e.recorded_at, r.decision_id, case, link=Link.of(e)) for e in r.events if e.kind == "linked"]
    return tuple(sorted(entries, key=lambda e: e.recorded_at))


def _people(referred: list[Referred], today: date) -> tuple[tuple[Person, ...], tuple[Person, ...]]:
    """Each person once: a referral's people are matched against the household's other referrals
    (a likely match or the same number is the same person), and shown as the latest referral
    recorded them, with the other names they were recorded by. Members with nothing to match by
    are listed as each referral gave them."""
    seen: dict[str, tuple[Referred, Mapping[str, Any]]] = {}
    unnamed: list[Person] = []
    for r in referred:
        for member in members_of(r.referral):
            key = person_key(r.decision_id, str(member.get("id")))
            seen[key] = (r, member)
    records = [p for r in referred for p in people_of(r.decision_id, r.referral)]
    index = PeopleIndex(records)
    same = _Clusters()
    for record in records:
        for candidate in index.candidates(record):
            if candidate.strength in (Strength.EXACT_IDENTIFIER, Strength.LIKELY):
                same.union(record.person_id, candidate.person.person_id)
    matchable = {record.person_id for record in records}
    named = []
    for cluster in same.groups(matchable):
        latest = max(cluster, key=lambda key: seen[key][0].case.recorded_at)
        r, member = seen[latest]
        person = Person.of(r.decision_id, member, r.referred_on, today)
        others = {name for key in cluster if (name := full_name(seen[key][1])) and name != person.name}
        named.append(replace(person, other_names=tuple(sorted(others))))
    for key, (r, member) in seen.items():
        if key not in matchable:
            unnamed.append(Person.of(r.decision_id, member, r.referred_on, today))
    return tuple(sorted(named, key=_eldest_first)), tuple(unnamed)


def _eldest_first(person: Person) -> tuple[int, str]:
    return (-(person.age_today if person.age_today is not None else -1), person.name or "")


class _Clusters:
    """People found to be the same, joined (union-find)."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self._parent.setdefault(key, key)
        while self._parent[key] != key:
            self._parent[key] = self._parent[self._parent[key]]
            key = self._parent[key]
        return key

    def union(self, a: str, b: str) -> None:
        self._parent[self.find(a)] = self.find(b)

    def groups(self, keys: set[str]) -> list[list[str]]:
        found: dict[str, list[str]] = {}
        for key in sorted(keys):
            found.setdefault(self.find(key), []).append(key)
        return list(found.values())


def _contact(r: Referred) -> Contact | None:
    referrer = (r.referral or {}).get("referrer")
    if not isinstance(referrer, Mapping):
        return None
    received = (r.referral or {}).get("received_at")
    return Contact(
        decision_id=r.decision_id,
        received_on=_day(received),
        agency=str(referrer.get("agency", "")),
        name=referrer.get("name"),
        role=referrer.get("role"),
        email=referrer.get("email"),
        phone=referrer.get("phone"),
    )


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _address(referral: Mapping[str, Any] | None) -> tuple[str, ...]:
    household = (referral or {}).get("household")
    if not isinstance(household, Mapping):
        return ()
    lines = (household.get(name) for name in ("address_line_1", "address_line_2", "town", "postcode"))
    return tuple(line for line in lines if isinstance(line, str) and line.strip())
