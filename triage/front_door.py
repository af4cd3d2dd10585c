"""Where a referral enters and its decision leaves: validate, decide and (when on) record.

The CLI, the HTTP API and the web pages all come through here, so every way in follows the same
steps, in this order (``submit_many``):

1. read each referral (``parse_referral``) and choose the ruleset version that applies;
2. decide it (the engine);
3. record it (the audit log), and hand each decision back only once it is committed. A referral
   the log holds already (sent again) gets the decision recorded then, and ours is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from triage.audit import Recording
from triage.engine import Engine
from triage.engine.library import NoRulesetInForce, Pin, RulesetLibrary, Selection
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
        reason = (
            f"must be within the last {self.days} days and no more than {minutes} minutes ahead of now: "
            f"between {_utc(earliest)} and {_utc(latest)}"
        )
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
    def __init__(
        self,
        rulesets: Engine | RulesetLibrary,
        audit: AuditStore | None,
        caller: str,
        clock: Callable[[], datetime] = _now,
    ) -> None:
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
            audit.archive.rulesets_in_use([engine.policy for engine in self.library.engines], by=caller)

    @property
    def in_force_today(self) -> Engine:
        """The version in force today (in the city's time zone): whose definitions, rules and services the
        pages and the catalogue show, and the cost-benefit work uses. A version published to take
        effect later is not shown as "the rules" before its day."""
        return self.library.in_force_on(self.library.today(self.clock()))

    @property
    def latest(self) -> Engine:
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

    def submit_many(
        self, items: Sequence[Any], caller: str | None = None, pinned: str | Pin | None = None, arriving: bool = False
    ) -> list[Submitted]:
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
        caller = caller or self.caller
        window = (
            ReceivedWindow(self.clock(), self.in_force_today.policy.rules.intake.received_within_days)
            if arriving
            else None
        )
        parsed = [self._read(data, pinned, window) for data in items]
        readable = [p for p in parsed if isinstance(p, _Readable)]
        made = self._decide(readable)
        decided = iter(self._record(readable, caller))
        outcomes = [next(decided) if isinstance(p, _Readable) else p for p in parsed]
        return [Submitted(o, self._first_time(o, made)) for o in outcomes]

    @staticmethod
    def _first_time(outcome: Decision | Exception, made: set[str]) -> bool:
        """Whether this is the first time the caller is given this decision: made by this call,
        and not already given to an earlier copy of the same referral in the same call."""
        if not isinstance(outcome, Decision) or outcome.decision_id not in made:
            return False
        made.discard(outcome.decision_id)
        return True

    def _read(self, data: Any, pinned: str | Pin | None, window: ReceivedWindow | None) -> _Readable | Exception:
        """A validated referral with the ruleset version that applies, or why it cannot be decided."""
        try:
            referral = parse_referral(data, self.latest.compiled.agencies)
            refusal = window.refusal(referral) if window is not None else None
            if refusal is not None:
                return refusal
            return _Readable(data, referral, self.library.select(referral, pinned))
        except (InvalidReferral, NoRulesetInForce) as refused:
            return refused

    def _decide(self, readable: list[_Readable]) -> set[str]:
        """Decide each referral (once, when recording, if it came twice: the log hands the second
        copy the first's decision); the ids of the decisions made. One referral's failure is kept
        in its place and costs no other. Looking first for referrals recorded before would cost
        every new referral a query, to spare the rare one sent again a decision."""
        made: set[str] = set()
        seen: set[str] = set()
        for item in readable:
            referral_id = item.referral.referral_id
            if self.audit is not None and referral_id in seen:
                continue
            seen.add(referral_id)
            item.outcome = _attempt(item)
            if isinstance(item.outcome, Decision):
                made.add(item.outcome.decision_id)
        return made

    def _record(self, readable: list[_Readable], caller: str) -> list[Decision | Exception]:
        """Record the decisions (or, with no audit log, hand them straight back)."""
        if self.audit is None:
            return [item.outcome if item.outcome is not None else RuntimeError("not decided") for item in readable]
        if not readable:
            return []
        return self.audit.log.record(
            caller,
            [
                Recording(item.data, item.referral.referral_id, item.outcome, item.selection.engine.policy)
                for item in readable
            ],
        )


@dataclass
class _Readable:
    """A referral that can be decided: as sent, as read, the version that applies and, once
    decided, its decision (or the exception that stopped it; None if not decided by this call)."""

    data: Any
    referral: Referral
    selection: Selection
    outcome: Decision | Exception | None = None


def _attempt(item: _Readable) -> Decision | Exception:
    """The decision, or the exception that stopped it: handed back in the referral's place."""
    try:
        decision = item.selection.engine.decide(item.referral)
    except Exception as failure:  # noqa: BLE001 - one referral's failure is its own
        return failure
    return decision.model_copy(update={"ruleset_selection": item.selection.reason})
