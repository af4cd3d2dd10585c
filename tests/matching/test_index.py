"""The index: blocking finds the people worth comparing, each once, strongest first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from triage.matching import MatchSettings, PeopleIndex, PersonRecord, Strength

MakePerson = Callable[..., PersonRecord]


def test_a_person_is_never_their_own_candidate(make_person: MakePerson) -> None:
    person = make_person()
    assert PeopleIndex([person]).candidates(person) == []


def test_a_person_with_several_records_is_one_candidate_by_the_best(make_person: MakePerson) -> None:
    first = make_person(person_id="known", referral_id="R1")
    later = replace(first, referral_id="R2", postcode="S20 1AB", address_line_1=None)
    found = PeopleIndex([first, later]).candidates(make_person())
    assert [c.person.referral_id for c in found] == ["R1"]


def test_someone_sharing_no_key_is_never_compared(make_person: MakePerson) -> None:
    index = PeopleIndex(
        [make_person(given_name="Grace", family_name="Okafor", date_of_birth=date(1990, 5, 5), postcode="S1 1AA")]
    )
    assert index.candidates(make_person()) == []


def test_names_swapped_and_a_new_postcode_are_still_found_by_how_the_names_sound(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(date_of_birth=date(1990, 5, 5))])
    incoming = make_person(
        given_name="Smith", family_name="William", date_of_birth=None, postcode="S20 1AB", address_line_1=None
    )
    assert len(index.candidates(incoming)) == 1


def test_a_day_month_swapped_birth_date_is_found_with_nothing_else_shared(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person(given_name="Zofia", family_name="Kowalska")])
    incoming = make_person(
        given_name="Zosia", family_name="Kowalsky", date_of_birth=date(2014, 2, 3), postcode=None, address_line_1=None
    )
    assert len(index.candidates(incoming)) == 1


def test_candidates_come_strongest_first_and_no_more_than_the_limit(make_person: MakePerson) -> None:
    people = [make_person(given_name=name) for name in ("William", "Will", "Liam", "Bill", "Billy")]
    index = PeopleIndex(people, settings=MatchSettings(max_candidates=3))
    found = index.candidates(make_person(given_name="William", household_id="new"))
    assert len(found) == 3
    assert found[0].person.given_name == "William"
    assert [c.strength.rank for c in found] == sorted(c.strength.rank for c in found)


def test_a_key_too_common_to_block_on_is_left_to_the_others(make_person: MakePerson) -> None:
    same_postcode = [make_person(given_name=f"Name{i}", family_name=f"Family{i}", date_of_birth=None) for i in range(5)]
    index = PeopleIndex(same_postcode, settings=MatchSettings(max_block=4))
    assert index.candidates(make_person(given_name="Name0", family_name="Other", date_of_birth=None)) == []


def test_settings_decide_what_is_likely(make_person: MakePerson) -> None:
    strict = PeopleIndex([make_person()], settings=MatchSettings(likely_threshold=0.999999999))
    assert strict.candidates(make_person(postcode=None, address_line_1=None))[0].strength is Strength.POSSIBLE


def test_the_index_counts_every_record(make_person: MakePerson) -> None:
    index = PeopleIndex([make_person()])
    index.add(make_person())
    index.extend([make_person(), make_person()])
    assert len(index) == 4
