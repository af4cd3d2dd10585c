"""Words the family pages share, as the GOV.UK style guide writes them: dates ("14 August 2026"),
times ("10:20am"), counts ("2 earlier referrals"), how strong a match is, a household by its
family's name, and the flag for a family referred again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from triage.cases.history import CaseHistory
from triage.households.records import ReReferral
from triage.matching import Strength
from triage.rulebook import Policy

# how sure matching is that a family is one the front door knows, in plain words
STRENGTH: Mapping[Strength, str] = {
    Strength.EXACT_IDENTIFIER: "Very likely the same family: someone has the same NHS number or unique pupil number",
    Strength.LIKELY: "Likely the same family: names and dates of birth agree",
    Strength.POSSIBLE: "Possibly the same family: some details agree, so check the others before you confirm",
}


def long_date(day: date | None) -> str:
    """A date as people write it: "14 August 2026" (no leading zero, the month in full)."""
    return "" if day is None else f"{day.day} {day:%B %Y}"


def local_day(recorded_at: str | datetime, zone: ZoneInfo) -> date:
    """The day something was recorded (an ISO timestamp in UTC), in the city's time zone."""
    at = datetime.fromisoformat(recorded_at) if isinstance(recorded_at, str) else recorded_at
    return at.astimezone(zone).date()


def moment(recorded_at: str, zone: ZoneInfo) -> str:
    """When something was recorded (an ISO timestamp), in the city's time: "20 November 2026, 10:20am"."""
    at = datetime.fromisoformat(recorded_at).astimezone(zone)
    clock = f"{at:%I:%M}".lstrip("0") + ("am" if at.hour < 12 else "pm")
    return f"{long_date(at.date())}, {clock}"


def count(n: int, one: str, many: str | None = None) -> str:
    """ "1 earlier referral", "2 earlier referrals"."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def sentence(text: str) -> str:
    """Text with its first letter a capital, the rest as it was ("Same NHS number")."""
    return text[:1].upper() + text[1:]


def household_name(family_name: str | None) -> str:
    """A household as the front door says it: "the Smith household" (or, with no name given, "a household")."""
    return f"the {family_name} household" if family_name else "a household with no names given"


def nhs_number(digits: str | None) -> str:
    """An NHS number as it is printed on NHS letters: "943 476 5919"."""
    if digits is None or len(digits) != 10:
        return digits or ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def times_referred(flag: ReReferral) -> str | None:
    """ "Referred 3 times in 12 months", when the household was referred more than once in the window."""
    if flag.referrals < 2:
        return None
    return f"Referred {flag.referrals} times in {count(flag.months, 'month')}"


def re_referral(flag: ReReferral, zone: ZoneInfo) -> str | None:
    """The decision page's flag: "Referred 3 times in 12 months; last closed 14 August 2026: needs met"."""
    said = times_referred(flag)
    if said is None:
        return None
    if flag.last_closed is not None:
        closed_on = local_day(flag.last_closed.recorded_at, zone)
        said += f"; last closed {long_date(closed_on)}: {flag.last_closed.reason}"
    return said


def team(case: CaseHistory, policy: Policy) -> str:
    """Where a case stands now (after any override), by the catalogue's names."""
    locality = case.overrides[-1].locality if case.overrides else case.decision.locality
    return route(case.current_route, locality, policy)


def route(route_id: str, locality: str | None, policy: Policy) -> str:
    """A route by the catalogue's names: "Multi-Agency Support Team (MAST) – MAST North"."""
    services = {s.id: s.name for s in policy.catalogue.services}
    localities = {loc.id: loc.name for loc in policy.catalogue.localities}
    said = services.get(route_id, route_id)
    return f"{said} – {localities.get(locality, locality)}" if locality else said


def priority(priority_id: str, policy: Policy) -> str:
    """A priority by its label: "High"."""
    return next((p.label for p in policy.rules.priorities if p.id == priority_id), priority_id)
