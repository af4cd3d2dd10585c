"""Turn a validated referral into the flat facts the rules are matched against.

Done in Python, once per referral, because durable-rules cannot do it: it matches flat JSON
objects, cannot reach into lists of members, and knows nothing of postcodes. Facts hold only
fields that are present, so an absent field makes every comparison false in both backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triage.engine.compiler import CompiledPolicy, FieldGroup, fact_key
from triage.models import Referral
from triage.postcodes import outward_code

Fact = dict[str, Any]
IN_AREA = fact_key("derived.in_area")


@dataclass(frozen=True)
class FactSet:
    household: Fact
    members: tuple[Fact, ...]
    district: str
    locality: str | None


def _copy_fields(source: Any, groups: tuple[FieldGroup, ...], into: Fact) -> Fact:
    """Copy the fields the rules use from a model into a flat fact, leaving out absent ones.

    Reads each section's attribute dictionary once: this runs for every member of every
    referral, and one ``getattr`` per field was the largest cost of building facts.
    """
    for holder_path, fields in groups:
        holder = source
        for part in holder_path:
            holder = getattr(holder, part)
        if holder is None:  # an absent section (no consent object): its fields are absent
            continue
        values = vars(holder)
        for key, name in fields:
            value = values[name]
            if value is not None:
                into[key] = value
    return into


def build_facts(referral: Referral, policy: CompiledPolicy) -> FactSet:
    """Only the fields some rule or explanation uses go into the facts (never names, narrative
    or timestamps): smaller facts are cheaper for durable-rules to encode and match."""
    district = outward_code(referral.household.postcode)
    locality = policy.district_locality.get(district)
    household = _copy_fields(referral, policy.household_fields, {"kind": "household", IN_AREA: locality is not None})
    members = tuple(
        _copy_fields(member, policy.member_fields, {"kind": "member", "member_id": member.id})
        for member in referral.household.members
    )
    return FactSet(household, members, district, locality)
