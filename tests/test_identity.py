"""The contract's identity fields: each refused with the field and the reason when it cannot be right."""

from __future__ import annotations

from datetime import date

import pytest

from triage.identity import age_on, birth_problem
from triage.intake import InvalidReferral, parse_referral

from support import build_referral, child, parent


def _errors(**member: object) -> list[str]:
    data = build_referral(parent(), child(**member))
    with pytest.raises(InvalidReferral) as refused:
        parse_referral(data, None)
    return [str(error) for error in refused.value.errors]


def test_a_referral_with_every_identity_field_is_accepted():
    data = build_referral(
        parent(age=36, given_name="Amira", family_name="Khan", date_of_birth="1990-01-15", sex="female"),
        child(age=12, given_name="Jayden", family_name="Khan-Smith", date_of_birth="2014-03-02", sex="male"),
    )
    data["household"].update(address_line_1="1 High Street", address_line_2="Flat 2", town="Leeds")
    data["referrer"].update(email="a.teacher@school.example.org", phone="+44 113 496 0000")
    member = parse_referral(data, None).household.members[1]
    assert (member.given_name, member.date_of_birth) == ("Jayden", date(2014, 3, 2))


def test_a_date_of_birth_in_uk_order_is_refused_naming_the_format():
    assert _errors(date_of_birth="02/03/2014") == [
        "household.members[1].date_of_birth: must be a date as YYYY-MM-DD, e.g. 2014-03-02"
    ]


def test_a_date_of_birth_before_1900_is_refused():
    assert _errors(age=12, date_of_birth="1899-12-31") == [
        "household.members[1].date_of_birth: must be 1900-01-01 or later"
    ]


def test_a_date_of_birth_after_the_day_received_is_refused():
    [error] = _errors(age=0, date_of_birth="2027-01-01")
    assert error.startswith("household.members[1].date_of_birth: must not be after the day the referral was received")


def test_a_date_of_birth_two_years_off_the_age_is_refused():
    assert _errors(age=12, date_of_birth="2010-01-01") == [
        "household.members[1].date_of_birth: must agree with age: it makes this member 16 on the day received, but age says 12"
    ]


def test_an_age_one_year_off_the_date_of_birth_is_accepted():
    assert birth_problem(date(2014, 1, 1), 11, date(2026, 11, 20)) is None


def test_a_birthday_not_yet_reached_this_year_counts_a_year_less():
    assert (age_on(date(2014, 12, 25), date(2026, 12, 24)), age_on(date(2014, 12, 25), date(2026, 12, 25))) == (11, 12)


def test_an_unknown_sex_is_refused():
    [error] = _errors(sex="boy")
    assert error.startswith("household.members[1].sex:")


def test_an_empty_name_is_refused():
    [error] = _errors(given_name="")
    assert error.startswith("household.members[1].given_name:")


@pytest.mark.parametrize("email", ["not an email", "a@b", "two@@example.org"])
def test_an_email_that_is_not_one_is_refused(email):
    data = build_referral(parent(), child())
    data["referrer"]["email"] = email
    with pytest.raises(InvalidReferral) as refused:
        parse_referral(data, None)
    assert [e.path for e in refused.value.errors] == ["referrer.email"]


@pytest.mark.parametrize("phone", ["12345", "call me", "0113 496 0000 0000 0000"])
def test_a_phone_number_that_is_not_one_is_refused(phone):
    data = build_referral(parent(), child())
    data["referrer"]["phone"] = phone
    with pytest.raises(InvalidReferral) as refused:
        parse_referral(data, None)
    assert [e.path for e in refused.value.errors] == ["referrer.phone"]


def test_an_nhs_number_in_groups_is_kept_as_ten_digits():
    data = build_referral(parent(), child(nhs_number="943 476 5919"))
    assert parse_referral(data, None).household.members[1].nhs_number == "9434765919"


def test_an_nhs_number_with_a_wrong_check_digit_is_refused_naming_the_check():
    [error] = _errors(nhs_number="943 476 5918")
    assert error.startswith("household.members[1].nhs_number: is not a valid NHS number (its check digit is wrong")


def test_a_upn_in_lower_case_is_kept_in_capitals():
    data = build_referral(parent(), child(upn="a123456789012"))
    assert parse_referral(data, None).household.members[1].upn == "A123456789012"


def test_a_upn_with_a_wrong_check_letter_is_refused():
    [error] = _errors(upn="B123456789012")
    assert error.startswith("household.members[1].upn: is not a valid unique pupil number")
