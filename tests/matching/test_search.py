"""Front door search: names (fuzzy), dates of birth, postcodes, numbers and ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from triage.matching import MatchSettings, PeopleIndex, PersonRecord
from triage.matching.search import parse_query

MakePerson = Callable[..., PersonRecord]


@pytest.fixture
def index(make_person: MakePerson) -> PeopleIndex:
    return PeopleIndex(
        [
            make_person(person_id="william", household_id="H-1", referral_id="R-1", nhs_number="9434765919"),
            make_person(
                person_id="mohammed",
                household_id="H-2",
                referral_id="R-2",
                given_name="Mohammed",
                family_name="Khan",
                date_of_birth=date(2015, 6, 1),
                postcode="S1 2BX",
                upn="B801200005001",
            ),
            make_person(
                person_id="hussain",
                household_id="H-2",
                referral_id="R-2",
                given_name="Hussain",
                family_name="Khan",
                date_of_birth=date(2015, 6, 1),
                postcode="S1 2BX",
            ),
            make_person(
                person_id="zofia",
                household_id="H-3",
                referral_id="R-3",
                given_name="Zofia",
                family_name="Kowalska",
                date_of_birth=date(2012, 11, 5),
                postcode="S6 1AA",
            ),
        ]
    )


def found(index: PeopleIndex, query: str) -> list[str]:
    return [hit.person.person_id for hit in index.search(query)]


@pytest.mark.parametrize("query", ["William Smith", "smith william", "Wiliam Smith", "Bill Smith", "W Smith"])
def test_a_name_is_found_in_any_order_with_a_slip_or_a_nickname(index: PeopleIndex, query: str) -> None:
    assert found(index, query) == ["william"]


def test_a_family_name_alone_finds_everyone_of_that_name(index: PeopleIndex) -> None:
    assert found(index, "Khan") == ["hussain", "mohammed"]


def test_another_spelling_of_a_name_is_found(index: PeopleIndex) -> None:
    assert found(index, "Muhammad Khan") == ["mohammed"]


@pytest.mark.parametrize("query", ["2014-03-02", "2/3/2014", "02/03/2014", "2 March 2014"])
def test_a_date_of_birth_in_any_accepted_shape_is_found(index: PeopleIndex, query: str) -> None:
    assert found(index, query) == ["william"]


def test_a_date_of_birth_typed_month_first_is_found_after_day_first(
    index: PeopleIndex, make_person: MakePerson
) -> None:
    index.add(make_person(person_id="march", given_name="Grace", family_name="Adams", date_of_birth=date(2014, 2, 3)))
    hits = index.search("3/2/2014")
    assert [h.person.person_id for h in hits] == ["march", "william"]
    assert hits[1].reasons == ("date of birth with day and month swapped",)


@pytest.mark.parametrize("query", ["S5 7AU", "s57au"])
def test_a_full_postcode_is_found(index: PeopleIndex, query: str) -> None:
    assert found(index, query) == ["william"]


def test_a_district_finds_everyone_in_it(index: PeopleIndex) -> None:
    assert found(index, "S1") == ["hussain", "mohammed"]


@pytest.mark.parametrize(("query", "person"), [("943 476 5919", "william"), ("b801200005001", "mohammed")])
def test_an_nhs_number_or_upn_finds_its_person(index: PeopleIndex, query: str, person: str) -> None:
    hits = index.search(query)
    assert [h.person.person_id for h in hits] == [person]
    assert hits[0].score == 1.0


def test_a_mistyped_nhs_number_finds_nobody(index: PeopleIndex) -> None:
    assert found(index, "943 476 5918") == []


def test_a_referral_id_finds_its_people(index: PeopleIndex) -> None:
    assert found(index, "R-2") == ["hussain", "mohammed"]


def test_a_household_id_finds_its_people(index: PeopleIndex) -> None:
    assert found(index, "H-3") == ["zofia"]


def test_a_name_and_a_date_of_birth_narrow_each_other(index: PeopleIndex) -> None:
    assert found(index, "Khan 01/06/2015 Mohammed") == ["mohammed"]


def test_a_name_and_a_district_narrow_each_other(index: PeopleIndex) -> None:
    assert found(index, "Smith S1") == []


def test_an_exact_name_scores_above_a_misspelt_one(index: PeopleIndex, make_person: MakePerson) -> None:
    index.add(make_person(person_id="willian", given_name="Willian"))
    hits = index.search("William Smith")
    assert [h.person.person_id for h in hits] == ["william", "willian"]
    assert hits[0].reasons == ("name matches",)
    assert hits[1].score < hits[0].score


def test_a_blank_query_finds_nobody(index: PeopleIndex) -> None:
    assert index.search("   ") == []


def test_initials_alone_find_nobody(index: PeopleIndex) -> None:
    assert index.search("W S") == []


def test_no_more_hits_than_the_limit(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person() for _ in range(5)], settings=MatchSettings(search_limit=2))
    assert len(index.search("Smith")) == 2


def test_a_query_is_split_into_its_parts() -> None:
    query = parse_query("Mo Khan 02/03/2014 S5 7AU 943 476 5919")
    assert (query.nhs, query.dob, query.postcode, query.district, query.words) == (
        "9434765919",
        date(2014, 3, 2),
        "S57AU",
        "S5",
        ("mo", "khan"),
    )


def test_a_person_with_many_records_is_one_hit_within_the_limit(make_person: MakePerson) -> None:
    many = [make_person(person_id="same", referral_id=f"R{i}") for i in range(12)]
    index = PeopleIndex([*many, make_person(person_id="other")], settings=MatchSettings(search_limit=2))
    assert found(index, "Smith") == ["other", "same"]
