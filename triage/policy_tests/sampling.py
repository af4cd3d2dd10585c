"""Generated referrals for checking a ruleset's invariants: varied, valid and seeded.

They are drawn from the policy itself rather than from a fixed list, so a candidate is tested where
it draws its own lines: every field a rule may test (``triage.rulebook.fields``) is set now and then,
numbers fall on and either side of every threshold that a definition, indicator, modifier, routing
rule or invariant names, and postcodes come from the catalogue's districts (about one in seven from
districts it does not cover). Households are small and sparse as often as large and dense.

The same policy and seed always give the same referrals, so a candidate is accepted or refused the
same way every time it is published. (The generator in ``benchmarks/`` imitates a front door's week
for throughput figures and encodes one policy's districts; this one must follow any candidate.)
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from triage.rulebook.conditions import Condition, comparisons
from triage.rulebook.fields import (
    CHOICES,
    DERIVED_FIELDS,
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
)
from triage.rulebook.loader import Policy

SEED = 20260401
# Outward codes outside any city catalogue we know of; any the candidate does cover are left out.
_ELSEWHERE = ("M1", "LS1", "B1", "DN1", "NG1", "S40", "S18", "EC1A", "W1A")
_DENSITIES = (0.02, 0.06, 0.15)  # the share of fields set: sparse, typical and heavy households
# Household facts most referrals carry (most referrers record consent); the rest are set at the density.
_HOUSEHOLD_RATES = {"consent.given": 0.85, "safeguarding.immediate_risk_of_harm": 0.25}
_CONTRACT_LIMITS = {"age": (0, 120), "school.attendance_pct": (0, 100)}  # numbers below 0 are refused too
_ADULT_AGE = 18  # the contract's own rule: a member with role child is under 18


def _conditions(policy: Policy) -> Iterator[Condition | None]:
    rules = policy.rules
    yield from (d.condition for d in policy.definitions.definitions)
    yield from (i.condition for p in rules.problems for i in p.indicators)
    yield from (m.condition for m in rules.need_score.modifiers)
    yield from (r.condition for r in rules.routing)
    yield from (s.condition for s in rules.specialist_needs)
    yield from (a.condition for a in rules.also_refer.rules)
    yield from (x.condition for x in rules.invariants)


def _near(value: float, kind: type) -> list[float]:
    """A threshold and a step either side of it (whole numbers for whole-number fields)."""
    step = 1 if kind is int else 0.1
    return [round(value - step, 4), value, round(value + step, 4)]


class ReferralSampler:
    """``ReferralSampler(policy, seed).referrals(n)``: ``n`` referral dicts, the same for the same inputs."""

    def __init__(self, policy: Policy, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.districts = sorted({d for locality in policy.catalogue.localities for d in locality.districts})
        self.elsewhere = [d for d in _ELSEWHERE if d not in self.districts]
        self.agencies = sorted(a.id for a in policy.catalogue.partner_agencies)
        self.start = policy.rules.effective_from
        self.days = max(1, ((policy.rules.effective_to or self.start + timedelta(days=365)) - self.start).days)
        self.values: dict[str, list[Any]] = {}
        for condition in _conditions(policy):
            for compare in comparisons(condition):
                kind = MEMBER_FIELDS.get(compare.field) or HOUSEHOLD_FIELDS.get(compare.field)
                if kind in (int, float) and not isinstance(compare.value, bool):
                    self.values.setdefault(compare.field, []).extend(_near(float(compare.value), kind))
                elif kind is str:
                    self.values.setdefault(compare.field, []).append(compare.value)

    def referrals(self, n: int) -> Iterator[dict[str, Any]]:
        for index in range(1, n + 1):
            yield self.referral(index)

    def referral(self, index: int) -> dict[str, Any]:
        density = self.rng.choice(_DENSITIES)
        size = self.rng.choices((1, 2, 3, 4, 5, 6), weights=(3, 4, 3, 2, 1, 1))[0]
        in_area = self.rng.random() < 0.85 or not self.elsewhere
        district = self.rng.choice(self.districts if in_area else self.elsewhere)
        received = self.start + timedelta(days=self.rng.randrange(self.days))
        data: dict[str, Any] = {
            "referral_id": f"GEN-{index}",
            "received_at": f"{received.isoformat()}T10:00:00Z",
            "referrer": {"agency": self.rng.choice(self.agencies)},
            "household": {
                "postcode": f"{district} 1AA",
                "members": [self._member(f"m{i}", density) for i in range(1, size + 1)],
            },
        }
        for path, kind in HOUSEHOLD_FIELDS.items():
            if (
                path not in DERIVED_FIELDS
                and path != "referrer.agency"
                and self.rng.random() < _HOUSEHOLD_RATES.get(path, density)
            ):
                _put(data, path, self._value(path, kind))
        return data

    def _member(self, member_id: str, density: float) -> dict[str, Any]:
        role = self.rng.choice(CHOICES["role"])
        age = int(self._value("age", int))
        if role == "child" and age >= _ADULT_AGE:
            age = int(self.rng.choice([a for a in self.values.get("age", []) if 0 <= a < _ADULT_AGE] or [10]))
        member: dict[str, Any] = {"id": member_id, "role": role, "age": age}
        for path, kind in MEMBER_FIELDS.items():
            if path not in ("role", "age") and self.rng.random() < density:
                _put(member, path, self._value(path, kind))
        return member

    def _value(self, path: str, kind: type) -> Any:
        """A value for a field: near a threshold some rule names, or anywhere in its range."""
        if kind is bool:
            return self.rng.random() < 0.8  # present is mostly true: false is what absent means anyway
        known = self.values.get(path, [])
        if kind is str:
            return self.rng.choice(CHOICES.get(path) or known or ["x"])
        low, high = _CONTRACT_LIMITS.get(path, (0, 30))
        if known and self.rng.random() < 0.7:
            value = self.rng.choice(known)
        else:
            value = self.rng.uniform(low, high) if kind is float else self.rng.randint(low, high)
        value = min(max(value, low), high)
        return round(value, 1) if kind is float else int(value)


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``a.b.c`` in nested dicts, making the dicts on the way."""
    *parents, name = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[name] = value
