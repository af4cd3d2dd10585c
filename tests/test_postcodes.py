"""Tests for triage.postcodes.outward_code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage.postcodes import outward_code

# -- accepted forms ----------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [
        ("S5 7AU", "S5"),
        ("s5 7au", "S5"),
        ("  s5 7au  ", "S5"),
        ("SW1A 1AA", "SW1A"),
        ("EC1A 1BB", "EC1A"),
        ("M1 1AE", "M1"),
    ],
)
def test_with_space_outward_is_part_before_space(postcode: str, expected: str) -> None:
    assert outward_code(postcode) == expected


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [
        ("s57au", "S5"),
        ("s12bx", "S1"),  # not S12: the last three characters are the inward code
        ("S357AB", "S35"),
        ("SW1A1AA", "SW1A"),
        (" m11ae ", "M1"),
    ],
)
def test_without_space_outward_is_all_but_last_three(postcode: str, expected: str) -> None:
    assert outward_code(postcode) == expected


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [("S5", "S5"), ("s5", "S5"), ("S35", "S35"), ("sw1a", "SW1A"), (" s35 ", "S35")],
)
def test_outward_code_alone_is_returned_upper_case(postcode: str, expected: str) -> None:
    assert outward_code(postcode) == expected


@pytest.mark.parametrize("postcode", ["S5  7AU", "S5\t7AU", "S5\u00a07AU"])
def test_internal_whitespace_runs_are_accepted_as_one_space(postcode: str) -> None:
    # Documented choice: double spaces, tabs and non-breaking spaces (common
    # in copy-pasted addresses) are treated as a single space.
    assert outward_code(postcode) == "S5"


# -- rejected inputs -----------------------------------------------------------


@pytest.mark.parametrize("postcode", ["", "   ", "\t\n"])
def test_blank_is_rejected_as_empty(postcode: str) -> None:
    with pytest.raises(ValueError, match="^postcode is empty$"):
        outward_code(postcode)


@pytest.mark.parametrize(
    ("postcode", "reason"),
    [
        ("12345", "'12345' is not a UK postcode or outward code"),
        ("S", "'S' is not a UK postcode or outward code"),
        ("S5 7A", "'7A' is not a valid inward code (like '7AU')"),
        ("S5 AAU", "'AAU' is not a valid inward code (like '7AU')"),
        ("5S 7AU", "'5S' is not a valid outward code (like 'S5' or 'S35')"),
        ("S5 7AU X", "'S5 7AU X' is not a UK postcode or outward code"),
        ("S5-7AU", "'S5-7AU' is not a UK postcode or outward code"),
        ("ABC1 1AA", "'ABC1' is not a valid outward code (like 'S5' or 'S35')"),
    ],
)
def test_invalid_input_names_what_is_wrong(postcode: str, reason: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        outward_code(postcode)
    assert str(excinfo.value) == reason


def test_long_input_is_truncated_in_reason() -> None:
    with pytest.raises(ValueError) as excinfo:
        outward_code("X" * 500)
    assert len(str(excinfo.value)) < 80


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("X" * 20, "'" + "X" * 20 + "'"), ("X" * 21, "'" + "X" * 19 + "…'")],
    ids=["twenty-whole", "twenty-one-cut"],
)
def test_the_reason_quotes_up_to_twenty_characters_of_the_input(typed: str, shown: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        outward_code(typed)
    assert str(excinfo.value) == f"{shown} is not a UK postcode or outward code"


@pytest.mark.parametrize("postcode", ["\u017f5 7AU", "S\u0665 7AU"], ids=["long-s", "arabic-digit"])
def test_unicode_lookalikes_are_rejected(postcode: str) -> None:
    with pytest.raises(ValueError):
        outward_code(postcode)


# -- property ------------------------------------------------------------------

_LETTER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGIT = "0123456789"

_OUTWARD = st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]?", fullmatch=True, alphabet=_LETTER + _DIGIT)
_INWARD = st.from_regex(r"[0-9][A-Z]{2}", fullmatch=True, alphabet=_LETTER + _DIGIT)


@given(outward=_OUTWARD, inward=_INWARD)
def test_space_is_optional_between_outward_and_inward(outward: str, inward: str) -> None:
    assert outward_code(f"{outward} {inward}") == outward_code(f"{outward}{inward}") == outward
