"""The decision page's "Do we already know this family?" section, for front door staff alone
(``Permission.FIND_FAMILIES``): the household the referral is part of, each family matching
proposes and why, and the flag for a family referred again with its other open cases, so the
worker can merge rather than duplicate. Built here; its forms post to ``links``.

Matching proposes; the worker decides. Nothing here changes a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from triage.audit import UnknownDecision
from triage.cases.history import CaseHistory, UnreadableDecision
from triage.households.people import people_of
from triage.households.records import Match, PersonMatch
from triage.rulebook import Policy
from triage.services import Services
from triage.web import words


@dataclass(frozen=True)
class CaseLine:
    """One of a family's referrals, as a line in a list: when, where it went, open or closed."""

    decision_id: str
    referred_on: str  # "20 November 2026"
    team: str
    open: bool


@dataclass(frozen=True)
class Proposed:
    """A match as the page shows it; ``number`` names its form fields (note-1, reason-1)."""

    number: int
    target: str
    heading: str  # "Possible match: the Smith household, 2 earlier referrals, 1 open case"
    strength: str
    reasons: tuple[str, ...]
    people: tuple[str, ...]  # "Jayden Smith may be Jayden Smith (born 2 March 2014): same NHS number"
    cases: tuple[CaseLine, ...]


@dataclass(frozen=True)
class Section:
    """What the section shows for one referral."""

    household_id: str | None  # the household it is part of, if linked
    household_name: str  # "the Smith household"
    identified: bool  # the referral gives a name, a date of birth or a number for someone: matching can work
    flag: str | None  # "Referred 3 times in 12 months; last closed 14 August 2026: needs met"
    open_cases: tuple[CaseLine, ...]  # the household's other open cases
    matches: tuple[Proposed, ...]

    def field_for(self, target: str, field: str) -> str:
        """The id of a match's form field (for an error summary's link); the section itself when
        the match is no longer proposed (a colleague linked or rejected it meanwhile)."""
        if field == "unlink":
            return "unlink" if self.household_id else "family"
        number = next((m.number for m in self.matches if m.target == target), None)
        return f"{field}-{number}" if number is not None else "family"


def section(shared: Services, case: CaseHistory, today: date) -> Section:
    """The section for ``case``'s referral, as the front door sees it ``today``."""
    households, policy = shared.households, shared.front_door.in_force_today.policy
    decision_id = case.decision.decision_id
    household_id = households.household_of(decision_id)
    family_name = households.household(household_id, today).family_name if household_id else None
    months = policy.rules.households.re_referral_months
    flagged = households.referred_before([decision_id], months).get(decision_id)
    zone = shared.front_door.library.zone
    return Section(
        household_id=household_id,
        household_name=words.household_name(family_name),
        identified=bool(people_of(decision_id, shared.cases.referral(case))),
        flag=words.re_referral(flagged, zone) if flagged else None,
        open_cases=tuple(_line(c, shared) for c in flagged.open_cases) if flagged else (),
        matches=tuple(_proposed(n, m, shared) for n, m in enumerate(households.matches(decision_id), start=1)),
    )


def merge_reason(shared: Services, case: CaseHistory, other_id: str) -> str:
    """The reason offered for closing ``case`` as a duplicate of another open case of its household
    ("Merged with the open case of 3 December 2026 (referral R-7)"); empty unless ``other_id`` is one."""
    households = shared.households
    household_id = households.household_of(case.decision.decision_id)
    if not other_id or other_id == case.decision.decision_id or household_id is None:
        return ""
    if households.household_of(other_id) != household_id:
        return ""
    try:
        other = shared.cases.history(other_id)
    except (UnknownDecision, UnreadableDecision):
        return ""
    referred = words.long_date(words.local_day(other.decision.decided_at, shared.front_door.library.zone))
    return f"Merged with the open case of {referred} (referral {other.decision.referral_id})"


def _proposed(number: int, match: Match, shared: Services) -> Proposed:
    earlier = words.count(len(match.cases), "earlier referral")
    still_open = words.count(len(match.open_cases), "open case") if match.open_cases else "no open case"
    return Proposed(
        number=number,
        target=match.target,
        heading=f"Possible match: {words.household_name(match.family_name)}, {earlier}, {still_open}",
        strength=words.STRENGTH[match.strength],
        reasons=match.reasons,
        people=tuple(_person(p) for p in match.people),
        cases=tuple(_line(c, shared) for c in match.cases),
    )


def _person(match: PersonMatch) -> str:
    born = f" (born {words.long_date(match.earlier_date_of_birth)})" if match.earlier_date_of_birth else ""
    return f"{match.incoming} may be {match.earlier}{born}: {', '.join(match.reasons)}"


def _line(case: CaseHistory, shared: Services) -> CaseLine:
    policy: Policy = shared.front_door.in_force_today.policy
    return CaseLine(
        decision_id=case.decision.decision_id,
        referred_on=words.long_date(words.local_day(case.decision.decided_at, shared.front_door.library.zone)),
        team=words.team(case, policy),
        open=case.closed is None,
    )
