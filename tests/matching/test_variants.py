"""Nicknames and other spellings, from the shipped YAML and from a hand-made list."""

from __future__ import annotations

import pytest

from triage.matching.variants import NameVariants, _load, default_variants


def test_a_nickname_is_related_to_its_full_name_both_ways() -> None:
    variants = default_variants()
    assert variants.relation("bill", "william") == "nickname of William"
    assert variants.relation("william", "bill") == "nickname of William"


def test_two_nicknames_of_one_name_are_both_short_for_it() -> None:
    assert default_variants().relation("bill", "will") == "both short for William"


def test_another_spelling_is_named_by_the_first_spelling_listed() -> None:
    assert default_variants().relation("muhammad", "mohammed") == "another spelling of Mohammed"


def test_a_nickname_of_one_spelling_is_a_nickname_of_the_others() -> None:
    assert default_variants().relation("mo", "muhammad") == "nickname of Mohammed"


@pytest.mark.parametrize(("a", "b"), [("john", "james"), ("eva", "ava"), ("william", "william")])
def test_unrelated_or_identical_names_have_no_relation(a: str, b: str) -> None:
    assert default_variants().relation(a, b) is None


def test_full_names_include_every_name_a_nickname_may_stand_for() -> None:
    assert {"alexander", "alexandra"} <= default_variants().full_names("alex")


def test_variants_can_be_given_by_hand() -> None:
    variants = NameVariants({"kwabena": ["kobby"]}, [["abena", "abenaa"]])
    assert variants.relation("kobby", "kwabena") == "nickname of Kwabena"
    assert variants.relation("abenaa", "abena") == "another spelling of Abena"


def test_a_nicknames_file_of_the_wrong_shape_is_refused_naming_the_section() -> None:
    with pytest.raises(ValueError, match="nicknames must map"):
        _load("nicknames: [bill, william]")
    with pytest.raises(ValueError, match="spellings must be"):
        _load("spellings: {mohammed: muhammad}")
