"""What the front door is shown about families: a match to confirm or reject, a household and its
history, a search result, and the flag for a family referred again. Shapes only; ``service``
builds them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from triage.cases.history import CaseHistory, Closing, Override
from triage.households.links import Link
from triage.households.people import Person, name_of
from triage.matching import PersonRecord, Strength


def display_name(person: PersonRecord) -> str | None:
    """A recorded person's name as written (given name, then family name), if either was given."""
    return name_of(person.given_name, person.family_name)


@dataclass(frozen=True)
class PersonMatch:
    """One person on the new referral, and the earlier person they may be, with why."""

    incoming: str  # their name on the new referral
    earlier: str  # the earlier person's name as recorded then
    earlier_date_of_birth: date | None
    strength: Strength
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """An earlier family the new referral may be: one household, or one earlier referral not yet
    linked to any. Confirming it links the referral with ``target``."""

    target: str  # the household id, or the earlier referral's decision id
    household_id: str | None
    family_name: str | None  # "the Smith household", from the people matched
    strength: Strength  # the strongest of its people's matches
    score: float
    people: tuple[PersonMatch, ...]
    reasons: tuple[str, ...]  # about the household as a whole ("2 of 3 people matched", a move)
    cases: tuple[CaseHistory, ...]  # its referrals, oldest first

    @property
    def open_cases(self) -> tuple[CaseHistory, ...]:
        return tuple(case for case in self.cases if case.closed is None)


@dataclass(frozen=True)
class ReReferral:
    """A household referred again: how often in the window (the ruleset's ``re_referral_months``)
    up to the referral in question, how the last closed case ended, and any other case still open."""

    household_id: str
    months: int
    referrals: int  # in the window, the referral in question included
    last_closed: Closing | None  # of the household's other cases
    open_cases: tuple[CaseHistory, ...]  # the household's other open cases

    @property
    def flagged(self) -> bool:
        """Referred more than once in the window, or another case still open."""
        return self.referrals > 1 or bool(self.open_cases)


@dataclass(frozen=True)
class Contact:
    """Who referred, for the team taking the family on: from one referral."""

    decision_id: str
    received_on: date | None
    agency: str
    name: str | None
    role: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class Entry:
    """One line of a household's history: a referral decided, its route changed, a link, a closing."""

    recorded_at: str
    decision_id: str
    case: CaseHistory
    override: Override | None = None
    closing: Closing | None = None
    link: Link | None = None

    @property
    def kind(self) -> str:
        """What happened: "referral", "override", "closed" or "linked"."""
        if self.override is not None:
            return "override"
        if self.closing is not None:
            return "closed"
        return "linked" if self.link is not None else "referral"


@dataclass(frozen=True)
class HouseholdRecord:
    """A household as its page and the API show it."""

    household_id: str
    people: tuple[Person, ...]  # each person once (matched across referrals), names and ages today
    unnamed: tuple[Person, ...]  # members a referral gave no name, date of birth or number for
    cases: tuple[CaseHistory, ...]  # its referrals, oldest first
    timeline: tuple[Entry, ...]  # everything done, oldest first
    contacts: tuple[Contact, ...]  # the referrers, latest first
    address: tuple[str, ...]  # the latest address given: lines, town, postcode
    erased: int  # referrals whose details retention has erased
    family_name: str | None = None  # the one its referrals give most ("the Smith household"); None if none


@dataclass(frozen=True)
class Found:
    """A search result: a person (or, for a referral found by its id, the referral alone)."""

    decision_id: str
    household_id: str | None
    name: str | None
    date_of_birth: date | None
    postcode: str | None
    referred_on: date
    open: bool
    score: float
    reasons: tuple[str, ...]
