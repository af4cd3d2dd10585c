"""The people a recorded referral names: as matching reads them, and as front door staff see them.

The referral is read as it was stored (its raw JSON): the contract checked it on arrival, and a
field a later version added is simply absent from an older one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from triage.matching import PersonRecord
from triage.naming import members_of

_IDENTITY = ("given_name", "family_name", "date_of_birth", "nhs_number", "upn")


def people_of(decision_id: str, referral: Mapping[str, Any] | None) -> list[PersonRecord]:
    """The people of one referral who can be matched (those with a name, a date of birth or a
    number: a member known only by role and age matches nobody). Each is keyed by its decision,
    ``household_id`` included, so matches are grouped by the referral they were recorded on."""
    household = (referral or {}).get("household") or {}
    referral_id = (referral or {}).get("referral_id")
    people = []
    for member in members_of(referral):
        if not any(member.get(name) for name in _IDENTITY):
            continue
        people.append(
            PersonRecord(
                person_id=person_key(decision_id, str(member.get("id"))),
                household_id=decision_id,
                given_name=_text(member.get("given_name")),
                family_name=_text(member.get("family_name")),
                date_of_birth=birth_date(member),
                sex=_text(member.get("sex")),
                nhs_number=_text(member.get("nhs_number")),
                upn=_text(member.get("upn")),
                postcode=_text(household.get("postcode")),
                address_line_1=_text(household.get("address_line_1")),
                referral_id=referral_id if isinstance(referral_id, str) else None,
            )
        )
    return people


def person_key(decision_id: str, member_id: str) -> str:
    """A person as one referral recorded them: its decision and the member's id there."""
    return f"{decision_id}/{member_id}"


def decision_of(person_key: str) -> str:
    """The decision a person key belongs to."""
    return person_key.split("/", 1)[0]


def birth_date(member: Mapping[str, Any]) -> date | None:
    """A member's date of birth, if the referral gave one (stored as YYYY-MM-DD)."""
    value = member.get("date_of_birth")
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Person:
    """A person as the front door reads them: a name (or, when the referral gave none, their role
    and age), a date of birth and an age today where known, and the numbers that identify them."""

    key: str  # person_key: the referral and member they were recorded as
    name: str | None
    role: str
    age_today: int | None
    age_when_referred: int | None
    date_of_birth: date | None
    nhs_number: str | None
    upn: str | None
    other_names: tuple[str, ...] = ()  # the names other referrals recorded them by (a misspelling, a new surname)

    @classmethod
    def of(cls, decision_id: str, member: Mapping[str, Any], referred_on: date, today: date) -> Person:
        """A member of the referral decided as ``decision_id`` on ``referred_on``, seen ``today``."""
        born = birth_date(member)
        age = member.get("age") if isinstance(member.get("age"), int) else None
        if born is not None:
            age_today: int | None = years_between(born, today)
        else:  # no date of birth: the age given then, plus the whole years since
            age_today = None if age is None else age + years_between(referred_on, today)
        return cls(
            key=person_key(decision_id, str(member.get("id"))),
            name=full_name(member),
            role=str(member.get("role", "")),
            age_today=age_today,
            age_when_referred=age,
            date_of_birth=born,
            nhs_number=_text(member.get("nhs_number")),
            upn=_text(member.get("upn")),
        )


def full_name(member: Mapping[str, Any]) -> str | None:
    """A member's name as written (given name, then family name), if either was given."""
    return name_of(_text(member.get("given_name")), _text(member.get("family_name")))


def name_of(given: str | None, family: str | None) -> str | None:
    """A name as written: given name, then family name, whichever were given."""
    return " ".join(part for part in (given, family) if part) or None


def most_given(names: Iterable[str | None]) -> str | None:
    """The name given most often (a family's surname across its people: one misspelling does not
    rename the family); on a tie, the first given."""
    counted = Counter(name.strip() for name in names if isinstance(name, str) and name.strip())
    return counted.most_common(1)[0][0] if counted else None


def years_between(earlier: date, later: date) -> int:
    """Whole years from one date to another (an age): a birthday not yet reached this year does not count."""
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
