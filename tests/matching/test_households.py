"""Household candidates: people's candidates grouped by the household they were recorded in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from triage.matching import PeopleIndex, PersonRecord, Strength

MakePerson = Callable[..., PersonRecord]


def family(make_person: MakePerson, household: str, postcode: str) -> list[PersonRecord]:
    return [
        make_person(
            household_id=household,
            given_name="Amina",
            family_name="Okafor",
            date_of_birth=date(1985, 4, 9),
            sex="female",
            postcode=postcode,
        ),
        make_person(
            household_id=household,
            given_name="Chidi",
            family_name="Okafor",
            date_of_birth=date(2012, 11, 30),
            postcode=postcode,
        ),
        make_person(
            household_id=household,
            given_name="Ngozi",
            family_name="Okafor",
            date_of_birth=date(2016, 6, 1),
            sex="female",
            postcode=postcode,
        ),
    ]


def test_a_household_that_moved_is_found_by_its_people(make_person: MakePerson) -> None:
    index = PeopleIndex(family(make_person, "h-old", "S5 7AU"))
    moved = [
        make_person(
            household_id=None,
            given_name=p.given_name,
            family_name=p.family_name,
            date_of_birth=p.date_of_birth,
            sex=p.sex,
            postcode="S20 1AB",
            address_line_1="4 New Street",
        )
        for p in family(make_person, "x", "S5 7AU")
    ]
    found = index.household_candidates(moved)
    assert [h.household_id for h in found] == ["h-old"]
    assert found[0].people_matched == 3
    assert found[0].people_referred == 3
    assert found[0].strength is Strength.LIKELY
    assert found[0].reasons == ("3 of 3 people matched", "a different postcode: the household may have moved")


def test_households_with_more_people_matched_come_first(make_person: MakePerson) -> None:
    old = family(make_person, "h-old", "S5 7AU")
    aunt = make_person(
        household_id="h-aunt",
        given_name="Amina",
        family_name="Okafor",
        date_of_birth=date(1985, 4, 9),
        sex="female",
        postcode="S9 3CD",
    )
    index = PeopleIndex([*old, aunt])
    incoming = [
        make_person(
            household_id=None,
            given_name=p.given_name,
            family_name=p.family_name,
            date_of_birth=p.date_of_birth,
            sex=p.sex,
            postcode="S5 7AU",
        )
        for p in old
    ]
    found = index.household_candidates(incoming)
    assert [(h.household_id, h.people_matched) for h in found] == [("h-old", 3), ("h-aunt", 1)]


def test_a_candidate_without_a_household_makes_no_household_candidate(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(household_id=None)])
    assert index.household_candidates([make_person()]) == []
