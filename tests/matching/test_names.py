"""Names normalised for comparison: case, accents, apostrophes, hyphens, Mac and Mc."""

from __future__ import annotations

import pytest

from triage.matching.names import family_key, name_tokens, normalise_name, phonetic


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("  WILLIAM ", "william"),
        ("Zoë", "zoe"),
        ("Łukasz", "lukasz"),
        ("Nguyễn", "nguyen"),
        ("O'Brien", "obrien"),
        ("O’Brien", "obrien"),
        ("Smith-Jones", "smith jones"),
        ("Mary  Ann", "mary ann"),
        ("", ""),
        (None, ""),
    ],
)
def test_names_are_normalised_to_plain_lower_case_words(written: str | None, normalised: str) -> None:
    assert normalise_name(written) == normalised


def test_mac_and_mc_are_written_the_same() -> None:
    assert normalise_name("MacDonald") == normalise_name("McDonald") == "mcdonald"


def test_a_short_name_beginning_mac_is_left_alone() -> None:
    assert normalise_name("Mace") == "mace"


def test_a_family_name_is_one_word_whatever_its_spacing() -> None:
    assert family_key("Van der Berg") == family_key("van-der-berg") == "vanderberg"


def test_name_tokens_split_first_and_middle_names() -> None:
    assert name_tokens("Mary-Ann Louise") == ("mary", "ann", "louise")


def test_spellings_that_sound_alike_share_a_phonetic_key() -> None:
    assert phonetic("mohammed") == phonetic("muhammad")
    assert phonetic("smith") != phonetic("jones")
