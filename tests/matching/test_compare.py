"""How two names agree: exact, variant, one letter out, alike, an initial, or different."""

from __future__ import annotations

import pytest

from triage.matching.compare import NameAgreement, compare_family, compare_given
from triage.matching.names import name_tokens
from triage.matching.settings import MatchSettings
from triage.matching.variants import default_variants

SETTINGS = MatchSettings()


def given(a: str, b: str) -> NameAgreement:
    return compare_given(name_tokens(a), name_tokens(b), default_variants(), SETTINGS)[0]


def family(a: str, b: str) -> NameAgreement:
    key_a, key_b = "".join(name_tokens(a)), "".join(name_tokens(b))
    return compare_family(key_a, name_tokens(a), key_b, name_tokens(b), SETTINGS)


@pytest.mark.parametrize(
    ("a", "b", "agreement"),
    [
        ("William", "WILLIAM", NameAgreement.EXACT),
        ("Mary Ann", "Ann", NameAgreement.EXACT),
        ("Bill", "William", NameAgreement.VARIANT),
        ("Jonathon", "Jonathan", NameAgreement.TYPO),
        ("Oilver", "Oliver", NameAgreement.TYPO),
        ("Hassan", "Hussain", NameAgreement.SIMILAR),
        ("W", "William", NameAgreement.INITIAL),
        ("J", "William", NameAgreement.DIFFERENT),
        ("Amelia", "Olivia", NameAgreement.DIFFERENT),
        ("", "William", NameAgreement.MISSING),
    ],
)
def test_first_names_agree_as_closely_as_they_do(a: str, b: str, agreement: NameAgreement) -> None:
    assert given(a, b) is agreement


def test_a_one_letter_change_in_a_short_name_is_not_a_typo() -> None:
    # Eva and Ava, Mia and Mya: in three letters one change is another name, as twins are named
    assert given("Eva", "Ava") is not NameAgreement.TYPO


def test_the_relation_of_a_variant_is_said_in_words() -> None:
    assert compare_given(("bill",), ("william",), default_variants(), SETTINGS)[1] == "nickname of William"


@pytest.mark.parametrize(
    ("a", "b", "agreement"),
    [
        ("Smith", "smith", NameAgreement.EXACT),
        ("Smith-Jones", "Smith Jones", NameAgreement.EXACT),
        ("Smith-Jones", "Jones", NameAgreement.PARTIAL),
        ("Kowalski", "Kowalsky", NameAgreement.TYPO),
        ("Smith", "Jones", NameAgreement.DIFFERENT),
        ("", "Smith", NameAgreement.MISSING),
    ],
)
def test_family_names_agree_as_closely_as_they_do(a: str, b: str, agreement: NameAgreement) -> None:
    assert family(a, b) is agreement
