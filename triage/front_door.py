"""Where a referral enters and its decision leaves: validate, decide and (when on) record.

The CLI and the HTTP API both come through here, so every way in follows the same steps: a
decision is handed back only after its audit event is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable, Sequence

from triage.audit import Request, attempt
from triage.engine import Engine
from triage.engine.library import LONDON, NoRulesetInForce, Pin, RulesetLibrary, Selection
from triage.intake import FieldError, InvalidReferral, parse_referral
from triage.models import Decision, Referral

if TYPE_CHECKING:  # importing the store loads SQLAlchemy: only where a database is used
    from triage.audit.store import AuditStore


FUTURE_TOLERANCE = timedelta(minutes=5)  # a partner's clock may run a little ahead of ours


@dataclass(frozen=True)
class ReceivedWindow:
    """The received_at a referral arriving now may have: from ``days`` before ``now`` (the
    ruleset's ``intake.received_within_days``) to FUTURE_TOLERANCE after it. A year typed wrong
    (2000) would otherwise top the queue as long overdue, or pick the wrong ruleset."""

    now: datetime
    days: int

    def refusal(self, referral: Referral) -> InvalidReferral | None:
        """Why the referral cannot be taken now (naming received_at and the window), or None."""
        earliest, latest = self.now - timedelta(days=self.days), self.now + FUTURE_TOLERANCE
        if earliest <= referral.received_at <= latest:
            return None
        minutes = int(FUTURE_TOLERANCE.total_seconds() // 60)
        reason = (f"must be within the last {self.days} days and no more than {minutes} minutes ahead of now: "
                  f"between {_utc(earliest)} and {_utc(latest)}")
        return InvalidReferral([FieldError("received_at", reason)], referral.referral_id)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Submitted:
    """One referral's outcome: its decision (``new`` when this call made it, False when the same
    referral had been decided before) or the exception that stopped it."""

    outcome: Decision | Exception
    new: bool = False


class FrontDoor:
    def __init__(self, rulesets: Engine | RulesetLibrary, audit: AuditStore | None, caller: str,
                 clock: Callable[[], datetime] = _now) -> None:
        """Open the door on one ruleset or several installed versions (each referral is decided by
        the version in force on the day it was received); when auditing, record which rulesets it
        decides with (only when that differs from the last one recorded, so repeated runs do not
        flood the log).

        ``caller`` is who decides unless a call names someone else (the API names each key's holder).
        ``clock`` says what time it is now (which version is in force today, which referrals are
        current enough to take over the API); a test can set it.
        """
        self.library = rulesets if isinstance(rulesets, RulesetLibrary) else RulesetLibrary([rulesets])
        self.audit = audit
        self.caller = caller
        self.clock = clock
        if audit is not None:
            audit.rulesets_in_use([engine.rulebook for engine in self.library.engines], by=caller)

    @property
    def current(self) -> Engine:
        """The version in force today (Europe/London): whose definitions, rules and services the
        pages and the catalogue show, and the cost-benefit work uses. A version published to take
        effect later is not shown as "the rules" before its day."""
        return self.library.in_force_on(self.clock().astimezone(LONDON).date())

    @property
    def engine(self) -> Engine:
        """The latest installed version: whose catalogue and partner agencies the door reads referrals with."""
        return self.library.latest

    def decide(self, data: Any, pinned: str | Pin | None = None) -> Decision:
        """Decide a referral given as parsed JSON/YAML data; raises InvalidReferral, NoRulesetInForce,
        ReferralConflict or EngineFailure instead of returning a decision that was not recorded."""
        [outcome] = self.decide_many([data], pinned)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def decide_many(self, items: Sequence[Any], pinned: str | Pin | None = None) -> list[Decision | Exception]:
        """Decide several referrals, recording them in one transaction when auditing.

        Each item gets its decision or the exception that stopped it (InvalidReferral,
        ReferralConflict, EngineFailure, ...), in order; one bad item never costs the others.
        """
        return [submitted.outcome for submitted in self.submit_many(items, pinned=pinned)]

    def submit_many(self, items: Sequence[Any], caller: str | None = None, pinned: str | Pin | None = None,
                    arriving: bool = False) -> list[Submitted]:
        """``decide_many`` for a named caller, telling new decisions from ones already recorded.

        ``pinned`` names a ruleset version to decide with instead of the one in force (a ``Pin``
        may hold it to versions in force by the day received: see ``RulesetLibrary.select``).
        ``arriving``: the referrals are arriving now (the API, the web pages), so a received_at
        outside the ReceivedWindow of the version in force today is refused; the command line,
        replay and simulation re-decide referrals of any date, and leave it False.
        A decision is new when this call's engine made it (the audit store drops a decision that
        lost a race to another writer and returns the recorded one, whose id this call never made),
        and only for the first copy of a referral sent twice in one call.
        """
        made: set[str] = set()
        window = ReceivedWindow(self.clock(), self.current.rulebook.rules.intake.received_within_days) if arriving else None
        parsed = [self._request(data, made, pinned, window) for data in items]
        decided = iter(self._decide_requests([p for p in parsed if isinstance(p, Request)], caller or self.caller))
        outcomes = [next(decided) if isinstance(p, Request) else p for p in parsed]
        return [Submitted(o, self._first_time(o, made)) for o in outcomes]

    @staticmethod
    def _first_time(outcome: Decision | Exception, made: set[str]) -> bool:
        """Whether this is the first time the caller is given this decision: made by this call,
        and not already given to an earlier copy of the same referral in the same call."""
        if not isinstance(outcome, Decision) or outcome.decision_id not in made:
            return False
        made.discard(outcome.decision_id)
        return True

    def _request(self, data: Any, made: set[str], pinned: str | Pin | None,
                 window: ReceivedWindow | None) -> Request | Exception:
        """A validated referral ready to decide by the version that applies, or why it cannot be."""
        try:
            referral = parse_referral(data, self.engine.policy.agencies)
            refusal = window.refusal(referral) if window is not None else None
            if refusal is not None:
                return refusal
            selection = self.library.select(referral, pinned)
        except (InvalidReferral, NoRulesetInForce) as refused:
            return refused
        return Request(data, referral.referral_id, self._deciding(referral, selection, made),
                       selection.engine.rulebook)

    @staticmethod
    def _deciding(referral: Referral, selection: Selection, made: set[str]) -> Callable[[], Decision]:
        def decide() -> Decision:
            decision = selection.engine.decide(referral).model_copy(update={"ruleset_selection": selection.reason})
            made.add(decision.decision_id)
            return decision
        return decide

    def _decide_requests(self, requests: list[Request], caller: str) -> list[Decision | Exception]:
        if self.audit is not None:
            return self.audit.decide_many(requests, caller) if requests else []
        return [attempt(request.decide) for request in requests]
