"""The engine never reads who the people are: names, dates of birth, sex, address and the
referrer's contact details change no decision."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

from engine.test_properties import SETTINGS, referrals
from hypothesis import given
from hypothesis import strategies as st

from triage.identity import MEMBER_IDENTITY
from triage.intake import parse_referral

NAMES = st.text(st.characters(categories=["L", "Zs"], max_codepoint=0x2FFF), min_size=1, max_size=40).filter(str.strip)
HOUSEHOLD_IDENTITY = ("address_line_1", "address_line_2", "town")
REFERRER_IDENTITY = ("email", "phone")


def _born(received_at: str, age: int, days_before_birthday: int) -> str:
    received = datetime.fromisoformat(received_at.replace("Z", "+00:00")).date()
    birthday = date(received.year - age, received.month, min(received.day, 28))
    return (birthday - timedelta(days=days_before_birthday % 300)).isoformat()


@st.composite
def identified(draw: st.DrawFn) -> dict[str, Any]:
    """A referral from the property tests, with every identity field filled in."""
    data = draw(referrals())
    for member in data["household"]["members"]:
        member.update(
            given_name=draw(NAMES),
            family_name=draw(NAMES),
            date_of_birth=_born(data["received_at"], member["age"], draw(st.integers(0, 299))),
            sex=draw(st.sampled_from(["female", "male", "other", "not_known"])),
            nhs_number=draw(st.sampled_from(["943 476 5919", "9876543210", "401-023-2137"])),
            upn=draw(st.sampled_from(["A123456789012", "H801200001001"])),
        )
    data["household"].update(address_line_1="1 High Street", address_line_2="Flat 2", town="Leeds")
    data["referrer"].update(email="someone@school.example.org", phone="0113 496 0000")
    return data


def _stripped(data: dict[str, Any]) -> dict[str, Any]:
    bare = copy.deepcopy(data)
    for member in bare["household"]["members"]:
        for name in MEMBER_IDENTITY:
            member.pop(name)
    for name in HOUSEHOLD_IDENTITY:
        bare["household"].pop(name)
    for name in REFERRER_IDENTITY:
        bare["referrer"].pop(name)
    return bare


def _decided(engine: Any, data: dict[str, Any]) -> dict[str, Any]:
    decision = engine.decide(parse_referral(data, engine.compiled.agencies)).model_dump(mode="json")
    return {k: v for k, v in decision.items() if k not in ("decision_id", "decided_at")}


@SETTINGS
@given(data=identified())
def test_a_decision_is_the_same_with_identity_fields_stripped(engine, data):
    assert _decided(engine, data) == _decided(engine, _stripped(data))
