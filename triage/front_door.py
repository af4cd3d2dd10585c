"""Where a referral enters and its decision leaves: validate, decide and (when on) record.

The CLI and the HTTP API both come through here, so every way in follows the same steps: a
decision is handed back only after its audit event is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from triage.audit import Request, attempt
from triage.engine import Engine
from triage.intake import InvalidReferral, parse_referral
from triage.models import Decision, Referral

if TYPE_CHECKING:  # importing the store loads SQLAlchemy: only where a database is used
    from triage.audit.store import AuditStore


@dataclass(frozen=True)
class Submitted:
    """One referral's outcome: its decision (``new`` when this call made it, False when the same
    referral had been decided before) or the exception that stopped it."""

    outcome: Decision | Exception
    new: bool = False


class FrontDoor:
    def __init__(self, engine: Engine, audit: AuditStore | None, caller: str) -> None:
        """Open the door; when auditing, record which ruleset it decides with (only when that
        differs from the last one recorded, so repeated runs do not flood the log).

        ``caller`` is who decides unless a call names someone else (the API names each key's holder).
        """
        self.engine = engine
        self.audit = audit
        self.caller = caller
        if audit is not None:
            audit.ruleset_in_use(engine.rulebook, by=caller)

    def decide(self, data: Any) -> Decision:
        """Decide a referral given as parsed JSON/YAML data; raises InvalidReferral, ReferralConflict
        or EngineFailure instead of returning a decision that was not recorded."""
        [outcome] = self.decide_many([data])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def decide_many(self, items: Sequence[Any]) -> list[Decision | Exception]:
        """Decide several referrals, recording them in one transaction when auditing.

        Each item gets its decision or the exception that stopped it (InvalidReferral,
        ReferralConflict, EngineFailure, ...), in order; one bad item never costs the others.
        """
        return [submitted.outcome for submitted in self.submit_many(items)]

    def submit_many(self, items: Sequence[Any], caller: str | None = None) -> list[Submitted]:
        """``decide_many`` for a named caller, telling new decisions from ones already recorded.

        A decision is new when this call's engine made it (the audit store drops a decision that
        lost a race to another writer and returns the recorded one, whose id this call never made),
        and only for the first copy of a referral sent twice in one call.
        """
        made: set[str] = set()
        parsed = [self._request(data, made) for data in items]
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

    def _request(self, data: Any, made: set[str]) -> Request | InvalidReferral:
        """A validated referral ready to decide, or why it cannot be."""
        try:
            referral = parse_referral(data, self.engine.policy.agencies)
        except InvalidReferral as invalid:
            return invalid
        return Request(data, referral.referral_id, self._deciding(referral, made))

    def _deciding(self, referral: Referral, made: set[str]) -> Callable[[], Decision]:
        def decide() -> Decision:
            decision = self.engine.decide(referral)
            made.add(decision.decision_id)
            return decision
        return decide

    def _decide_requests(self, requests: list[Request], caller: str) -> list[Decision | Exception]:
        if self.audit is not None:
            return self.audit.decide_many(requests, self.engine.rulebook, caller) if requests else []
        return [attempt(request.decide) for request in requests]
