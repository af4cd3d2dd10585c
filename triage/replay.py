"""Replay: re-decide a recorded decision with the ruleset archived for it, and say what differs.

The archived ruleset, not the rule files of today, is what decided it: a replay checks the record,
it does not re-judge the referral. An application service over the audit log (which only keeps
records) and the engine (which only decides).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from triage.engine import Engine
from triage.intake import parse_referral

if TYPE_CHECKING:
    from triage.audit.store import AuditStore

# what replay does not compare: what differs between any two decisions on the same referral and
# ruleset (its id and time), and why that ruleset was chosen (a replay pins the archived one)
VOLATILE_FIELDS = frozenset({"decision_id", "decided_at", "ruleset_selection"})


@dataclass(frozen=True)
class Replay:
    """A recorded decision re-decided with its archived ruleset.

    ``differences`` maps each differing field to (recorded, replayed). A purged payload (erased
    for retention) leaves nothing to re-decide, which is not the same as identical.
    """

    decision_id: str
    purged: bool
    differences: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return not self.purged and not self.differences


def replay(audit: AuditStore, decision_id: str, backend: str = "durable") -> Replay:
    """Re-decide a recorded decision from its stored payload with the ruleset archived for it.
    UnknownDecision for an unknown id; EngineFailure if the engine cannot decide it."""
    recorded = audit.queries.decision_event(decision_id)
    payload = audit.queries.payload(recorded.body["payload_sha256"])
    if payload is None or recorded.erased:
        return Replay(decision_id, purged=True)
    decision = recorded.body["decision"]
    engine = Engine(audit.archive.policy(decision["ruleset"]["sha256"]), backend)
    replayed = engine.decide(parse_referral(payload, engine.compiled.agencies)).model_dump(mode="json")
    return Replay(decision_id, purged=False, differences=_differences(decision, replayed))


def _differences(recorded: dict[str, Any], replayed: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Each decision field (but the volatile ones) whose values differ: (recorded, replayed)."""
    fields = sorted((recorded.keys() | replayed.keys()) - VOLATILE_FIELDS)
    return {
        name: (recorded.get(name), replayed.get(name)) for name in fields if recorded.get(name) != replayed.get(name)
    }
