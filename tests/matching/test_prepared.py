"""Records made ready to compare: identifiers kept only when valid, places normalised."""

from __future__ import annotations

from collections.abc import Callable

from triage.matching import PersonRecord
from triage.matching.prepared import normalise_address, normalise_postcode, prepare

MakePerson = Callable[..., PersonRecord]


def test_a_valid_nhs_number_is_kept_as_ten_digits(make_person: MakePerson) -> None:
    assert prepare(make_person(nhs_number="943 476 5919")).nhs == "9434765919"


def test_an_nhs_number_with_a_wrong_check_digit_is_no_key(make_person: MakePerson) -> None:
    assert prepare(make_person(nhs_number="943 476 5918")).nhs is None


def test_a_upn_with_a_wrong_check_letter_is_no_key(make_person: MakePerson) -> None:
    assert prepare(make_person(upn="A801200005001")).upn is None
    assert prepare(make_person(upn="b801200005001")).upn == "B801200005001"


def test_a_temporary_upn_is_known_as_one(make_person: MakePerson) -> None:
    assert prepare(make_person(upn="M80120000500A")).upn_temporary


def test_a_postcode_is_compacted_with_its_district() -> None:
    assert normalise_postcode(" s5 7au ") == ("S57AU", "S5")


def test_a_district_alone_is_no_postcode() -> None:
    assert normalise_postcode("S5") == (None, "S5")


def test_something_that_is_not_a_postcode_is_neither() -> None:
    assert normalise_postcode("not known") == (None, None)


def test_street_abbreviations_are_written_out() -> None:
    assert normalise_address("12 Park Rd.") == normalise_address("12 PARK ROAD") == "12 park road"


def test_sex_is_read_in_its_usual_forms(make_person: MakePerson) -> None:
    assert prepare(make_person(sex="F")).sex == "female"
    assert prepare(make_person(sex="unknown")).sex is None
