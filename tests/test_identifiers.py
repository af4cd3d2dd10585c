"""NHS numbers and UPNs: accepted shapes, check characters, and every one-character slip caught."""

from __future__ import annotations

import pytest

from triage.identifiers import (
    UPN_LETTERS,
    is_temporary_upn,
    normalise_nhs_number,
    normalise_upn,
    upn_check_letter,
    valid_nhs_number,
    valid_upn,
)

# 943 476 5919 is the NHS's own published example; the check digit of 401 023 213 is 7 (sum 92,
# 92 mod 11 = 4, 11 - 4); 200 000 001 sums to 22, remainder 0, so its check digit is 11 -> 0
GOOD_NHS = ("9434765919", "4010232137", "2000000010")
# B801200005001: python-stdnum's documented example; P207000016049: the body of the census
# guidance's worked example for rule 1510 (its products 2x2 + 4x7 + 9x1 + 10x6 + 12x4 + 13x9 add up
# to 266, remainder 13 -> P; the guidance says 267 and Q, a slip in its addition);
# M80120000500A and N80120000500T: temporary UPNs worked by hand (A counts 0: 80 mod 23 = 11 -> M;
# T counts 16: 80 + 16 x 13 = 288, remainder 12 -> N)
GOOD_UPN = ("B801200005001", "P207000016049", "M80120000500A", "N80120000500T")


@pytest.mark.parametrize("number", GOOD_NHS)
def test_known_good_nhs_numbers_are_valid(number: str) -> None:
    assert valid_nhs_number(number)


@pytest.mark.parametrize("written", ["943 476 5919", "943-476-5919", " 9434765919 ", "943 476 5919\t"])
def test_nhs_number_in_3_3_4_groups_normalises_to_ten_digits(written: str) -> None:
    assert normalise_nhs_number(written) == "9434765919"
    assert valid_nhs_number(written)


@pytest.mark.parametrize(
    "written",
    ["94347 65919", "943 4765919", "943-476 5919", "943  476  5919", "943476591", "94347659190", "943 476 591X", ""],
)
def test_nhs_number_in_other_shapes_is_refused(written: str) -> None:
    assert normalise_nhs_number(written) is None
    assert not valid_nhs_number(written)


@pytest.mark.parametrize("number", GOOD_NHS)
def test_every_one_digit_change_to_an_nhs_number_is_caught(number: str) -> None:
    for position in range(10):
        for digit in "0123456789":
            if digit != number[position]:
                changed = number[:position] + digit + number[position + 1 :]
                assert not valid_nhs_number(changed), changed


@pytest.mark.parametrize("number", GOOD_NHS)
def test_swapping_two_neighbouring_digits_of_an_nhs_number_is_caught(number: str) -> None:
    for position in range(9):
        if number[position] != number[position + 1]:
            swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
            assert not valid_nhs_number(swapped), swapped


def test_nine_digits_whose_check_would_be_10_never_make_an_nhs_number() -> None:
    # 1..9 weighted 10..2 sums to 210, remainder 1: the check would be 10, which is never issued
    assert not any(valid_nhs_number(f"123456789{last}") for last in "0123456789")


@pytest.mark.parametrize("upn", GOOD_UPN)
def test_known_good_upns_are_valid(upn: str) -> None:
    assert valid_upn(upn)


def test_upn_in_lower_case_with_surrounding_spaces_normalises() -> None:
    assert normalise_upn("  b801200005001 ") == "B801200005001"
    assert valid_upn("  b801200005001 ")


@pytest.mark.parametrize(
    "written",
    [
        "B80120000500",
        "B8012000050011",
        "B 801200005001",
        "I801200005001",
        "B80120000A001",
        "B80120000500S",
        "1801200005001",
    ],
)
def test_upn_in_other_shapes_is_refused(written: str) -> None:
    assert normalise_upn(written) is None
    assert not valid_upn(written)


@pytest.mark.parametrize("upn", GOOD_UPN)
def test_every_one_character_change_to_a_upn_is_caught(upn: str) -> None:
    def value(character: str) -> int:
        return int(character) if character.isdigit() else UPN_LETTERS.index(character)

    alphabet = "0123456789" + UPN_LETTERS
    for position in range(13):
        for character in alphabet:
            # the last character counts by its value: digit 1 and temporary letter B (both 1) are
            # the same to the check letter, so only a change of value is a slip it can catch
            if character != upn[position] and (position < 12 or value(character) != value(upn[12])):
                changed = upn[:position] + character + upn[position + 1 :]
                assert not valid_upn(changed), changed


def test_the_upn_check_letter_follows_the_census_worked_example() -> None:
    # the guidance's B207000016049 is refused; its products add up to 266 -> P
    assert upn_check_letter("207000016049") == "P"
    assert not valid_upn("B207000016049")


def test_upn_check_letter_refuses_a_body_that_is_not_a_upn() -> None:
    with pytest.raises(ValueError, match="eleven digits"):
        upn_check_letter("20700001604")


def test_a_upn_ending_in_a_letter_is_temporary() -> None:
    assert is_temporary_upn("M80120000500A")
    assert not is_temporary_upn("B801200005001")
    assert not is_temporary_upn("not a upn")
