"""Turn a validated referral into the flat facts the rules are matched against.

Done in Python, once per referral, because durable-rules cannot do it: it matches flat JSON
objects, cannot reach into lists of members, and knows nothing of postcodes. Facts hold only
fields that are present, so an absent field makes every comparison false in both backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triage.engine.compiler import CompiledPolicy, fact_key
from triage.models import Referral
from triage.postcodes import outward_code
from triage.rulebook.fields import DERIVED_FIELDS, HOUSEHOLD_FIELDS

Fact = dict[str, Any]

# Household fields the rules may test (never names, narrative or timestamps: facts are evidence
# only, and durable-rules cannot carry dates).
_HOUSEHOLD_PATHS = tuple((fact_key(p), tuple(p.split("."))) for p in HOUSEHOLD_FIELDS if p not in DERIVED_FIELDS)


@dataclass(frozen=True)
class FactSet:
    household: Fact
    members: tuple[Fact, ...]
    district: str
    locality: str | None


def _flatten(data: dict[str, Any], out: Fact) -> None:
    """Copy a member's fields into ``out``, sections one level deep (``school__attendance_pct``)."""
    for name, value in data.items():
        if type(value) is dict:
            for inner, item in value.items():
                if item is not None:
                    out[f"{name}__{inner}"] = item
        elif value is not None:
            out[name] = value


def build_facts(referral: Referral, policy: CompiledPolicy) -> FactSet:
    district = outward_code(referral.household.postcode)
    locality = policy.district_locality.get(district)
    household: Fact = {"kind": "household", fact_key("derived.in_area"): locality is not None}
    for key, parts in _HOUSEHOLD_PATHS:
        value: Any = referral
        for part in parts:
            value = getattr(value, part, None)
        if value is not None:
            household[key] = value
    members = []
    for member in referral.household.members:
        fact: Fact = {"kind": "member"}
        _flatten(member.model_dump(), fact)
        fact["member_id"] = fact.pop("id")
        members.append(fact)
    return FactSet(household, tuple(members), district, locality)
