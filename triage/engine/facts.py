"""Turn a validated referral into the flat facts the rules are matched against.

Done in Python, once per referral, because durable-rules cannot do it: it matches flat JSON
objects, cannot reach into lists of members, and knows nothing of postcodes. Facts hold only
fields that are present, so an absent field makes every comparison false in both backends.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from triage.engine.compiler import CompiledPolicy, fact_key
from triage.models import Referral
from triage.postcodes import outward_code

Fact = dict[str, Any]
IN_AREA = fact_key("derived.in_area")


class FactSet(NamedTuple):  # a tuple: built for every referral, and a frozen dataclass costs twice as much
    household: Fact
    members: tuple[Fact, ...]
    district: str
    locality: str | None


def build_facts(referral: Referral, policy: CompiledPolicy) -> FactSet:
    """Only the fields some rule or explanation uses go into the facts (never names, narrative
    or timestamps): smaller facts are cheaper for durable-rules to encode and match. The copying
    is done by readers generated once per ruleset (``triage.engine.readers``)."""
    district = outward_code(referral.household.postcode)
    locality = policy.district_locality.get(district)
    household = policy.read_household(referral, {"kind": "household", IN_AREA: locality is not None})
    read = policy.read_member
    members = tuple([read(member, {"kind": "member", "member_id": member.id}) for member in referral.household.members])
    return FactSet(household, members, district, locality)
