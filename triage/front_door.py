"""Where a referral enters and its decision leaves: validate, decide and (when on) record.

The CLI uses this, and so will the HTTP API, so every way in follows the same steps: a decision
is handed back only after its audit event is committed.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Sequence

from triage.audit import Request, attempt
from triage.engine import Engine
from triage.intake import InvalidReferral, parse_referral
from triage.models import Decision

if TYPE_CHECKING:  # importing the store loads SQLAlchemy: only where a database is used
    from triage.audit.store import AuditStore


class FrontDoor:
    def __init__(self, engine: Engine, audit: AuditStore | None, caller: str) -> None:
        """Open the door; when auditing, record which ruleset it decides with (only when that
        differs from the last one recorded, so repeated runs do not flood the log)."""
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
        parsed = [self._request(data) for data in items]
        decided = iter(self._decide_requests([p for p in parsed if isinstance(p, Request)]))
        return [next(decided) if isinstance(p, Request) else p for p in parsed]

    def _request(self, data: Any) -> Request | InvalidReferral:
        """A validated referral ready to decide, or why it cannot be."""
        try:
            referral = parse_referral(data, self.engine.policy.agencies)
        except InvalidReferral as invalid:
            return invalid
        return Request(data, referral.referral_id, partial(self.engine.decide, referral))

    def _decide_requests(self, requests: list[Request]) -> list[Decision | Exception]:
        if self.audit is not None:
            return self.audit.decide_many(requests, self.engine.rulebook, self.caller) if requests else []
        return [attempt(request.decide) for request in requests]
