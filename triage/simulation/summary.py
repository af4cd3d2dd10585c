"""Adding simulated outcomes up: how many change, old route -> new route, each team's workload."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from triage.simulation.run import Outcome


@dataclass
class Summary:
    """The simulation's figures; ``sample`` keeps the first changed referrals, in input order."""

    sample_size: int = 10
    total: int = 0
    changed: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (old route, new route)
    old_load: Counter[str] = field(default_factory=Counter)  # team -> referrals
    new_load: Counter[str] = field(default_factory=Counter)
    sample: list[Outcome] = field(default_factory=list)

    def not_simulated(self, reasons: Counter[str]) -> None:
        """Past referrals that could not be re-decided at all (not JSON, payload purged): counted
        in the total, so the share that changes is of everything that was asked about."""
        self.total += sum(reasons.values())
        self.errors.update(reasons)

    def add(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self.total += 1
            if outcome.old is None or outcome.new is None:
                self.errors[outcome.error or "not decided"] += 1
                continue
            self.transitions[outcome.old.route, outcome.new.route] += 1
            self.old_load[outcome.old.team] += 1
            self.new_load[outcome.new.team] += 1
            if outcome.changed:
                self.changed += 1
                if len(self.sample) < self.sample_size:
                    self.sample.append(outcome)

    def teams(self) -> list[tuple[str, int, int]]:
        """(team, referrals before, after) for every team either ruleset sends work to, by name."""
        return [(team, self.old_load[team], self.new_load[team]) for team in sorted(self.old_load | self.new_load)]

    def routes(self) -> tuple[list[str], list[str]]:
        """The old routes (rows) and new routes (columns) of the transition matrix, by name."""
        return sorted({old for old, _ in self.transitions}), sorted({new for _, new in self.transitions})
