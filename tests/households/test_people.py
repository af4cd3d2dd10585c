"""The people of a stored referral: who matching can use, and how staff see them (names, ages today)."""

from __future__ import annotations

from datetime import date

from triage.households.people import Person, people_of, years_between

from support import build_referral, child, parent, smiths


def test_only_members_with_something_to_match_by_are_indexed() -> None:
    referral = build_referral(parent(), child(9, "c1", given_name="Amy"), referral_id="R-1")
    [amy] = people_of("d1", referral)
    assert (amy.person_id, amy.household_id, amy.given_name, amy.referral_id) == ("d1/c1", "d1", "Amy", "R-1")


def test_a_person_carries_the_household_address_and_numbers() -> None:
    [_, jayden] = people_of("d1", smiths("R-1"))
    assert (jayden.postcode, jayden.address_line_1, jayden.nhs_number) == ("S5 7AU", "12 Hill Street", "9434765919")
    assert jayden.date_of_birth == date(2014, 3, 2)


def test_a_purged_referral_has_no_people() -> None:
    assert people_of("d1", None) == []


def test_an_age_today_comes_from_the_date_of_birth() -> None:
    member = {"id": "c1", "role": "child", "age": 11, "date_of_birth": "2014-03-02", "given_name": "Jayden"}
    seen = Person.of("d1", member, referred_on=date(2025, 6, 1), today=date(2026, 3, 1))
    assert (seen.name, seen.age_today, seen.age_when_referred) == ("Jayden", 11, 11)


def test_without_a_date_of_birth_the_age_given_grows_with_the_years_since() -> None:
    member = {"id": "c1", "role": "child", "age": 9}
    seen = Person.of("d1", member, referred_on=date(2024, 6, 1), today=date(2026, 6, 1))
    assert (seen.name, seen.age_today, seen.role) == (None, 11, "child")


def test_a_birthday_not_yet_reached_this_year_does_not_count() -> None:
    assert years_between(date(2014, 3, 2), date(2026, 3, 1)) == 11
    assert years_between(date(2014, 3, 2), date(2026, 3, 2)) == 12
