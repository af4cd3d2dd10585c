"""The triage engine: compile a policy once, then decide referrals with a chosen backend.

``Engine`` is the one interface the CLI and (later) the API use. The backend is durable-rules by
default; ``python`` evaluates the same compiled form in pure Python.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import structlog

from triage.engine.backend import Backend, EngineFailure
from triage.engine.compiler import CompiledPolicy, compile_policy
from triage.engine.decide import Routing, decide, route_of
from triage.engine.durable_backend import DurableBackend
from triage.engine.python_backend import PythonBackend
from triage.logs import ensure_logging
from triage.models import Decision, Referral
from triage.rulebook import Policy

BACKENDS: dict[str, Callable[[CompiledPolicy], Backend]] = {"durable": DurableBackend, "python": PythonBackend}
log = structlog.get_logger("triage.engine")

__all__ = ["BACKENDS", "Engine", "EngineFailure", "Routing"]


class Engine:
    """Decides referrals by one ruleset: compiled once, evaluated by the chosen backend."""

    def __init__(self, policy: Policy, backend: str = "durable") -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown engine {backend!r}; expected one of: {', '.join(BACKENDS)}")
        ensure_logging()
        self.policy = policy  # the loaded policy (what the audit log archives)
        self.compiled: CompiledPolicy = compile_policy(policy)  # the rules as the backends evaluate them
        self._backend: Backend = BACKENDS[backend](self.compiled)

    def would_decide(self, referral: Referral) -> Decision:
        """The decision this ruleset would make, without the decision's log event: a what-if
        simulation re-decides thousands of past referrals, and none of them is a decision made."""
        return decide(self.compiled, self._backend, referral)

    def would_route(self, referral: Referral) -> Routing:
        """Where this ruleset would send the referral (route, locality, priority, rule), without
        explaining it or logging it: a simulation compares these, and explains only the changes."""
        return route_of(self.compiled, self._backend, referral)

    def decide(self, referral: Referral, decided_at: datetime | None = None) -> Decision:
        started = time.perf_counter()
        decision = decide(self.compiled, self._backend, referral, decided_at)
        log.info(
            "decision",
            referral_id=decision.referral_id,
            decision_id=decision.decision_id,
            route=decision.route,
            matched_rule=decision.matched_rule,
            ruleset_version=self.compiled.version,
            engine=self._backend.name,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        return decision
