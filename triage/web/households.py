"""A household's page (front door staff only): its people with their ages today, where it lives,
everything the front door has done with it (referrals, route changes, links, closings) and who
referred it, so a team taking the family on has it in one place. Printable on A4 (the print
stylesheet, ``static/triage/print.css``, leaves out the menus and forms).

An id a household was merged from leads to the household it joined, so an id written on a case
file still works."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from triage.households.links import UnknownHousehold
from triage.households.people import Person
from triage.households.records import Entry, HouseholdRecord
from triage.rulebook import Policy
from triage.services import Shared
from triage.web import words
from triage.web.deps import FamilyFinder
from triage.web.rendering import page

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Event:
    """One line of the timeline: when, what happened, and what the record says about it."""

    when: str
    what: str
    details: tuple[str, ...]
    decision_id: str
    evidence: tuple[str, ...] = ()  # for a link: what matching showed the worker who made it


@router.get("/households/{household_id}")
def household_page(request: Request, household_id: str, shared: Shared, user: FamilyFinder) -> Response:
    """The household as it stands; an id it was merged from (or typed in lower case) redirects."""
    today = shared.front_door.library.today(datetime.now(UTC))
    try:
        record = shared.households.household(household_id, today)
    except UnknownHousehold:
        raise HTTPException(404, "There is no household with this ID. Check it was copied correctly.") from None
    if record.household_id != household_id:
        return RedirectResponse(f"/households/{record.household_id}", status_code=303)
    policy, zone = shared.front_door.in_force_today.policy, shared.front_door.library.zone
    name = words.household_name(record.family_name)
    return page(
        request,
        shared,
        "household.html.j2",
        words.sentence(name),
        user=user,
        household=record,
        heading=words.sentence(name),
        people=[_person(p, policy) for p in (*record.people, *record.unnamed)],
        timeline=[_event(e, policy, zone) for e in record.timeline],
        contacts=_contacts(record, policy),
        printed=words.long_date(today),
    )


def _person(person: Person, policy: Policy) -> dict[str, str]:
    roles = policy.rules.wording.roles
    return {
        "name": person.name or "No name given",
        "also": ", ".join(person.other_names),
        "role": roles.get(person.role, person.role),
        "age": "Not known" if person.age_today is None else words.count(person.age_today, "year") + " old",
        "born": words.long_date(person.date_of_birth) or "Not given",
        "nhs_number": words.nhs_number(person.nhs_number) or "Not given",
    }


def _event(entry: Entry, policy: Policy, zone: ZoneInfo) -> Event:
    """A timeline line in the worker's words (the referral id as a detail, never the label)."""
    case, when = entry.case, words.moment(entry.recorded_at, zone)
    services = {s.id: s.name for s in policy.catalogue.services}
    if entry.override is not None:
        o = entry.override
        moved = f"From {services.get(o.previous_route, o.previous_route)} to {words.route(o.route, o.locality, policy)}"
        return Event(when, "Route changed", (moved, f"By {o.by}: {o.reason}"), entry.decision_id)
    if entry.closing is not None:
        return Event(when, "Case closed", (f"By {entry.closing.by}: {entry.closing.reason}",), entry.decision_id)
    if entry.link is not None:
        link = entry.link
        said = (f"By {link.by}", *([f"Note: {link.reason}"] if link.reason else []))
        evidence = tuple(words.sentence(e) for e in link.evidence)
        return Event(when, "Linked to this household", said, entry.decision_id, evidence)
    decision = case.decision
    details = [
        f"Decided: {words.route(decision.route, decision.locality, policy)}",
        f"Priority: {words.priority(decision.priority, policy)}",
        f"Referral reference: {decision.referral_id}",
    ]
    return Event(when, "Referred", tuple(details), entry.decision_id)


def _contacts(record: HouseholdRecord, policy: Policy) -> list[dict[str, str]]:
    agencies = {a.id: a.name for a in policy.catalogue.partner_agencies}
    return [
        {
            "received": words.long_date(c.received_on),
            "agency": agencies.get(c.agency, c.agency),
            "name": c.name or "Not given",
            "role": c.role or "Not given",
            "email": c.email or "",
            "phone": c.phone or "",
        }
        for c in record.contacts
    ]
