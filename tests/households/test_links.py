"""Household ids: short, readable, random, and recognised however they are typed."""

from __future__ import annotations

from triage.households.links import is_household_id, new_household_id


def test_a_new_household_id_is_recognised_as_one() -> None:
    made = new_household_id()
    assert is_household_id(made) and len(made) == 10


def test_household_ids_are_not_a_count() -> None:
    assert len({new_household_id() for _ in range(200)}) == 200


def test_a_household_id_typed_in_lower_case_or_with_spaces_is_recognised() -> None:
    assert is_household_id(" h-7k3m9q2p ")


def test_letters_that_read_out_ambiguously_are_never_in_an_id() -> None:
    assert not is_household_id("H-7K3M9Q2I") and not is_household_id("H-OOOOOOOO")
    assert not is_household_id("H-7K3M9Q2") and not is_household_id("7K3M9Q2PX")
