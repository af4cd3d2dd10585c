"""Running rule tests: decide each case's referral and compare with what the case expects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from triage.engine import Engine, EngineFailure
from triage.intake import InvalidReferral, parse_referral
from triage.models import Decision
from triage.policy_tests.cases import RuleTest


@dataclass(frozen=True)
class Outcome:
    """One case's result: the decision (None if the referral was refused) and what differed."""

    case: RuleTest
    decision: Decision | None
    mismatches: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (expected, got)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.mismatches

    def explain(self) -> str:
        """Why it failed, in the policy lead's terms: expected X, got Y, because <the reasons>."""
        lines = [f"FAIL {self.case.source}: {self.case.name}"]
        if self.error is not None:
            return "\n".join([*lines, f"  {self.error}"])
        assert self.decision is not None
        for name, (expected, got) in self.mismatches.items():
            lines.append(f"  {name}: expected {_show(expected)}, got {_show(got)}")
        lines.append(f"  because (rule {self.decision.matched_rule}):")
        lines.extend(f"    - {reason}" for reason in self.decision.reasons)
        return "\n".join(lines)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]" if value else "[] (none)"
    return "null" if value is None else str(value)


def _run(engine: Engine, case: RuleTest) -> Outcome:
    try:
        decision = engine.decide(parse_referral(case.referral, engine.compiled.agencies))
    except InvalidReferral as invalid:
        return Outcome(case, None, error="the case's referral is invalid: " + "; ".join(map(str, invalid.errors)))
    except EngineFailure as failure:
        return Outcome(case, None, error=f"the engine could not decide it: {failure}")
    got = decision.model_dump(mode="json")
    mismatches = {
        name: (expected, got[name]) for name, expected in case.expect.checked().items() if got[name] != expected
    }
    return Outcome(case, decision, mismatches)


def run_rule_tests(engine: Engine, cases: list[RuleTest]) -> list[Outcome]:
    """Every case's outcome, in order."""
    return [_run(engine, case) for case in cases]
