"""What the API sends and accepts about families (``routes/households.py``): search results, a
household's record, the matches proposed for a referral, and a link confirmed or rejected.

Built from the households service's shapes (``triage.households.records``) by the ``of`` methods,
so the routes stay short and every field is declared here, where the OpenAPI document reads it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from triage.api.schemas import ClosedRecord, OverrideRecord
from triage.cases import REASON_LIMIT
from triage.cases.history import CaseHistory
from triage.cases.teams import team_of
from triage.characters import FREE_TEXT, ONE_LINE
from triage.households.links import Link, Rejection, Unlinking
from triage.households.people import Person, decision_of
from triage.households.records import Contact, Entry, Found, HouseholdRecord, Match, PersonMatch, ReReferral
from triage.matching import Strength


class SearchHit(BaseModel):
    """A person found (or, for a referral found by its id, the referral alone: no name)."""

    decision_id: str
    household_id: str | None = Field(description="The household the referral is linked into, if any.")
    name: str | None
    date_of_birth: date | None
    postcode: str | None
    referred_on: date
    open: bool = Field(description="The referral's case is still open (not closed by the front door).")
    score: float
    reasons: list[str]

    @classmethod
    def of(cls, found: Found) -> SearchHit:
        return cls(
            decision_id=found.decision_id,
            household_id=found.household_id,
            name=found.name,
            date_of_birth=found.date_of_birth,
            postcode=found.postcode,
            referred_on=found.referred_on,
            open=found.open,
            score=found.score,
            reasons=list(found.reasons),
        )


class SearchResults(BaseModel):
    items: list[SearchHit] = Field(description="Best first.")


class CaseOut(BaseModel):
    """One referral of a family, as it stands: its route now, priority and team, open or closed."""

    decision_id: str
    referral_id: str
    decided_at: str
    route: str = Field(description="The route as it stands now (the latest override's, else the decision's).")
    priority: str
    team: str = Field(description="The team it stands with now (`mast/east`, `bsf`, ...).")
    open: bool

    @classmethod
    def of(cls, case: CaseHistory) -> CaseOut:
        return cls(
            decision_id=case.decision.decision_id,
            referral_id=case.decision.referral_id,
            decided_at=case.decision.decided_at.isoformat(),
            route=case.current_route,
            priority=case.decision.priority,
            team=case.current_team,
            open=case.closed is None,
        )


class PersonOut(BaseModel):
    """A person of a household: named as the latest referral recorded them, with their age today."""

    decision_id: str = Field(description="The referral that last recorded them.")
    name: str | None
    role: str
    age_today: int | None
    age_when_referred: int | None
    date_of_birth: date | None
    nhs_number: str | None
    upn: str | None

    @classmethod
    def of(cls, person: Person) -> PersonOut:
        return cls(
            decision_id=decision_of(person.key),
            name=person.name,
            role=person.role,
            age_today=person.age_today,
            age_when_referred=person.age_when_referred,
            date_of_birth=person.date_of_birth,
            nhs_number=person.nhs_number,
            upn=person.upn,
        )


class ReferralEntry(BaseModel):
    kind: Literal["referral"] = "referral"
    recorded_at: str
    decision_id: str
    referral_id: str
    route: str = Field(description="The route decided (later overrides are their own entries).")
    priority: str
    team: str
    respond_by: date


class OverrideEntry(OverrideRecord):
    kind: Literal["override"] = "override"


class ClosedEntry(ClosedRecord):
    kind: Literal["closed"] = "closed"


class LinkEntry(BaseModel):
    """A referral linked into the household: who confirmed it, and the evidence they were shown."""

    kind: Literal["linked"] = "linked"
    seq: int
    recorded_at: str
    decision_id: str
    household_id: str
    linked_with: str = Field(description="What it was linked with: an earlier decision's id, or a household id.")
    joined: list[str] = Field(description="Households merged into this one by the link (their ids lead here).")
    evidence: list[str] = Field(description="The match's reasons as shown; empty for a link matching did not propose.")
    reason: str
    by: str

    @classmethod
    def of(cls, link: Link) -> LinkEntry:
        return cls(
            seq=link.seq,
            recorded_at=link.recorded_at,
            decision_id=link.decision_id,
            household_id=link.household_id,
            linked_with=link.with_,
            joined=list(link.joined),
            evidence=list(link.evidence),
            reason=link.reason,
            by=link.by,
        )


TimelineEntry = Annotated[ReferralEntry | OverrideEntry | ClosedEntry | LinkEntry, Field(discriminator="kind")]


def timeline_entry(entry: Entry) -> ReferralEntry | OverrideEntry | ClosedEntry | LinkEntry:
    """One line of a household's history, as the API shows it."""
    if entry.override is not None:
        return OverrideEntry(**OverrideRecord.of(entry.override).model_dump())
    if entry.closing is not None:
        return ClosedEntry(**ClosedRecord.of(entry.closing).model_dump())
    if entry.link is not None:
        return LinkEntry.of(entry.link)
    decision = entry.case.decision
    return ReferralEntry(
        recorded_at=entry.recorded_at,
        decision_id=decision.decision_id,
        referral_id=decision.referral_id,
        route=decision.route,
        priority=decision.priority,
        team=team_of(decision.route, decision.locality),
        respond_by=decision.respond_by,
    )


class ContactOut(BaseModel):
    """Who referred, from one referral."""

    decision_id: str
    received_on: date | None
    agency: str
    name: str | None
    role: str | None
    email: str | None
    phone: str | None

    @classmethod
    def of(cls, contact: Contact) -> ContactOut:
        return cls(
            decision_id=contact.decision_id,
            received_on=contact.received_on,
            agency=contact.agency,
            name=contact.name,
            role=contact.role,
            email=contact.email,
            phone=contact.phone,
        )


class HouseholdOut(BaseModel):
    """A household's record: its people, its referrals and everything done with them, who referred."""

    household_id: str = Field(description="The household's id now (an id merged into another leads here).")
    requested_id: str = Field(description="The id asked for.")
    merged: bool = Field(description="The id asked for was merged into this household (`household_id`).")
    people: list[PersonOut] = Field(description="Each person once, however many referrals named them; eldest first.")
    unnamed: list[PersonOut] = Field(description="Members a referral gave no name, date of birth or number for.")
    cases: list[CaseOut] = Field(description="Its referrals, oldest first.")
    timeline: list[TimelineEntry] = Field(description="Referrals, overrides, closings and links, oldest first.")
    contacts: list[ContactOut] = Field(description="The referrers, latest first.")
    address: list[str] = Field(description="The latest address given: lines, town, postcode.")
    erased: int = Field(description="Referrals whose details retention has erased.")

    @classmethod
    def of(cls, record: HouseholdRecord, requested_id: str) -> HouseholdOut:
        return cls(
            household_id=record.household_id,
            requested_id=requested_id,
            merged=requested_id.strip().upper() != record.household_id,
            people=[PersonOut.of(p) for p in record.people],
            unnamed=[PersonOut.of(p) for p in record.unnamed],
            cases=[CaseOut.of(c) for c in record.cases],
            timeline=[timeline_entry(e) for e in record.timeline],
            contacts=[ContactOut.of(c) for c in record.contacts],
            address=list(record.address),
            erased=record.erased,
        )


class PersonMatchOut(BaseModel):
    """One person of the referral, and the earlier person they may be, with why."""

    incoming: str
    earlier: str
    earlier_date_of_birth: date | None
    strength: Strength
    score: float
    reasons: list[str]

    @classmethod
    def of(cls, match: PersonMatch) -> PersonMatchOut:
        return cls(
            incoming=match.incoming,
            earlier=match.earlier,
            earlier_date_of_birth=match.earlier_date_of_birth,
            strength=match.strength,
            score=match.score,
            reasons=list(match.reasons),
        )


class MatchOut(BaseModel):
    """An earlier family the referral may be: confirm it by linking with ``target``."""

    target: str = Field(description="What to link with: the household's id, or the earlier referral's decision id.")
    household_id: str | None
    family_name: str | None
    strength: Strength
    score: float
    people: list[PersonMatchOut]
    reasons: list[str] = Field(description='About the family as a whole ("2 of 3 people matched", a move).')
    referrals: int = Field(description="The family's referrals.")
    open_cases: list[CaseOut]

    @classmethod
    def of(cls, match: Match) -> MatchOut:
        return cls(
            target=match.target,
            household_id=match.household_id,
            family_name=match.family_name,
            strength=match.strength,
            score=match.score,
            people=[PersonMatchOut.of(p) for p in match.people],
            reasons=list(match.reasons),
            referrals=len(match.cases),
            open_cases=[CaseOut.of(c) for c in match.open_cases],
        )


class ReReferralOut(BaseModel):
    """The family referred before: how often in the window, how its last other case closed, and
    any other case still open."""

    household_id: str
    months: int = Field(description="The window (`households.re_referral_months` of the ruleset in force today).")
    referrals: int = Field(description="In the window up to this referral, this one included.")
    flagged: bool = Field(description="Referred more than once in the window, or another case still open.")
    last_closed: ClosedRecord | None
    open_cases: list[CaseOut]

    @classmethod
    def of(cls, flag: ReReferral) -> ReReferralOut:
        return cls(
            household_id=flag.household_id,
            months=flag.months,
            referrals=flag.referrals,
            flagged=flag.flagged,
            last_closed=ClosedRecord.of(flag.last_closed) if flag.last_closed else None,
            open_cases=[CaseOut.of(c) for c in flag.open_cases],
        )


class Matches(BaseModel):
    """The families a referral may already be known as, strongest first, and what is known of it."""

    decision_id: str
    household_id: str | None = Field(description="The household this referral is linked into, if any.")
    referred_before: ReReferralOut | None = Field(description="Set when the referral is linked into a household.")
    matches: list[MatchOut]


class LinkRequest(BaseModel):
    """A front door worker's verdict on a family matching proposed (or one they found themselves)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    target: Annotated[
        str,
        Field(min_length=1, max_length=64, description="A household id (H-…) or an earlier referral's decision id."),
        ONE_LINE,
    ]
    verdict: Literal["confirm", "reject", "undo"]  # undo: out of the household ``target``, linked by mistake
    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=REASON_LIMIT),
        FREE_TEXT,
        Field(
            description="Why. Required to reject, to undo, and to confirm a family matching did not "
            "propose; may be left empty to confirm a proposed match."
        ),
    ] = ""


class LinkOutcome(BaseModel):
    """A link confirmed (``household_id`` set: the household the referral is in now), rejected, or
    undone (the referral taken out of the household ``target``)."""

    verdict: Literal["confirm", "reject", "undo"]
    seq: int
    recorded_at: str
    decision_id: str
    target: str
    household_id: str | None
    joined: list[str]
    evidence: list[str]
    reason: str
    by: str

    @classmethod
    def confirmed(cls, link: Link) -> LinkOutcome:
        return cls(
            verdict="confirm",
            seq=link.seq,
            recorded_at=link.recorded_at,
            decision_id=link.decision_id,
            target=link.with_,
            household_id=link.household_id,
            joined=list(link.joined),
            evidence=list(link.evidence),
            reason=link.reason,
            by=link.by,
        )

    @classmethod
    def rejected(cls, rejection: Rejection) -> LinkOutcome:
        return cls(
            verdict="reject",
            seq=rejection.seq,
            recorded_at=rejection.recorded_at,
            decision_id=rejection.decision_id,
            target=rejection.with_,
            household_id=None,
            joined=[],
            evidence=[],
            reason=rejection.reason,
            by=rejection.by,
        )

    @classmethod
    def undone(cls, unlinking: Unlinking) -> LinkOutcome:
        return cls(
            verdict="undo",
            seq=unlinking.seq,
            recorded_at=unlinking.recorded_at,
            decision_id=unlinking.decision_id,
            target=unlinking.household_id,
            household_id=None,
            joined=[],
            evidence=[],
            reason=unlinking.reason,
            by=unlinking.by,
        )
