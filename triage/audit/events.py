"""What goes into the audit log and what comes back: referrals to record, events as read, a
verification, queries of decisions, and a count of what could not be read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from triage.models import Decision
from triage.rulebook.loader import Policy


@dataclass(frozen=True)
class AuditEvent:
    """An event as readers know it: ``body`` with its personal part put back (see
    ``triage.audit.personal``), ``referral_id`` as the referrer sent it. Once retention has erased
    the personal part, ``erased`` is true and those fields read "(erased)"."""

    seq: int
    kind: str
    recorded_at: str
    referral_id: str | None
    decision_id: str | None
    body: dict[str, Any]
    hash: str
    erased: bool = False


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found: ``ok`` or the first event that does not fit, and why; how many events,
    kept personal parts and payloads, archived rulesets and outside checkpoints it checked."""

    events: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str | None = None
    checkpoints: int = 0


@dataclass(frozen=True)
class DecisionQuery:
    """Which decisions to list: every field set narrows the list; dates are UTC days, inclusive.

    Results come in the order recorded, ``limit`` at a time, after the event ``after`` (the last
    ``seq`` of the previous page): a cursor, so pages stay stable while decisions keep arriving.
    """

    caller: str | None = None
    referral_id: str | None = None
    route: str | None = None
    priority: str | None = None
    locality: str | None = None
    since: date | None = None
    until: date | None = None
    after: int = 0
    limit: int = 50


@dataclass
class Unreadable:
    """Recorded decisions a reader had to leave out: a body in a shape it cannot use (written by an
    older version, or holding a number too large to read). The log is append-only, so such a row
    stays for good: readers skip it and count it here, and whatever is built from the rest says so."""

    count: int = 0

    def note(self) -> str | None:
        """The sentence a report shows ("2 recorded decisions could not be read and were left out"),
        or None when every row was read."""
        if not self.count:
            return None
        return (
            f"{self.count:,} recorded decision{'s' if self.count != 1 else ''} could not be read and "
            f"{'were' if self.count != 1 else 'was'} left out"
        )


def decision_in(body: Any) -> Decision | None:
    """The decision a decision event's body records, or None when the body is in a form this
    version cannot read (see Unreadable)."""
    try:
        return Decision.from_record(body["decision"])
    except (ValueError, KeyError, TypeError):  # pydantic's ValidationError is a ValueError
        return None


@dataclass(frozen=True)
class Recording:
    """One referral to record: its payload as received, its id, the outcome of deciding it (None
    when it was found recorded already, so not decided again), and the ruleset that decided it
    (archived with the decision, for replay)."""

    payload: dict[str, Any]
    referral_id: str
    outcome: Decision | Exception | None
    policy: Policy


@dataclass(frozen=True)
class Recorded:
    """A decision already recorded for a referral id: the payload it was made on, and the decision."""

    payload_sha: str
    decision: dict[str, Any]
