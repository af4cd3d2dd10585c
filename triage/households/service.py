"""``Households``: do we know this family already? The one place the CLI, the API and the pages
ask it: matches for a new referral, confirming or rejecting them, a household's record, search,
and the flag for a family referred again.

Everything here is for front door staff alone (``Permission.FIND_FAMILIES``): partners never see
other referrals, matches or households.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

import structlog

from triage.audit.errors import UnknownDecision
from triage.audit.events import AuditEvent, DecisionQuery
from triage.audit.retention import retention_cutoff
from triage.audit.store import AuditStore
from triage.cases.history import CaseHistory, UnreadableDecision
from triage.cases.service import InvalidChange
from triage.characters import UNSAFE_REASON, is_safe
from triage.households import links
from triage.households.known import KnownPeople
from triage.households.links import Link, Rejection, UnknownHousehold, Unlinking, is_household_id
from triage.households.people import decision_of, most_given
from triage.households.records import Found, HouseholdRecord, Match, PersonMatch, ReReferral, display_name
from triage.households.views import Referred, household_record
from triage.matching import Candidate, MatchSettings, PeopleIndex, PersonRecord
from triage.matching.households import group_by_household
from triage.matching.names import normalise_name

log = structlog.get_logger("triage.households")
SEARCH_TEXT_LIMIT = 200  # characters in a search: names, a date of birth and a postcode fit with room to spare
_Proposed = tuple[PersonRecord, list[Candidate]]  # a person of the new referral, and who they may be


def search_refused(text: str) -> str | None:
    """Why a search cannot be made for ``text`` (None: it can), for the API and the CLI to name: nothing
    to look for, too long, or a control character (which PostgreSQL refuses in a query's text)."""
    if not text.strip():
        return "type a name, a date of birth, a postcode, a number or an id to search for"
    if len(text) > SEARCH_TEXT_LIMIT:
        return f"at most {SEARCH_TEXT_LIMIT} characters"
    return None if is_safe(text) else UNSAFE_REASON


class Households:
    """The households of one audit store; safe to share between threads."""

    def __init__(self, audit: AuditStore, settings: MatchSettings | None = None) -> None:
        self.audit = audit
        self.known = KnownPeople(audit.queries, settings)

    def warm(self) -> None:
        """Build the people index now (a server calls this as it starts, in the background)."""
        try:
            self.known.ask(lambda index, _: len(index))
        except Exception as error:  # noqa: BLE001 - the first search will try again, and say what fails
            log.warning("people_index_not_built", error=type(error).__name__)

    # -- matching ---------------------------------------------------------------------------

    def matches(self, decision_id: str) -> list[Match]:
        """The earlier families the referral decided as ``decision_id`` may be, strongest first:
        not its own household, and not a family a worker has said it is not. UnknownDecision."""
        history = self.audit.queries.history(decision_id)
        rejected = {e.body["with"] for e in history if e.kind == "link_rejected"}

        def propose(index: PeopleIndex, people: dict[str, list[PersonRecord]]) -> list[_Proposed]:
            return [
                (person, [c for c in index.candidates(person) if c.person.household_id != decision_id])
                for person in people.get(decision_id, [])
            ]

        proposed = self.known.ask(propose)
        earlier = {c.person.household_id for _, found in proposed for c in found if c.person.household_id}
        with self.audit.db.connect() as conn:
            households = links.households_of(conn, earlier | {decision_id})
            rejected |= {links.resolve(conn, r) for r in rejected if is_household_id(r)}  # followed through joins
        own = households.get(decision_id)
        incoming: dict[int, PersonRecord] = {}
        keyed: list[list[Candidate]] = []
        for person, found in proposed:
            regrouped = [_under(c, households) for c in found]
            incoming.update((id(c), person) for c in regrouped)
            keyed.append(regrouped)
        matches = []
        for group in group_by_household(keyed):
            cases = self._cases(self._decisions_of(group.household_id))
            if group.household_id == own or rejected & ({group.household_id} | {c.decision.decision_id for c in cases}):
                continue
            people = tuple(_person_match(incoming[id(c)], c) for c in group.matches)
            matches.append(
                Match(
                    target=group.household_id,
                    household_id=group.household_id if is_household_id(group.household_id) else None,
                    family_name=most_given(c.person.family_name for c in group.matches),
                    strength=group.strength,
                    score=group.score,
                    people=people,
                    reasons=group.reasons,
                    cases=cases,
                )
            )
        return matches

    def confirm(self, decision_id: str, target: str, by: str, reason: str) -> Link:
        """Link the referral with a family (``target``: a household id, or an earlier referral's
        decision id), as ``by`` confirmed. A link matching did not propose needs a reason.
        InvalidChange (naming the field) when it cannot be made; UnknownDecision, UnknownHousehold."""
        _require("by", by, "the practitioner's identity is required")
        decided = self._linkable(decision_id, target)
        proposed = next((m for m in self.matches(decision_id) if m.target == _key(target)), None)
        evidence = _evidence(proposed)
        if proposed is None and not reason.strip():
            raise InvalidChange("reason", "say why: matching did not propose this family")
        with self.audit.log.writing() as conn:
            try:
                return links.confirm(conn, decided, _key(target), by, reason.strip(), evidence)
            except ValueError as error:
                raise InvalidChange("target", str(error)) from None

    def reject(self, decision_id: str, target: str, by: str, reason: str) -> Rejection:
        """Record that the referral is not the family ``target`` holds: it is not proposed again."""
        _require("by", by, "the practitioner's identity is required")
        _require("reason", reason, "say why this is a different family")
        decided = self._linkable(decision_id, target)
        with self.audit.log.writing() as conn:
            own = links.households_of(conn, [decision_id, _key(target)])
            theirs = links.resolve(conn, _key(target)) if is_household_id(target) else own.get(_key(target))
            if theirs is not None and theirs == own.get(decision_id):
                raise InvalidChange("target", "this referral is in that household: undo the link instead")
            return links.reject(conn, decided, _key(target), by, reason.strip())

    def unlink(self, decision_id: str, by: str, reason: str, household_id: str | None = None) -> Unlinking:
        """Undo the link that put a referral in its household, made by mistake (a reason required):
        what that link added leaves, and any household it joined stands on its own again.
        ``household_id``, when given, must be the referral's household (a page shown before a
        colleague moved it cannot undo another). InvalidChange naming the field; UnknownDecision."""
        _require("by", by, "the practitioner's identity is required")
        _require("reason", reason, "say why this referral is not this family's")
        decided = self.audit.queries.decision_event(decision_id)  # UnknownDecision
        if decided.erased:
            raise InvalidChange("decision_id", "this referral is past retention: its details were erased")
        expected = _key(household_id) if household_id is not None else None
        with self.audit.log.writing() as conn:
            current = links.households_of(conn, [decision_id]).get(decision_id)
            if current is None:
                raise InvalidChange("link", "this referral is not linked to a household")
            if expected is not None and expected != current:
                raise InvalidChange("target", f"this referral is in household {current}, not {expected}")
            link = _link_that_added(decision_id, self.audit.queries.histories(links.members(conn, current)))
            if link is None or link.referral_id is None:
                raise InvalidChange("link", "no link of this referral is left to undo")
            return links.unlink(conn, link, by, reason.strip())

    # -- households ---------------------------------------------------------------------------

    def household_of(self, decision_id: str) -> str | None:
        """The household a referral is linked into, if any."""
        with self.audit.db.connect() as conn:
            return links.households_of(conn, [decision_id]).get(decision_id)

    def household(self, household_id: str, today: date) -> HouseholdRecord:
        """A household's record as its page shows it (an id it was merged from leads to it). UnknownHousehold."""
        if not is_household_id(household_id):  # never asks the database about text that is no id
            raise UnknownHousehold(f"{household_id!r} is not a household id")
        with self.audit.db.connect() as conn:
            current = links.resolve(conn, household_id)
            decision_ids = links.members(conn, current)
        histories = self.audit.queries.histories(decision_ids)
        referred = []
        for decision_id in decision_ids:
            case = _case(histories.get(decision_id))
            if case is not None:
                referral = self.audit.queries.payload(case.payload_sha256) if case.payload_sha256 else None
                referred.append(Referred(case, histories[decision_id], referral))
        return household_record(current, referred, today)

    def referred_before(self, decision_ids: Iterable[str], months: int) -> dict[str, ReReferral]:
        """For each referral linked into a household: how often the household was referred in the
        ``months`` up to it, how its last other case closed, and its other open cases."""
        with self.audit.db.connect() as conn:
            linked = links.households_of(conn, decision_ids)
            members = {h: links.members(conn, h) for h in set(linked.values())}
        cases = {c.decision.decision_id: c for c in self._cases(d for ds in members.values() for d in ds)}
        received = self._received(cases.values())
        found = {}
        for decision_id, household_id in linked.items():
            if decision_id not in cases:
                continue
            others = [d for d in members[household_id] if d in cases and d != decision_id]
            found[decision_id] = _re_referral(household_id, decision_id, others, cases, received, months)
        return found

    def _received(self, cases: Iterable[CaseHistory]) -> dict[str, datetime]:
        """When each case's referral was received (as the referrer says; a referral entered on the
        command line may be years old): its ``received_at``, or once purged, when it was decided."""
        cases = list(cases)
        payloads = self.audit.queries.payloads(c.payload_sha256 for c in cases if c.payload_sha256)
        received = {}
        for case in cases:
            referral = payloads.get(case.payload_sha256 or "") or {}
            try:
                received[case.decision.decision_id] = datetime.fromisoformat(str(referral["received_at"]))
            except (KeyError, ValueError):
                received[case.decision.decision_id] = case.decision.decided_at
        return received

    # -- search -------------------------------------------------------------------------------

    def search(self, text: str) -> list[Found]:
        """What a front door search finds, best first: the people of a household by its id; a
        referral by its id; else people by name, date of birth, postcode, NHS number or UPN."""
        text = " ".join(text.split())
        if not text or not is_safe(text):  # no name holds a control character, and PostgreSQL refuses NUL
            return []
        if is_household_id(text):
            return self._household_hits(text)
        hits = self.known.ask(lambda index, _: index.search(text))
        if not hits:
            by_id = self.audit.queries.find_decisions(DecisionQuery(referral_id=text, limit=50))
            return [_referral_hit(c) for c in self._cases(e.decision_id for e in by_id if e.decision_id)]
        decisions = [decision_of(hit.person.person_id) for hit in hits]
        cases = {c.decision.decision_id: c for c in self._cases(decisions)}
        with self.audit.db.connect() as conn:
            households = links.households_of(conn, decisions)
        return _one_per_person(
            _person_hit(hit.person, cases[d], households.get(d), hit.score, hit.reasons)
            for hit, d in zip(hits, decisions, strict=True)
            if d in cases
        )

    # -- helpers ------------------------------------------------------------------------------

    def _household_hits(self, household_id: str) -> list[Found]:
        try:
            record = self.household(household_id, date.today())
        except UnknownHousehold:
            return []
        people = self.known.ask(
            lambda _, people: {d: people.get(d, []) for d in (c.decision.decision_id for c in record.cases)}
        )
        cases = {c.decision.decision_id: c for c in record.cases}
        hits = _one_per_person(
            _person_hit(p, cases[d], record.household_id, 1.0, ("household id",))
            for d, found in people.items()
            for p in found
        )
        return hits or [_referral_hit(c, record.household_id) for c in record.cases]

    def _linkable(self, decision_id: str, target: str) -> AuditEvent:
        """The decision event, once sure the target exists and is another referral."""
        key = _key(target)
        if not key:
            raise InvalidChange("target", "choose the household or referral to link with")
        if len(key) > 64 or not is_safe(key):  # no id is longer, and PostgreSQL refuses NUL in a query
            raise InvalidChange("target", f"no referral or household with id {key[:64]!r}")
        if key == decision_id:
            raise InvalidChange("target", "a referral cannot be linked with itself")
        if is_household_id(key):
            with self.audit.db.connect() as conn:
                links.resolve(conn, key)  # UnknownHousehold
        else:
            try:
                self.audit.queries.decision_event(key)
            except UnknownDecision:
                raise InvalidChange("target", f"no referral or household with id {key!r}") from None
        decided = self.audit.queries.decision_event(decision_id)
        if decided.erased or decided.referral_id is None:
            raise InvalidChange("decision_id", "this referral is past retention: its details were erased")
        return decided

    def _decisions_of(self, key: str) -> list[str]:
        if not is_household_id(key):
            return [key]
        with self.audit.db.connect() as conn:
            return links.members(conn, key)

    def _cases(self, decision_ids: Iterable[str]) -> tuple[CaseHistory, ...]:
        """The readable cases of these decisions, oldest first."""
        histories = self.audit.queries.histories(decision_ids)
        cases = [c for events in histories.values() if (c := _case(events)) is not None]
        return tuple(sorted(cases, key=lambda c: c.recorded_at))


def _one_per_person(found: Iterable[Found]) -> list[Found]:
    """Each person once: a household's referrals record its people again and again, and a worker
    looking for Jayden wants one row for him, not one per referral. Within a household, the same
    date of birth and the same first name is the same person; anything less keeps its own row
    (twins Harry and Harvey share a household and a birthday, and a search must show both). The
    best-scoring row stays, in order."""
    seen: set[tuple[str, date, str]] = set()
    kept = []
    for hit in found:
        if hit.household_id and hit.date_of_birth and hit.name:
            key = (hit.household_id, hit.date_of_birth, normalise_name(hit.name).split(" ", 1)[0])
            if key in seen:
                continue
            seen.add(key)
        kept.append(hit)
    return kept


def _link_that_added(decision_id: str, histories: dict[str, list[AuditEvent]]) -> AuditEvent | None:
    """The latest link, not undone since, that brought ``decision_id`` into its household: made on
    the referral itself, or on another that was linked with it or whose household it joined."""
    events = [e for history in histories.values() for e in history]
    undone = {e.body.get("undoes") for e in events if e.kind == "unlinked"}
    involved = [
        e
        for e in events
        if e.kind == "linked"
        and e.seq not in undone
        and (
            e.decision_id == decision_id
            or decision_id in e.body.get("added", ())
            or any(decision_id in was["members"] for was in e.body.get("moved", {}).values())
        )
    ]
    return max(involved, key=lambda e: e.seq, default=None)


def _case(events: list[AuditEvent] | None) -> CaseHistory | None:
    try:
        return CaseHistory.of(events) if events else None
    except UnreadableDecision:
        return None


def _key(target: str) -> str:
    target = target.strip()
    return target.upper() if is_household_id(target) else target


def _require(field: str, value: str, why: str) -> None:
    if not value.strip():
        raise InvalidChange(field, why)


def _under(candidate: Candidate, households: dict[str, str]) -> Candidate:
    """A candidate filed under its household, when its referral has one (else under its referral)."""
    recorded_on = candidate.person.household_id
    household = households.get(recorded_on or "")
    return (
        candidate if household is None else replace(candidate, person=replace(candidate.person, household_id=household))
    )


def _person_match(incoming: PersonRecord, candidate: Candidate) -> PersonMatch:
    return PersonMatch(
        incoming=display_name(incoming) or "someone unnamed",
        earlier=display_name(candidate.person) or "someone unnamed",
        earlier_date_of_birth=candidate.person.date_of_birth,
        strength=candidate.strength,
        score=candidate.score,
        reasons=candidate.reasons,
    )


def _evidence(match: Match | None) -> tuple[str, ...]:
    """A match's reasons as recorded with the link: who was matched to whom is personal (names),
    so only the reasons: "same date of birth; name 94% similar"."""
    if match is None:
        return ()
    return (*match.reasons, *("; ".join(p.reasons) for p in match.people))


def _re_referral(
    household_id: str,
    own_id: str,
    other_ids: list[str],
    cases: dict[str, CaseHistory],
    received: dict[str, datetime],
    months: int,
) -> ReReferral:
    """The household's referrals received in the ``months`` (calendar months, by day) up to the
    day ``own_id`` was received, itself included; its other cases' last closing before it, and
    those still open."""
    own, others = cases[own_id], [cases[d] for d in other_ids]
    until = received[own_id].date()
    since = retention_cutoff(f"{months}m", received[own_id]).date()
    within = [
        d
        for d in other_ids
        if since <= received[d].date() < until
        or (received[d].date() == until and cases[d].recorded_at <= own.recorded_at)  # the same day: those before
    ]
    closed = [c.closed for c in others if c.closed is not None and c.closed.recorded_at <= own.recorded_at]
    return ReReferral(
        household_id=household_id,
        months=months,
        referrals=1 + len(within),
        last_closed=max(closed, key=lambda c: c.recorded_at) if closed else None,
        open_cases=tuple(c for c in others if c.closed is None),
    )


def _person_hit(
    person: PersonRecord, case: CaseHistory, household_id: str | None, score: float, reasons: tuple[str, ...]
) -> Found:
    return Found(
        decision_id=case.decision.decision_id,
        household_id=household_id,
        name=display_name(person),
        date_of_birth=person.date_of_birth,
        postcode=person.postcode,
        referred_on=case.decision.decided_at.date(),
        open=case.closed is None,
        score=score,
        reasons=reasons,
    )


def _referral_hit(case: CaseHistory, household_id: str | None = None) -> Found:
    return Found(
        decision_id=case.decision.decision_id,
        household_id=household_id,
        name=None,
        date_of_birth=None,
        postcode=None,
        referred_on=case.decision.decided_at.date(),
        open=case.closed is None,
        score=1.0,
        reasons=("referral id",),
    )
