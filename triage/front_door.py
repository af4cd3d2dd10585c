"""Where a referral enters and its decision leaves: validate, decide and (when on) record.

The CLI uses this, and so will the HTTP API, so every way in follows the same steps: a decision
is handed back only after its audit event is committed.
"""

from __future__ import annotations

from typing import Any

from triage.audit import AuditStore
from triage.engine import Engine
from triage.intake import parse_referral
from triage.models import Decision


class FrontDoor:
    def __init__(self, engine: Engine, audit: AuditStore | None, caller: str) -> None:
        self.engine = engine
        self.audit = audit
        self.caller = caller

    def decide(self, data: Any) -> Decision:
        """Decide a referral given as parsed JSON/YAML data; raises InvalidReferral, ReferralConflict
        or EngineFailure instead of returning a decision that was not recorded."""
        referral = parse_referral(data, self.engine.policy.agencies)
        if self.audit is None:
            return self.engine.decide(referral)
        return self.audit.decide(data, referral.referral_id, self.engine.rulebook, self.caller,
                                 lambda: self.engine.decide(referral))
